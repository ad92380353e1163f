"""Independent forwards written from the official formulas, on raw state_dicts (test code only):
HyperGAN-CLIP's ModulatedConv2d (model.py: F + 0.1·mean_j m_j ⊙ demod(conv(x, a_j⊗b_j⊗k_j·s)); model_old.py:
m ⊙ demod(conv(x, (W + a⊗b⊗k)·s))), HyperDomainNet's mapper and cin_mult (after demodulation), OpenAI CLIP.
Strength and blends as the pack defines them: what the domains add, scaled by strength, weighted by blend weights."""
import math

import torch
import torch.nn.functional as F

from models.export.tests.test_generator import dense_forward, dense_modulated_conv


def equal_linear(sd, prefix, x, lr_mul=1.0):
    w = sd[f"{prefix}.weight"]
    return F.linear(x, w * lr_mul / math.sqrt(w.shape[1]), sd[f"{prefix}.bias"] * lr_mul)


def hypergan_conv_fn(sd, layers, embeds, weights, formulation="residual", strength=1.0):
    """conv_fn for dense_forward: embeds = list of raw CLIP embeddings [B,E] (one per blended domain)."""
    def conv_fn(index, conv, x, style):
        name = layers[index]["name"]
        h = f"{name}.conv.hypernet"
        main = dense_modulated_conv(conv, x, style)
        added = 0
        for e, w in zip(embeds, weights):
            a = equal_linear(sd, f"{h}.out_channel_estimator", e)
            b = equal_linear(sd, f"{h}.in_channel_estimator", e)
            k = equal_linear(sd, f"{h}.kernel_estimator", e)
            m = equal_linear(sd, f"{h}.domain_modulation", e)
            kernel = torch.bmm(a.unsqueeze(-1), torch.bmm(b.unsqueeze(-1), k.unsqueeze(1)).view(len(e), -1).unsqueeze(1))
            kernel = kernel.view(len(e), conv.out_channel, conv.in_channel, 3, 3)
            if formulation == "in-weight":  # model_old.py: W + a⊗b⊗k, the whole conv replaced
                kernel = conv.weight + kernel
            weight = conv.scale * kernel * style.view(len(e), 1, -1, 1, 1)
            new = dense_modulated_conv(conv, x, style, extra_weight=weight, out_scale=m)
            added = added + w * (0.1 * new if formulation == "residual" else new - main)
        return main + strength * added
    return conv_fn


def hypergan_images(gen, sd, layers, ws, embeds, weights, formulation="residual", strength=1.0):
    return dense_forward(gen, ws, hypergan_conv_fn(sd, layers, embeds, weights, formulation, strength))


def batch_norm(sd, prefix, x):
    return (x - sd[f"{prefix}.running_mean"]) / torch.sqrt(sd[f"{prefix}.running_var"] + 1e-5) \
        * sd[f"{prefix}.weight"] + sd[f"{prefix}.bias"]


def linear(sd, prefix, x):
    return F.linear(x, sd[f"{prefix}.weight"], sd[f"{prefix}.bias"])


def hdn_mapper(sd, cfg, layers, e):
    """core/mappers.py, residual_channelin, shared backbone, relu: offsets δ per StyledConv, concatenated."""
    def res(prefix, x):
        y = torch.relu(batch_norm(sd, f"{prefix}.input_block.1", linear(sd, f"{prefix}.input_block.0", x)))
        y = batch_norm(sd, f"{prefix}.second_block.1", linear(sd, f"{prefix}.second_block.0", y))
        return torch.relu(y + x)

    h = batch_norm(sd, "backbone.backbone.0.bn", torch.relu(linear(sd, "backbone.backbone.0.lin", e)))
    for i in range(1, cfg["backbone_depth"]):
        h = res(f"backbone.backbone.{i}", h)
    out = []
    for c in range(len(layers)):
        y = h
        for i in range(cfg["head_depth"] - 1):
            y = res(f"heads.conv_{c}.in.{i}", y)
        out.append(linear(sd, f"heads.conv_{c}.in.{cfg['head_depth'] - 1}", y))
    return torch.cat(out, 1)


def hdn_images(gen, ws, offsets, strength=1.0):
    """cin_mult: the demodulated weight times (1 + α·δ) per input channel (offsets: δ [B, S])."""
    starts = [0]
    for _, c in gen.styled_convs():
        starts.append(starts[-1] + c.conv.in_channel)

    def conv_fn(index, conv, x, style):
        weight = conv.scale * conv.weight * style.view(len(x), 1, -1, 1, 1)
        weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8).view(len(x), -1, 1, 1, 1)
        mult = 1 + strength * offsets[:, starts[index]:starts[index + 1]]
        return dense_modulated_conv(conv, x, style, extra_weight=weight * mult.view(len(x), 1, -1, 1, 1),
                                    demodulate=False)
    return dense_forward(gen, ws, conv_fn)


def clip_transformer(sd, prefix, x, heads, mask=None):
    """OpenAI CLIP's ResidualAttentionBlocks (nn.MultiheadAttention, QuickGELU MLP), batch-first here."""
    layers = len({k.split(".")[len(prefix.split("."))] for k in sd if k.startswith(prefix + ".")})
    width = x.shape[-1]
    for i in range(layers):
        p = f"{prefix}.{i}"
        y = F.layer_norm(x, (width,), sd[f"{p}.ln_1.weight"], sd[f"{p}.ln_1.bias"], 1e-5)
        attn, _ = F.multi_head_attention_forward(
            y.transpose(0, 1), y.transpose(0, 1), y.transpose(0, 1), width, heads, sd[f"{p}.attn.in_proj_weight"],
            sd[f"{p}.attn.in_proj_bias"], None, None, False, 0.0, sd[f"{p}.attn.out_proj.weight"],
            sd[f"{p}.attn.out_proj.bias"], training=False, need_weights=False, attn_mask=mask)
        x = x + attn.transpose(0, 1)
        y = F.layer_norm(x, (width,), sd[f"{p}.ln_2.weight"], sd[f"{p}.ln_2.bias"], 1e-5)
        y = linear(sd, f"{p}.mlp.c_fc", y)
        x = x + linear(sd, f"{p}.mlp.c_proj", y * torch.sigmoid(1.702 * y))
    return x


def clip_image(sd, pixels, heads):
    x = F.conv2d(pixels, sd["visual.conv1.weight"], stride=sd["visual.conv1.weight"].shape[-1])
    x = x.flatten(2).transpose(1, 2)
    width = x.shape[-1]
    x = torch.cat([sd["visual.class_embedding"].expand(len(x), 1, width), x], 1) + sd["visual.positional_embedding"]
    x = F.layer_norm(x, (width,), sd["visual.ln_pre.weight"], sd["visual.ln_pre.bias"], 1e-5)
    x = clip_transformer(sd, "visual.transformer.resblocks", x, heads)
    x = F.layer_norm(x[:, 0], (width,), sd["visual.ln_post.weight"], sd["visual.ln_post.bias"], 1e-5)
    return x @ sd["visual.proj"]


def clip_text(sd, ids, heads):
    x = sd["token_embedding.weight"][ids] + sd["positional_embedding"]
    n = ids.shape[1]
    mask = torch.full((n, n), float("-inf")).triu_(1)
    x = clip_transformer(sd, "transformer.resblocks", x, heads, mask)
    x = F.layer_norm(x, (x.shape[-1],), sd["ln_final.weight"], sd["ln_final.bias"], 1e-5)
    return x[torch.arange(len(ids)), ids.argmax(-1)] @ sd["text_projection"]

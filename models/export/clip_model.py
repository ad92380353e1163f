"""OpenAI CLIP (ViT variant) with the official state_dict names: visual.* for the image tower; token_embedding,
positional_embedding, transformer.resblocks.*, ln_final, text_projection, logit_scale for the text tower.
Attention is written out (same parameter names as nn.MultiheadAttention) so the export is plain ops."""
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    """Batch-first self-attention with nn.MultiheadAttention's parameter names."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, x, mask=None):
        length, width = x.shape[1], x.shape[2]
        head_dim = width // self.heads
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)

        def split(t):
            return t.reshape(-1, length, self.heads, head_dim).transpose(1, 2)

        q, k, v = split(q), split(k), split(v)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(head_dim)
        if mask is not None:
            scores = scores + mask
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.out_proj(out.transpose(1, 2).reshape(-1, length, width))


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.attn = Attention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(width, width * 4)), ("gelu", QuickGELU()),
                                              ("c_proj", nn.Linear(width * 4, width))]))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads) for _ in range(layers)])

    def forward(self, x, mask=None):
        for block in self.resblocks:
            x = block(x, mask)
        return x


class VisionTransformer(nn.Module):
    def __init__(self, input_resolution, patch_size, width, layers, heads, output_dim):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch_size, patch_size, bias=False)
        scale = width ** -0.5
        grid = input_resolution // patch_size
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def forward(self, x):
        x = self.conv1(x)
        width = x.shape[1]
        x = x.flatten(2).transpose(1, 2)  # [B, grid², width]
        cls = self.class_embedding.reshape(1, 1, width).expand(x.shape[0], 1, width)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding[None]
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj


class CLIP(nn.Module):
    def __init__(self, embed_dim, image_resolution, vision_layers, vision_width, vision_patch_size,
                 context_length, vocab_size, transformer_width, transformer_heads, transformer_layers,
                 vision_heads=None):
        super().__init__()
        self.context_length = context_length
        self.visual = VisionTransformer(image_resolution, vision_patch_size, vision_width, vision_layers,
                                        vision_heads or vision_width // 64, embed_dim)
        self.transformer = Transformer(transformer_width, transformer_layers, transformer_heads)
        self.token_embedding = nn.Embedding(vocab_size, transformer_width)
        self.positional_embedding = nn.Parameter(torch.randn(context_length, transformer_width) * 0.01)
        self.ln_final = nn.LayerNorm(transformer_width)
        self.text_projection = nn.Parameter(torch.randn(transformer_width, embed_dim) * transformer_width ** -0.5)
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        mask = torch.full((context_length, context_length), float("-inf")).triu_(1)
        self.register_buffer("attn_mask", mask, persistent=False)

    def encode_text(self, input_ids):
        x = self.token_embedding(input_ids) + self.positional_embedding[None]
        x = self.ln_final(self.transformer(x, self.attn_mask))
        # the embedding at the end-of-text token, which has the largest id (first maximum)
        eot = input_ids.argmax(dim=-1)
        index = eot.reshape(-1, 1, 1).expand(-1, 1, x.shape[2])
        return x.gather(1, index).squeeze(1) @ self.text_projection

    def encode_image(self, pixel_values):
        return self.visual(pixel_values)


class TextTower(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, input_ids):
        return self.clip.encode_text(input_ids)


class VisionTower(nn.Module):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, pixel_values):
        return self.clip.encode_image(pixel_values)


def image_size(clip):
    """The side of the pictures the vision tower takes (patch × grid): 224 for OpenAI's ViT-B models."""
    grid = round((clip.visual.positional_embedding.shape[0] - 1) ** 0.5)
    return clip.visual.conv1.kernel_size[0] * grid


def clip_from_state_dict(state_dict):
    """Build a CLIP whose shapes match an OpenAI ViT checkpoint (the recipe of CLIP's build_model)."""
    sd = {k: v for k, v in state_dict.items() if k not in ("input_resolution", "context_length", "vocab_size")}
    if "visual.proj" not in sd:
        raise ValueError("this CLIP checkpoint is not a ViT model (no visual.proj); only ViT CLIP is supported")
    vision_width = sd["visual.conv1.weight"].shape[0]
    vision_layers = len({k.split(".")[3] for k in sd if k.startswith("visual.transformer.resblocks.")})
    patch = sd["visual.conv1.weight"].shape[-1]
    grid = round((sd["visual.positional_embedding"].shape[0] - 1) ** 0.5)
    width = sd["ln_final.weight"].shape[0]
    model = CLIP(embed_dim=sd["text_projection"].shape[1], image_resolution=patch * grid,
                 vision_layers=vision_layers, vision_width=vision_width, vision_patch_size=patch,
                 context_length=sd["positional_embedding"].shape[0], vocab_size=sd["token_embedding.weight"].shape[0],
                 transformer_width=width, transformer_heads=width // 64,
                 transformer_layers=len({k.split(".")[2] for k in sd if k.startswith("transformer.resblocks.")}))
    model.load_state_dict(sd, strict=True)
    return model

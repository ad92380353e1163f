"""Checkpoints in the exact layouts the official code writes (key names, shapes, top-level dicts), at tiny sizes
with random weights. Written from the official module definitions (facts, not their code):
- rosinality stylegan2-pytorch train.py: {g, d, g_ema, g_optim, d_optim, args (argparse.Namespace)}
- HyperGAN-CLIP (models/stylegan2/model.py, DynaGAN_*.py): {g_ema, g_optim, latent_avg, is_dynagan, human_face,
  embed_mlp}; g_ema = generator + `<conv>.conv.hypernet.{out_channel,in_channel,kernel}_estimator` and
  `domain_modulation` EqualLinears on the CLIP embedding + `embedding.0..2` (c_dim -> 512 -> 512 -> 512)
- HyperDomainNet (core/utils/common.py, core/mappers.py): {model_type, mapper_config, patch_key, state_dict,
  sg2_params, da_type, clip_encoder}
- encoder4editing: {state_dict: encoder.* + decoder.*, latent_avg [N, 512], opts}
- StyleGAN-NADA: {g_ema, g_optim}
- OpenAI CLIP as clip.load downloads it: a traced TorchScript archive whose state_dict has the model's names
  plus input_resolution, context_length, vocab_size."""
import argparse

import torch

from models.export.clip_model import CLIP
from models.export.e4e import Encoder4Editing
from models.export.stylegan2 import Generator, layer_table

SIZE, STYLE_DIM, N_MLP = 32, 32, 2
CHANNELS = {4: 32, 8: 32, 16: 16, 32: 8}
EMBED = 32  # the tiny CLIP's embedding width = the hypernetworks' input width (512 for ViT-B/16)


def generator_state(seed, mapping_seed=None):
    """rosinality Generator.state_dict() (the names are checked against model.py in test_checkpoints)."""
    torch.manual_seed(seed)
    gen = Generator(SIZE, STYLE_DIM, N_MLP, channels=CHANNELS)
    with torch.no_grad():
        for _, conv in gen.styled_convs():
            conv.noise.weight.fill_(0.1)
        for rgb in [gen.to_rgb1, *gen.to_rgbs]:
            rgb.conv.weight.mul_(0.3)
    sd = gen.state_dict()
    if mapping_seed is not None:  # the same synthesis layers, another mapping network
        g = torch.Generator().manual_seed(mapping_seed)
        for k in [k for k in sd if k.startswith("style.")]:
            sd[k] = torch.randn(sd[k].shape, generator=g)
    return sd, layer_table(gen)


def hypergan_clip_g_ema(seed, c_dim=101, scaling=True):
    sd, layers = generator_state(seed)
    g = torch.Generator().manual_seed(seed + 100)

    def linear(prefix, out_dim, in_dim, bias_init):
        sd[f"{prefix}.weight"] = torch.randn(out_dim, in_dim, generator=g)
        sd[f"{prefix}.bias"] = bias_init + 0.1 * torch.randn(out_dim, generator=g)

    for layer in layers:
        h = f"{layer['name']}.conv.hypernet"
        linear(f"{h}.out_channel_estimator", layer["cout"], EMBED, 1.0)
        linear(f"{h}.in_channel_estimator", layer["cin"], EMBED, 1.0)
        linear(f"{h}.kernel_estimator", 9, EMBED, 0.0)
        if scaling:
            linear(f"{h}.domain_modulation", layer["cout"], EMBED, 1.0)
    linear("embedding.0", STYLE_DIM, c_dim, 0.0)  # never used by the official inference (domain_is_latents=True)
    linear("embedding.1", STYLE_DIM, STYLE_DIM, 0.0)
    linear("embedding.2", STYLE_DIM, STYLE_DIM, 0.0)
    ckpt = {"g_ema": sd, "g_optim": {"state": {}, "param_groups": []}, "latent_avg": torch.randn(STYLE_DIM, generator=g),
            "is_dynagan": True, "human_face": True, "embed_mlp": False}
    return ckpt, layers


def rosinality_checkpoint(seed):
    sd, layers = generator_state(seed)
    args = argparse.Namespace(size=SIZE, latent=STYLE_DIM, n_mlp=N_MLP, channel_multiplier=2)
    return {"g": sd, "d": {}, "g_ema": sd, "g_optim": {}, "d_optim": {}, "args": args}, layers


def hdn_mapper_config(backbone_depth=2, head_depth=2):
    return {"backbone_type": "shared", "mapper_type": "residual_channelin", "activation": "relu",
            "input_dimension": EMBED, "width": EMBED, "head_depth": head_depth, "backbone_depth": backbone_depth,
            "no_coarse": False, "no_fine": False, "no_medium": False}


def hdn_mapper_state(cfg, layers, seed):
    """core/mappers.py names: backbone.backbone.0 = BNLinRelu (lin, act, bn); then DummyResBlocks (input_block:
    Linear, BatchNorm1d, act; second_block: Linear, BatchNorm1d; out: act) with 512 inner features; heads.conv_i.in
    = head_depth − 1 DummyResBlocks and a Linear(width, Cin)."""
    g = torch.Generator().manual_seed(seed)
    sd, width = {}, cfg["width"]

    def lin(prefix, out_dim, in_dim):
        sd[f"{prefix}.weight"] = torch.randn(out_dim, in_dim, generator=g) / in_dim ** 0.5
        sd[f"{prefix}.bias"] = 0.1 * torch.randn(out_dim, generator=g)

    def bn(prefix, n):
        sd[f"{prefix}.weight"] = 1 + 0.1 * torch.randn(n, generator=g)
        sd[f"{prefix}.bias"] = 0.1 * torch.randn(n, generator=g)
        sd[f"{prefix}.running_mean"] = 0.1 * torch.randn(n, generator=g)
        sd[f"{prefix}.running_var"] = 0.5 + torch.rand(n, generator=g)
        sd[f"{prefix}.num_batches_tracked"] = torch.tensor(1000)

    def res(prefix):
        lin(f"{prefix}.input_block.0", 512, width)
        bn(f"{prefix}.input_block.1", 512)
        lin(f"{prefix}.second_block.0", width, 512)
        bn(f"{prefix}.second_block.1", width)

    lin("backbone.backbone.0.lin", width, cfg["input_dimension"])
    bn("backbone.backbone.0.bn", width)
    for i in range(1, cfg["backbone_depth"]):
        res(f"backbone.backbone.{i}")
    for c, layer in enumerate(layers):
        for i in range(cfg["head_depth"] - 1):
            res(f"heads.conv_{c}.in.{i}")
        lin(f"heads.conv_{c}.in.{cfg['head_depth'] - 1}", layer["cin"], width)
        sd[f"heads.conv_{c}.in.{cfg['head_depth'] - 1}.weight"] *= 0.3
    return sd


def hdn_mapper_checkpoint(layers, da_type="td", seed=5):
    cfg = hdn_mapper_config(backbone_depth=2 if da_type == "td" else 3)
    return {"model_type": "mapper", "mapper_config": cfg, "patch_key": "cin_mult",
            "state_dict": hdn_mapper_state(cfg, layers, seed), "sg2_params": {"img_size": SIZE, "channel_multiplier": 2},
            "da_type": da_type, "clip_encoder": "ViT-B/32"}


def hdn_single_domain_checkpoint(layers, seed=6):
    g = torch.Generator().manual_seed(seed)
    sd = {f"heads.conv_{i}.params_in": 0.2 * torch.randn(1, 1, l["cin"], 1, 1, generator=g) for i, l in enumerate(layers)}
    return {"model_type": "parameterization", "patch_key": "cin_mult", "state_dict": sd,
            "sg2_params": {"img_size": SIZE, "channel_multiplier": 2}, "da_type": "td"}


def e4e_checkpoint(seed, n_latent):
    torch.manual_seed(seed)
    enc = Encoder4Editing(n_latent, STYLE_DIM, 32, (4, 8, 16, 32), (1, 1, 1, 1), 4)
    with torch.no_grad():
        for block in enc.styles:
            block.linear.weight.mul_(0.1)
    dec, _ = generator_state(seed + 1)
    sd = {f"encoder.{k}": v for k, v in enc.state_dict().items()}
    sd.update({f"decoder.{k}": v for k, v in dec.items()})
    return {"state_dict": sd, "latent_avg": torch.randn(n_latent, STYLE_DIM),
            "opts": {"encoder_type": "Encoder4Editing", "stylegan_size": SIZE, "start_from_latent_avg": True}}


class TracedClip(CLIP):
    """OpenAI's CLIP as traced for clip.load(jit=True): forward(image, text); the three extra attributes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.context_length  # an int attribute of the project's CLIP; a tensor in OpenAI's archive
        mask = self._buffers.pop("attn_mask")  # OpenAI builds the causal mask in code: not in its state_dict
        self.attn_mask = mask
        self.register_buffer("input_resolution", torch.tensor(224))
        self.register_buffer("context_length", torch.tensor(77))
        self.register_buffer("vocab_size", torch.tensor(self.token_embedding.num_embeddings))

    def forward(self, image, text):
        return self.encode_image(image), self.encode_text(text)


def clip_torchscript(path, seed, patch=32, vocab=600):
    torch.manual_seed(seed)
    model = TracedClip(EMBED, 224, 1, 64, patch, 77, vocab, 64, 1, 1).eval()
    text = torch.zeros(1, 77, dtype=torch.long)
    text[0, :3] = torch.tensor([vocab - 2, 5, vocab - 1])
    traced = torch.jit.trace(model, (torch.randn(1, 3, 224, 224), text), check_trace=False)
    torch.jit.save(traced, path)
    return {k: v for k, v in model.state_dict().items()}

"""HyperDomainNet (MACderRu/HyperDomainNet) published checkpoints in the pack's layout.

Mapper checkpoints (`mapper_20_td.pt`, `mapper_large_resample_td.pt`, `mapper_base_im2im.pt`):
{model_type: "mapper", mapper_config, patch_key: "cin_mult", state_dict, sg2_params, da_type, clip_encoder}. The
mapper (core/mappers.py, "residual_channelin" with a "shared" backbone) is a BNLinRelu block (linear, activation,
then BatchNorm1d) and backbone_depth − 1 residual blocks of width → 512 → width, then per StyledConv `conv_i` a head of
head_depth − 1 residual blocks and a linear layer to Cin. Its output δ gives the multiplier 1 + δ on the input
channels of the demodulated weight. Input: one L2-normalised CLIP ViT-B/32 embedding (text for "td", the style
picture for "im2im"). Single-domain checkpoints ({model_type: "parameterization", patch_key: "cin_mult",
state_dict: heads.conv_i.params_in [1,1,Cin,1,1]}) are one fixed domain: 1 + params_in."""
import torch
import torch.nn as nn


def activation(name):
    table = {"relu": nn.ReLU, "lrelu": lambda: nn.LeakyReLU(0.2), "prelu": nn.PReLU, "id": nn.Identity}
    if name not in table:
        raise ValueError(f"HyperDomainNet mapper activation {name!r} is not one of {sorted(table)}")
    return table[name]()


class BNLinRelu(nn.Module):
    def __init__(self, cin, cout, act):
        super().__init__()
        self.bn = nn.BatchNorm1d(cin)  # as core/mappers.py builds it (it normalises `cout` features: equal widths only)
        self.lin = nn.Linear(cin, cout)
        self.act = activation(act)

    def forward(self, x):
        return self.bn(self.act(self.lin(x)))


class ResBlock(nn.Module):
    def __init__(self, width, inner, act):
        super().__init__()
        self.input_block = nn.Sequential(nn.Linear(width, inner), nn.BatchNorm1d(inner), activation(act))
        self.second_block = nn.Sequential(nn.Linear(inner, width), nn.BatchNorm1d(width))
        self.out = activation(act)

    def forward(self, x):
        return self.out(self.second_block(self.input_block(x)) + x)


class Backbone(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        width, act = cfg["width"], cfg["activation"]
        self.backbone = nn.Sequential(BNLinRelu(cfg["input_dimension"], width, act),
                                      *[ResBlock(width, 512, act) for _ in range(cfg["backbone_depth"] - 1)])

    def forward(self, x):
        return self.backbone(x)


class HdnMapper(nn.Module):
    """target [B,E] (L2-normalised, as the official inference feeds it) -> multipliers [B, S]; `source` unused."""

    def __init__(self, cfg, layers):
        super().__init__()
        if cfg.get("backbone_type", "shared") != "shared" or cfg.get("mapper_type") != "residual_channelin":
            raise ValueError(f"HyperDomainNet mapper {cfg.get('mapper_type')!r} with a {cfg.get('backbone_type')!r} "
                             "backbone is not supported (the published mappers are residual_channelin, shared)")
        width, act = cfg["width"], cfg["activation"]
        if cfg["input_dimension"] != width:  # core/mappers.py's first BatchNorm1d has input_dimension features
            raise ValueError(f"HyperDomainNet mapper_config has input_dimension {cfg['input_dimension']} and width "
                             f"{width}: the official mapper only runs with equal widths")
        self.backbone = Backbone(cfg)
        self.heads = nn.ModuleDict({f"conv_{i}": nn.ModuleDict({"in": nn.Sequential(
            *[ResBlock(width, 512, act) for _ in range(cfg["head_depth"] - 1)], nn.Linear(width, layer["cin"]))})
            for i, layer in enumerate(layers)})

    def forward(self, target, source):
        h = self.backbone(target)
        # 1 + δ; the 1 taken from `source`'s shape so the graph keeps the contract's second input, which it does not use
        return torch.cat([self.heads[f"conv_{i}"]["in"](h) for i in range(len(self.heads))], dim=1) + torch.ones_like(
            source[:, :1])


def check_cin_mult(ckpt):
    if ckpt.get("patch_key") != "cin_mult":
        raise ValueError(f"HyperDomainNet patch_key {ckpt.get('patch_key')!r} is not supported (only cin_mult, "
                         "the published one)")


def mapper_from_checkpoint(ckpt, layers):
    check_cin_mult(ckpt)
    cfg = dict(ckpt["mapper_config"])
    mapper = HdnMapper(cfg, layers)
    try:
        mapper.load_state_dict(ckpt["state_dict"], strict=True)
    except RuntimeError as err:
        first = str(err).strip().splitlines()
        raise ValueError("the HyperDomainNet mapper does not fit this generator or its mapper_config: "
                         f"{(first[1] if len(first) > 1 else first[0]).strip()[:200]}")
    return mapper.eval()


def vector_from_checkpoint(ckpt, n_layers):
    """A single-domain checkpoint as a domain vector [S] (1 + params_in of conv_0 … conv_{n−1}, layer order)."""
    check_cin_mult(ckpt)
    sd = ckpt["state_dict"]
    parts = []
    for i in range(n_layers):
        key = f"heads.conv_{i}.params_in"
        if key not in sd:
            raise ValueError(f"the HyperDomainNet checkpoint has no {key}: it is not a cin_mult single-domain checkpoint "
                             f"of a {n_layers}-layer generator")
        parts.append(1 + sd[key].reshape(-1).float())
    if f"heads.conv_{n_layers}.params_in" in sd:
        raise ValueError(f"the HyperDomainNet checkpoint has more StyledConvs than the pack's {n_layers}")
    return torch.cat(parts)

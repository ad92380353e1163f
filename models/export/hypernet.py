"""Hypernetworks from a CLIP embedding pair (target, source) to a domain vector.

The layout of the output is the pack's domain layout (domain_layout.py, docs/pack-format.md): for HyperGAN-CLIP
slot 0 holds γ = 1 and per StyledConv [m, a, b, k] (the other slots stay empty), or, in the additive formulation,
the plain [m, a, b, k] per StyledConv; for HyperDomainNet the Cin input-channel multipliers. The network predicts the
offset from the identity domain; a zero head output is the unchanged generator, except in the residual formulation,
where m = 0 is (the branch is m ⊙ …)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .ops import EqualLinear
from .domain_layout import DEFAULT_SLOTS, check_formulation, domain_block_len, has_slots, identity_domain, pack_slot


class DomainHypernet(nn.Module):
    """Shared trunk on [target, source, target − source], one linear head per StyledConv."""

    def __init__(self, layers, method, embed_dim, hidden=256, slots=DEFAULT_SLOTS, formulation="residual"):
        super().__init__()
        check_formulation(formulation)
        self.method, self.slots, self.formulation = method, slots, formulation
        self.register_buffer("identity", identity_domain(layers, method, slots, formulation), persistent=False)
        self.trunk = nn.Sequential(nn.Linear(3 * embed_dim, hidden), nn.LeakyReLU(0.2),
                                   nn.Linear(hidden, hidden), nn.LeakyReLU(0.2))
        self.heads = nn.ModuleList([nn.Linear(hidden, domain_block_len(layer, method)) for layer in layers])
        self.layers = layers

    def forward(self, target, source):
        h = self.trunk(torch.cat([target, source, target - source], dim=1))
        blocks = [head(h) for head in self.heads]
        if has_slots(self.method, self.formulation):
            return pack_slot(torch.ones_like(h[:, 0]), blocks, self.layers, self.slots)
        return torch.cat(blocks, dim=1) + self.identity

    @torch.no_grad()
    def init_random(self, generator, strength=1.0):
        """Scale a random init so that a random condition changes the images visibly but boundedly: the residual's
        m ~0.25 (its demodulated branch is unit-scale like F; a, b and k set only its shape), multipliers ~0.3."""
        e = self.trunk[0].in_features // 3
        probe = F.normalize(torch.randn(256, e, generator=generator), dim=1)
        probe2 = F.normalize(torch.randn(256, e, generator=generator), dim=1)
        for lin in (self.trunk[0], self.trunk[2]):
            lin.weight.normal_(0, 1, generator=generator)
            lin.bias.zero_()
        h = self.trunk[0](torch.cat([probe, probe2, probe - probe2], 1))
        self.trunk[0].weight /= h.std()
        h = self.trunk[:2](torch.cat([probe, probe2, probe - probe2], 1))
        self.trunk[2].weight /= self.trunk[2](h).std()
        hidden = self.trunk[2].out_features
        for layer, head in zip(self.layers, self.heads):
            head.weight.normal_(0, 1 / hidden ** 0.5, generator=generator)
            head.bias.zero_()
            cin, cout = layer["cin"], layer["cout"]
            if self.method == "hypergan-clip":  # b's scale cancels in the residual (it is divided by ‖b∘s‖)
                gains = torch.cat([torch.full((cout,), 0.25), torch.full((cout,), 0.3),
                                   torch.full((cin,), 1.0 / cin ** 0.5), torch.full((9,), 0.33)])
            else:
                gains = torch.full((cin,), 0.3)
            head.weight *= gains[:, None] * strength


class LayerHyperNet(nn.Module):
    """One StyledConv's estimators in the official HyperGAN-CLIP checkpoint (`<layer>.conv.hypernet.*`)."""

    def __init__(self, style_dim, cin, cout, scaling=True):
        super().__init__()
        self.out_channel_estimator = EqualLinear(style_dim, cout, bias_init=1)
        self.in_channel_estimator = EqualLinear(style_dim, cin, bias_init=1)
        self.kernel_estimator = EqualLinear(style_dim, 9)
        if scaling:  # absent when trained with no_scaling: m = 1
            self.domain_modulation = EqualLinear(style_dim, cout, bias_init=1)


class OfficialHyperGanClip(nn.Module):
    """The official HyperGAN-CLIP hypernetworks (`<layer>.conv.hypernet.*` of its g_ema) in the pack's domain
    layout. Every official call passes domain_is_latents=True: the raw CLIP image embedding goes straight into the
    estimators and the `embedding` MLP (c_dim inputs) is never used, so it is not part of this module. Per layer:
    a, b, k = out/in/kernel estimators, m = domain_modulation (α = β = 1, the official defaults). The residual
    formulation (model.py) adds η·m ⊙ demod(conv(x, a⊗b⊗k·s)) with η = 0.1, so m is exported as η·m; the
    in-weight one (model_old.py) replaces the conv by m ⊙ demod(conv(x, (W + a⊗b⊗k)·s)). `source` is unused."""

    def __init__(self, layers, style_dim=512, eta=0.1, formulation="residual", scaling=True, slots=DEFAULT_SLOTS):
        super().__init__()
        if not has_slots("hypergan-clip", formulation):
            raise ValueError(f"the official HyperGAN-CLIP hypernetworks run as 'residual' (model.py) or 'in-weight' "
                             f"(model_old.py), not {formulation!r}")
        self.layer_nets = nn.ModuleList([LayerHyperNet(style_dim, l["cin"], l["cout"], scaling) for l in layers])
        self.eta = eta if formulation == "residual" else 1.0
        self.layers, self.slots, self.scaling = layers, slots, scaling

    def forward(self, target, source):
        blocks = []
        for net in self.layer_nets:
            a = net.out_channel_estimator(target)
            b = net.in_channel_estimator(target)
            k = net.kernel_estimator(target)
            m = net.domain_modulation(target) if self.scaling else torch.ones_like(a)
            blocks += [self.eta * m, a, b, k]
        # γ = 1; taken from `source`'s shape so the graph keeps the contract's second input, which it does not use
        return pack_slot(torch.ones_like(source[:, 0]), blocks, self.layers, self.slots)

    @staticmethod
    def checkpoint_keys(layer_names, scaling=True):
        """Map from the official g_ema key to this module's key."""
        parts = ("out_channel_estimator", "in_channel_estimator", "kernel_estimator") + (
            ("domain_modulation",) if scaling else ())
        mapping = {}
        for i, name in enumerate(layer_names):
            for part in parts:
                for p in ("weight", "bias"):
                    mapping[f"{name}.conv.hypernet.{part}.{p}"] = f"layer_nets.{i}.{part}.{p}"
        return mapping

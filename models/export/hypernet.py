"""Hypernetworks from a CLIP embedding pair (target, source) to a domain vector.

The layout of the output is the pack's domain layout (docs/pack-format.md): per StyledConv, in layer order,
[m, a, b, k] for HyperGAN-CLIP or the Cin input-channel scales for HyperDomainNet. The network predicts the
offset from the identity domain, so a zero output is the unchanged generator."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .ops import EqualLinear
from .stylegan2 import domain_block_len, identity_domain


class DomainHypernet(nn.Module):
    """Shared trunk on [target, source, target − source], one linear head per StyledConv."""

    def __init__(self, layers, method, embed_dim, hidden=256):
        super().__init__()
        self.method = method
        self.trunk = nn.Sequential(nn.Linear(3 * embed_dim, hidden), nn.LeakyReLU(0.2),
                                   nn.Linear(hidden, hidden), nn.LeakyReLU(0.2))
        self.heads = nn.ModuleList([nn.Linear(hidden, domain_block_len(layer, method)) for layer in layers])
        self.register_buffer("identity", identity_domain(layers, method), persistent=False)
        self.layers = layers

    def forward(self, target, source):
        h = self.trunk(torch.cat([target, source, target - source], dim=1))
        return torch.cat([head(h) for head in self.heads], dim=1) + self.identity

    @torch.no_grad()
    def init_random(self, generator, strength=1.0):
        """Scale a random init so that a random condition moves each part of the domain by a visible but
        bounded amount: m by ~0.25, a by ~0.3 and k by ~0.33 (a residual about a third of F)."""
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

    def __init__(self, style_dim, cin, cout):
        super().__init__()
        self.out_channel_estimator = EqualLinear(style_dim, cout, bias_init=1)
        self.in_channel_estimator = EqualLinear(style_dim, cin, bias_init=1)
        self.kernel_estimator = EqualLinear(style_dim, 9)
        self.domain_modulation = EqualLinear(style_dim, cout, bias_init=1)


class OfficialHyperGanClip(nn.Module):
    """The official HyperGAN-CLIP hypernetwork (generator.embedding + per-layer estimators) re-expressed in the
    pack's domain layout. Official residual: F + η·m ⊙ demod(conv(x, (a⊗b⊗k)·s)), whose demodulation divides
    by |a|·‖b∘s‖·‖k‖; the pack's residual divides by ‖b∘s‖ only, so it gets a' = η·m·sign(a)/‖k‖, b, k, and
    the main-path scale m' = 1 (the official model leaves the main conv unchanged). `source` is unused: the
    official model is conditioned on one CLIP embedding."""

    def __init__(self, layers, c_dim, style_dim=512, lr_mlp=0.01, eta=0.1):
        super().__init__()
        self.embedding = nn.Sequential(EqualLinear(c_dim, style_dim), *[
            EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activation="fused_lrelu") for _ in range(2)])
        self.layer_nets = nn.ModuleList([LayerHyperNet(style_dim, l["cin"], l["cout"]) for l in layers])
        self.eta = eta

    def forward(self, target, source):
        style = self.embedding(target)
        blocks = []
        for net in self.layer_nets:
            a = net.out_channel_estimator(style)
            b = net.in_channel_estimator(style)
            k = net.kernel_estimator(style)
            m = net.domain_modulation(style)
            k_norm = torch.sqrt((k * k).sum(1, keepdim=True) + 1e-12)
            blocks += [torch.ones_like(m), self.eta * m * torch.sign(a) / k_norm, b, k]
        return torch.cat(blocks, dim=1)

    @staticmethod
    def checkpoint_keys(layer_names):
        """Map from the official g_ema key to this module's key."""
        mapping = {}
        for i, name in enumerate(layer_names):
            for part in ("out_channel_estimator", "in_channel_estimator", "kernel_estimator", "domain_modulation"):
                for p in ("weight", "bias"):
                    mapping[f"{name}.conv.hypernet.{part}.{p}"] = f"layer_nets.{i}.{part}.{p}"
        return mapping

"""Hypernetworks from a CLIP embedding pair (target, source) to a domain vector.

The layout of the output is the pack's domain layout (docs/pack-format.md): per StyledConv, in layer order,
[m, a, b, k] for HyperGAN-CLIP or the Cin input-channel scales for HyperDomainNet. The network predicts the
offset from the identity domain, so a zero output is the unchanged generator."""
import torch
import torch.nn as nn
import torch.nn.functional as F

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
        bounded amount: m by ~0.25, a and k by ~0.5, b by ~1/√Cin (so the residual is comparable to F)."""
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
            if self.method == "hypergan-clip":
                gains = torch.cat([torch.full((cout,), 0.25), torch.full((cout,), 0.5),
                                   torch.full((cin,), 1.0 / cin ** 0.5), torch.full((9,), 0.5)])
            else:
                gains = torch.full((cin,), 0.3)
            head.weight *= gains[:, None] * strength

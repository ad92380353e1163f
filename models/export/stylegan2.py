"""rosinality/stylegan2-pytorch Generator (same state_dict names), plus the domain-aware synthesis used by
synthesis.onnx: ws [B,N,L], domain [B,D], style_delta [B,S] -> images [B,3,R,R]."""
import math

import torch
import torch.nn as nn

from .domain_layout import (DEFAULT_SLOTS, check_formulation, domain_dim, has_slots, identity_domain, layer_offsets,
                            slot_len, split_block)
from .ops import (ConstantInput, EqualLinear, FusedLeakyReLU, ModulatedConv2d, NoiseInjection, PixelNorm,
                  Upsample, rank1_conv)

BLUR = (1, 3, 3, 1)


def default_channels(channel_multiplier=2):
    cm = channel_multiplier
    return {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * cm, 128: 128 * cm, 256: 64 * cm, 512: 32 * cm,
            1024: 16 * cm}


class StyledConv(nn.Module):
    def __init__(self, in_channel, out_channel, kernel_size, style_dim, upsample=False, blur_kernel=BLUR):
        super().__init__()
        self.conv = ModulatedConv2d(in_channel, out_channel, kernel_size, style_dim, upsample=upsample,
                                    blur_kernel=blur_kernel)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_channel)

    def forward(self, x, w, noise, method="none", block=None, delta=None, formulation="residual"):
        """block: this layer's part of the domain: [B, Cin] multipliers (hyperdomainnet), the residual slots
        (γ [B,K], [B,K,2·Cout + Cin + 9]) (hypergan-clip, residual and in-weight), or one
        [B, 2·Cout + Cin + 9] (hypergan-clip, additive); delta: style offset [B, Cin] or None."""
        conv = self.conv
        style = conv.modulation(w)
        if delta is not None:
            style = style + delta
        if method == "hyperdomainnet":  # HyperDomainNet's cin_mult: the multiplier acts after demodulation
            out = conv.raw(x, style * block) * torch.rsqrt(conv.energy(style) + 1e-8)[:, :, None, None]
        elif method == "hypergan-clip" and formulation == "additive":
            out = additive_conv(conv, x, style, block)
        elif method == "hypergan-clip":
            out = hypergan_conv(conv, x, style, block, formulation)
        else:
            out = conv(x, style)
        out = conv.finish(out)
        out = self.noise(out, torch.randn_like(out[:, :1]) if noise is None else noise)
        return self.activate(out)


def hypergan_conv(conv, x, style, slots, formulation):
    """F + Σ_j γ_j·(what slot j's domain adds), before blur, all slots at once (the graph does not grow with them).
    residual (model.py): m ⊙ demod(conv(x, a⊗b⊗k·s)); in-weight (model_old.py): m ⊙ demod(conv(x, (W + a⊗b⊗k)·s))
    − F. Demodulation is computed exactly (ε = 1e-8 as official) from per-channel energies, never from dense
    per-sample weights. slots: (γ [B,K], blocks [B,K,2·Cout + Cin + 9])."""
    gain, block = slots
    cin, cout, scale = conv.in_channel, conv.out_channel, conv.scale
    m, a, b, k = block[..., :cout], block[..., cout:2 * cout], block[..., 2 * cout:2 * cout + cin], block[..., -9:]
    raw = conv.raw(x, style)
    energy_w = conv.energy(style)
    main = raw * torch.rsqrt(energy_w + 1e-8)[:, :, None, None]
    bs = b * style[:, None, :]  # [B,K,Cin]
    y = rank1_conv(x, bs, k, conv.upsample)  # [B,K,H,W]
    rank1 = (a * a) * ((bs * bs).sum(2) * (k * k).sum(2))[..., None] * (scale * scale)  # [B,K,Cout]
    if formulation == "residual":
        coef = gain[..., None] * m * scale * a * torch.rsqrt(rank1 + 1e-8)
        return main + mix_slots(coef, y)
    # Σ_{i,t} scale²·W_oit·k_t·b_i·s_i²: the cross term in the demodulation of W + a⊗b⊗k
    weight = conv.scaled_weight().permute(1, 0, 2, 3).reshape(cin, cout * 9)
    wk = (torch.matmul(bs * style[:, None, :], weight).reshape(-1, int(k.shape[1]), cout, 9) * k[:, :, None, :]).sum(3)
    demod = torch.rsqrt(energy_w[:, None, :] + 2 * scale * a * wk + rank1 + 1e-8)
    gmd = gain[..., None] * m * demod  # [B,K,Cout]
    kept = (1 - gain.sum(1))[:, None, None, None]  # F + Σ_j γ_j·(new_j − F)
    return main * kept + raw * gmd.sum(1)[:, :, None, None] + mix_slots(gmd * scale * a, y)


def mix_slots(coef, y):
    """Σ_j coef_j [B,K,Cout] ⊗ y_j [B,K,H,W] -> [B,Cout,H,W]."""
    height, width = int(y.shape[2]), int(y.shape[3])
    return torch.matmul(coef.transpose(1, 2), y.flatten(2)).reshape(-1, int(coef.shape[2]), height, width)


def additive_conv(conv, x, style, block):
    """This project's own formulation (the trained demo pack): m ⊙ F + a ⊙ (b∘s ⊗ k branch) / ‖b∘s‖, before blur.
    Linear in a and k, so the identity domain (m = 1, a = b = k = 0) adds exactly nothing."""
    m, a, b, k = split_block(block, {"cin": conv.in_channel, "cout": conv.out_channel})
    bs = b * style
    norm = torch.rsqrt((bs * bs).sum(1) + 1e-8)
    y = rank1_conv(x, bs[:, None], k[:, None], conv.upsample)  # [B,1,H,W]
    return conv(x, style) * m[:, :, None, None] + (a * norm[:, None])[:, :, None, None] * y


class ToRGB(nn.Module):
    def __init__(self, in_channel, style_dim, upsample=True, blur_kernel=BLUR):
        super().__init__()
        if upsample:
            self.upsample = Upsample(blur_kernel)
        self.conv = ModulatedConv2d(in_channel, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x, w, skip=None):
        out = self.conv(x, self.conv.modulation(w)) + self.bias
        if skip is not None:
            out = out + self.upsample(skip)
        return out


class Generator(nn.Module):
    def __init__(self, size, style_dim, n_mlp, channel_multiplier=2, blur_kernel=BLUR, lr_mlp=0.01,
                 channels=None):
        super().__init__()
        self.size, self.style_dim = size, style_dim
        self.style = nn.Sequential(PixelNorm(), *[
            EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activation="fused_lrelu") for _ in range(n_mlp)])
        self.channels = channels or default_channels(channel_multiplier)
        ch = self.channels
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], 3, style_dim, blur_kernel=blur_kernel)
        self.to_rgb1 = ToRGB(ch[4], style_dim, upsample=False)
        self.log_size = int(math.log2(size))
        self.num_layers = (self.log_size - 2) * 2 + 1
        self.convs = nn.ModuleList()
        self.upsamples = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        self.noises = nn.Module()
        for layer_idx in range(self.num_layers):
            res = (layer_idx + 5) // 2
            self.noises.register_buffer(f"noise_{layer_idx}", torch.randn(1, 1, 2 ** res, 2 ** res))
        in_channel = ch[4]
        for i in range(3, self.log_size + 1):
            out_channel = ch[2 ** i]
            self.convs.append(StyledConv(in_channel, out_channel, 3, style_dim, upsample=True,
                                         blur_kernel=blur_kernel))
            self.convs.append(StyledConv(out_channel, out_channel, 3, style_dim, blur_kernel=blur_kernel))
            self.to_rgbs.append(ToRGB(out_channel, style_dim))
            in_channel = out_channel
        self.n_latent = self.log_size * 2 - 2

    def styled_convs(self):
        """(name, StyledConv) in layer order: conv1, convs.0, convs.1, ..."""
        return [("conv1", self.conv1)] + [(f"convs.{i}", c) for i, c in enumerate(self.convs)]

    def mapping(self, z):
        return self.style(z)


def layer_table(gen):
    return [{"name": name, "cin": c.conv.in_channel, "cout": c.conv.out_channel, "up": c.conv.upsample}
            for name, c in gen.styled_convs()]


class Synthesis(nn.Module):
    """What synthesis.onnx computes. Noise is the generator's fixed buffers. `formulation` (hypergan-clip only):
    "residual" (HyperGAN-CLIP's model.py) or "in-weight" (its model_old.py), whose domains hold `slots` residual
    slots, or "additive" (this project's own, one plain vector); see domain_layout.py."""

    def __init__(self, generator, method, slots=DEFAULT_SLOTS, formulation="residual"):
        super().__init__()
        check_formulation(formulation)
        self.g = generator
        self.method, self.slots, self.formulation = method, slots, formulation
        layers = layer_table(generator)
        self.layers = layers
        self.domain_offsets = layer_offsets(layers, method, formulation)
        self.style_offsets, s = [], 0
        for layer in layers:
            self.style_offsets.append((s, s + layer["cin"]))
            s += layer["cin"]
        self.D, self.S = domain_dim(layers, method, slots, formulation), s
        self.slot_size = slot_len(layers)
        self.random_noise = False  # True: fresh noise on every call (RandomNormalLike), as NADA's samplers draw

    def identity(self):
        return identity_domain(self.layers, self.method, self.slots, self.formulation)

    def layer_domain(self, domain, index):
        d0, d1 = self.domain_offsets[index]
        if not has_slots(self.method, self.formulation):
            return domain[:, d0:d1]
        slots = domain.reshape(-1, self.slots, self.slot_size)
        return slots[:, :, 0], slots[:, :, d0:d1]

    def forward(self, ws, domain, style_delta):
        g = self.g
        noises = [None if self.random_noise else getattr(g.noises, f"noise_{i}") for i in range(g.num_layers)]

        def conv(index, module, x, w):
            s0, s1 = self.style_offsets[index]
            return module(x, w, noises[index], self.method, self.layer_domain(domain, index),
                          style_delta[:, s0:s1], self.formulation)

        out = g.input(ws)
        out = conv(0, g.conv1, out, ws[:, 0])
        skip = g.to_rgb1(out, ws[:, 1])
        i = 1
        for j, to_rgb in enumerate(g.to_rgbs):
            out = conv(1 + 2 * j, g.convs[2 * j], out, ws[:, i])
            out = conv(2 + 2 * j, g.convs[2 * j + 1], out, ws[:, i + 1])
            skip = to_rgb(out, ws[:, i + 2], skip)
            i += 2
        return skip


class Mapping(nn.Module):
    def __init__(self, generator):
        super().__init__()
        self.style = generator.style

    def forward(self, z):
        return self.style(z)


def style_ws_index(generator):
    """The W+ entry each StyledConv (layer order) reads: conv1 → 0, convs.2j → 2j+1, convs.2j+1 → 2j+2."""
    return [0] + [1 + i for i in range(len(generator.convs))]


def layer_resolutions(generator):
    """Output side in pixels of each StyledConv, layer order: conv1 at 4, convs.2j and convs.2j+1 at 2^(j+3)."""
    return [4] + [2 ** (i // 2 + 3) for i in range(len(generator.convs))]


class Styles(nn.Module):
    """What styles.onnx computes: ws [B,N,L] -> the style vectors s = modulation(w) of every StyledConv, concatenated
    in layer order [B,S] (the space style_delta is added to; StyleCLIP's statistics and relevance need it)."""

    def __init__(self, generator):
        super().__init__()
        self.g = generator
        self.index = style_ws_index(generator)

    def forward(self, ws):
        convs = [conv for _, conv in self.g.styled_convs()]
        return torch.cat([conv.conv.modulation(ws[:, i]) for conv, i in zip(convs, self.index)], 1)

"""rosinality/stylegan2-pytorch Generator (same state_dict names), plus the domain-aware synthesis used by
synthesis.onnx: ws [B,N,L], domain [B,D], style_delta [B,S] -> images [B,3,R,R]."""
import math

import torch
import torch.nn as nn

from .ops import (ConstantInput, EqualLinear, FusedLeakyReLU, ModulatedConv2d, NoiseInjection, PixelNorm,
                  Upsample, rank1_residual)

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

    def forward(self, x, w, noise, method="none", block=None, delta=None):
        """block: this layer's slice of the domain vector [B, len]; delta: style offset [B, Cin] or None."""
        conv = self.conv
        style = conv.modulation(w)
        if delta is not None:
            style = style + delta
        cin, cout = conv.in_channel, conv.out_channel
        if method == "hyperdomainnet":
            style = style * block
        out = conv(x, style)
        if method == "hypergan-clip":
            m = block[:, :cout]
            a = block[:, cout:2 * cout]
            b = block[:, 2 * cout:2 * cout + cin]
            k = block[:, 2 * cout + cin:]
            out = conv.finish(out * m[:, :, None, None])
            out = out + rank1_residual(x, b * style, k, a, conv.upsample, getattr(conv, "blur", None))
        else:
            out = conv.finish(out)
        out = self.noise(out, noise)
        return self.activate(out)


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


def domain_block_len(layer, method):
    if method == "hypergan-clip":
        return 2 * layer["cout"] + layer["cin"] + 9
    if method == "hyperdomainnet":
        return layer["cin"]
    raise ValueError(f"unknown method {method!r}")


def domain_dim(layers, method):
    return sum(domain_block_len(layer, method) for layer in layers)


def style_dim_total(layers):
    return sum(layer["cin"] for layer in layers)


def identity_domain(layers, method):
    parts = []
    for layer in layers:
        if method == "hypergan-clip":
            parts += [torch.ones(layer["cout"]), torch.zeros(layer["cout"] + layer["cin"] + 9)]
        else:
            parts.append(torch.ones(layer["cin"]))
    return torch.cat(parts)


class Synthesis(nn.Module):
    """What synthesis.onnx computes. Noise is the generator's fixed buffers."""

    def __init__(self, generator, method):
        super().__init__()
        self.g = generator
        self.method = method
        layers = layer_table(generator)
        self.domain_offsets, self.style_offsets = [], []
        d = s = 0
        for layer in layers:
            n = domain_block_len(layer, method)
            self.domain_offsets.append((d, d + n))
            self.style_offsets.append((s, s + layer["cin"]))
            d, s = d + n, s + layer["cin"]
        self.D, self.S = d, s

    def forward(self, ws, domain, style_delta):
        g = self.g
        noises = [getattr(g.noises, f"noise_{i}") for i in range(g.num_layers)]

        def conv(index, module, x, w):
            d0, d1 = self.domain_offsets[index]
            s0, s1 = self.style_offsets[index]
            return module(x, w, noises[index], self.method, domain[:, d0:d1], style_delta[:, s0:s1])

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

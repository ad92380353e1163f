"""What synthesis.onnx is traced from: the same numbers as stylegan2.Synthesis (the module the trainers and the
reference outputs use, left unchanged), written for a small ONNX graph. At demo size about 45 % of the unfused
graph's time was small ops, each costing ONNX Runtime a kernel launch whatever its size:

- the domain vector and the style delta are split once (one Split each) instead of sliced and unsqueezed per layer;
- the rank-1 branch's per-sample 3x3 kernel: the 9 shifted copies of its one channel come from one Conv (or, for
  upsampling layers, one stride-2 ConvTranspose) with fixed one-hot kernels, contracted with k by one MatMul,
  instead of 9 Slice/Gather/Mul/Add;
- m (and the in-weight formulation's kept share of F) is folded into the demodulation's per-channel scale, so the
  conv output is scaled once;
- noise and bias are one constant Add (the noise is a fixed buffer) where that constant [Cout,H,W] is small (it is
  stored in the graph: past ONE_ADD_MAX floats, two Adds keep the file the size of the weights), and the leaky
  ReLU's √2 is folded into the scale before it;
- the blur after an upsampling conv pads inside its Conv, and the skip's upsampling is one depthwise ConvTranspose
  instead of zero insertion, two Pads and a Conv.

`method="none"` traces the plain generator (no domain branch): the identity domain's pictures, exactly, for every
formulation. Only export code uses this module."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .domain_layout import has_slots
from .ops import SQRT2

EPS = 1e-8
ONE_ADD_MAX = 1 << 18  # floats (1 MiB) of one layer's noise + bias constant; the demo pack's largest is 98,304


def one_hot_taps():
    """[9,1,3,3]: tap t = 3·row + col is 1 at (row, col), so conv2d with it gives the 9 shifted copies (and
    conv_transpose2d the 9 scattered ones) that a 3x3 kernel k weighs with k[t]."""
    return torch.eye(9).reshape(9, 1, 3, 3)


def taps(y, upsample, eye):
    """y [B',1,H,W] -> [B',9,H'·W']: the copies of y that a 3x3 conv (stride-2 transposed conv when upsampling)
    weighs, one per kernel tap."""
    if upsample:
        out = F.conv_transpose2d(y, eye.transpose(0, 1), stride=2)
    else:
        out = F.conv2d(y, eye, padding=1)
    return out.reshape(-1, 9, int(out.shape[2]) * int(out.shape[3]))  # python ints: a constant shape, no Shape op


def rank1_branch(x, style_b, k, upsample, eye):
    """As ops.rank1_conv: x [B,Cin,H,W], style_b [B,K,Cin], k [B,K,9] -> [B,K,H'·W'] (flattened)."""
    channels, height, width = int(x.shape[1]), int(x.shape[2]), int(x.shape[3])
    slots = int(style_b.shape[1])
    y = torch.matmul(style_b, x.reshape(-1, channels, height * width)).reshape(-1, 1, height, width)  # [B·K,1,H,W]
    patches = taps(y, upsample, eye)  # [B·K,9,H'W']
    z = torch.matmul(k.reshape(-1, 1, 9), patches)  # [B·K,1,H'W']
    return z.reshape(-1, slots, int(patches.shape[2]))


def blur(x, module):
    """ops.Blur with its padding inside the Conv when it is symmetric (it is for 3x3 upsampling convs), else as is."""
    (before, after) = module.pad
    if before != after:
        return module(x)
    channels = int(x.shape[1])
    weight = torch.flip(module.kernel, [0, 1])[None, None].repeat(channels, 1, 1, 1)
    return F.conv2d(x, weight, padding=before, groups=channels)


def upsample_skip(skip, module):
    """ops.Upsample (zero insertion, pad (2, 1), the 4x4 FIR) as one depthwise stride-2 transposed conv; another
    blur kernel as ops.Upsample does it."""
    if tuple(module.kernel.shape) != (4, 4) or tuple(module.pad) != (2, 1) or module.factor != 2:
        return module(skip)
    channels = int(skip.shape[1])
    weight = module.kernel[None, None].repeat(channels, 1, 1, 1)
    return F.conv_transpose2d(skip, weight, stride=2, padding=1, groups=channels)


class LeanSynthesis(nn.Module):
    """The graph of `synth` (a stylegan2.Synthesis), inputs and outputs unchanged; method "none": the plain generator."""

    def __init__(self, synth, method=None):
        super().__init__()
        self.synth = synth
        self.method = synth.method if method is None else method
        g = synth.g
        self.register_buffer("eye", one_hot_taps(), persistent=False)
        # noise·weight and bias per StyledConv, times √2 (leaky_relu(x)·√2 = leaky_relu(√2·x)): (noise, bias), or
        # (their sum, None) where the sum is small enough to store
        self.shifts = []
        for index, (_, conv) in enumerate(g.styled_convs()):
            bias = conv.activate.bias[None, :, None, None].detach() * SQRT2
            if synth.random_noise:
                self.shifts.append((None, bias))
                continue
            noise = (conv.noise.weight * getattr(g.noises, f"noise_{index}")).detach() * SQRT2
            self.shifts.append((noise + bias, None) if bias.shape[1] * noise.numel() <= ONE_ADD_MAX else (noise, bias))
        self.slotted = has_slots(self.method, synth.formulation)

    def split_domain(self, domain):
        """Per layer, its pieces of the domain in one Split: (γ, [m, a, b, k]) (slots) or [m, a, b, k] / [mult]."""
        s = self.synth
        if self.method == "none":
            return None, [None] * len(s.layers)
        if self.method == "hyperdomainnet":
            return None, [[p] for p in torch.split(domain, [layer["cin"] for layer in s.layers], 1)]
        sizes = [n for layer in s.layers for n in (layer["cout"], layer["cout"], layer["cin"], 9)]
        if self.slotted:
            slots = domain.reshape(-1, s.slots, s.slot_size)
            gain, *parts = torch.split(slots, [1] + sizes, 2)
            gain = gain.reshape(-1, s.slots)
        else:
            gain, parts = None, torch.split(domain, sizes, 1)
        return gain, [parts[4 * i:4 * i + 4] for i in range(len(s.layers))]

    def styled(self, index, module, x, w, gain, block, delta):
        conv = module.conv
        style = conv.modulation(w) + delta
        if self.method == "hyperdomainnet":
            raw = conv.raw(x, style * block[0])
        else:
            raw = conv.raw(x, style)
        energy = conv.energy(style)
        scale = torch.rsqrt(energy + EPS)  # [B,Cout] (the demodulation)
        extra = None
        if self.method == "hypergan-clip":
            scale, extra = self.domain_terms(conv, x, style, gain, block, energy, scale)
        out = raw * (scale * SQRT2)[:, :, None, None]
        if extra is not None:
            out = out + extra.reshape(-1, int(out.shape[1]), int(out.shape[2]), int(out.shape[3]))
        out = blur(out, conv.blur) if conv.upsample else out
        first, second = self.shifts[index]
        if first is None:  # fresh noise per call, as NADA's samplers draw
            first = module.noise.weight * SQRT2 * torch.randn_like(out[:, :1])
        out = out + first
        return F.leaky_relu(out if second is None else out + second, 0.2)

    def domain_terms(self, conv, x, style, gain, block, energy, demod):
        """(per-channel scale of the raw conv [B,Cout], the rank-1 term [B,Cout,H'W'] already times √2)."""
        m, a, b, k = block
        cout, scale = conv.out_channel, conv.scale
        if not self.slotted:  # additive: m ⊙ F + a ⊙ rank-1 / ‖b∘s‖
            bs = b * style
            norm = torch.rsqrt((bs * bs).sum(1, keepdim=True) + EPS)
            z = rank1_branch(x, bs[:, None], k[:, None], conv.upsample, self.eye)  # [B,1,H'W']
            return m * demod, (a * norm * SQRT2)[:, :, None] * z
        bs = b * style[:, None, :]  # [B,K,Cin]
        z = rank1_branch(x, bs, k, conv.upsample, self.eye)  # [B,K,H'W']
        rank1 = (a * a) * ((bs * bs).sum(2) * (k * k).sum(2))[..., None] * (scale * scale)  # [B,K,Cout]
        if self.synth.formulation == "residual":
            coef = gain[..., None] * m * scale * a * torch.rsqrt(rank1 + EPS)
            return demod, torch.matmul(coef.transpose(1, 2) * SQRT2, z)
        weight = conv.scaled_weight().permute(1, 0, 2, 3).reshape(int(style.shape[1]), cout * 9)
        slots = int(k.shape[1])
        wk = (torch.matmul(bs * style[:, None, :], weight).reshape(-1, slots, cout, 9) * k[:, :, None, :]).sum(3)
        gmd = gain[..., None] * m * torch.rsqrt(energy[:, None, :] + 2 * scale * a * wk + rank1 + EPS)
        kept = 1 - gain.sum(1, keepdim=True)
        return demod * kept + gmd.sum(1), torch.matmul((gmd * scale * a).transpose(1, 2) * SQRT2, z)

    def forward(self, ws, domain, style_delta):
        s, g = self.synth, self.synth.g
        gain, blocks = self.split_domain(domain)
        deltas = torch.split(style_delta, [layer["cin"] for layer in s.layers], 1)
        convs = [module for _, module in g.styled_convs()]

        def conv(index, x, w):
            return self.styled(index, convs[index], x, w, gain, blocks[index], deltas[index])

        out = conv(0, g.input(ws), ws[:, 0])
        skip = g.to_rgb1(out, ws[:, 1])
        i = 1
        for j, to_rgb in enumerate(g.to_rgbs):
            out = conv(1 + 2 * j, out, ws[:, i])
            out = conv(2 + 2 * j, out, ws[:, i + 1])
            rgb = to_rgb.conv(out, to_rgb.conv.modulation(ws[:, i + 2])) + to_rgb.bias
            skip = rgb + upsample_skip(skip, to_rgb.upsample)
            i += 2
        return skip

"""StyleGAN2 building blocks written with plain torch ops (no custom CUDA kernels) so that torch.onnx can
export them with a dynamic batch axis. Parameter and buffer names follow rosinality/stylegan2-pytorch, so its
checkpoints load with strict=True."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


def make_kernel(k):
    k = torch.tensor(k, dtype=torch.float32)
    if k.ndim == 1:
        k = k[None, :] * k[:, None]
    return k / k.sum()


def upfirdn2d(x, kernel, up=1, pad=(0, 0)):
    """Zero-insert upsampling by `up`, padding, then a depthwise FIR filter (the kernel is flipped, as
    upfirdn2d convolves). Static channel count, dynamic batch."""
    # python ints: the exported graph keeps static channel/spatial sizes, only the batch is dynamic
    channels, height, width = int(x.shape[1]), int(x.shape[2]), int(x.shape[3])
    if up > 1:
        x = x.reshape(-1, channels, height, 1, width, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(-1, channels, height * up, width * up)
    x = F.pad(x, [pad[0], pad[1], pad[0], pad[1]])
    weight = torch.flip(kernel, [0, 1])[None, None].repeat(channels, 1, 1, 1)
    return F.conv2d(x, weight, groups=channels)


class PixelNorm(nn.Module):
    def forward(self, x):
        return x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


class Blur(nn.Module):
    def __init__(self, kernel, pad, upsample_factor=1):
        super().__init__()
        kernel = make_kernel(kernel)
        if upsample_factor > 1:
            kernel = kernel * (upsample_factor ** 2)
        self.register_buffer("kernel", kernel)
        self.pad = pad

    def forward(self, x):
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    def __init__(self, kernel, factor=2):
        super().__init__()
        self.factor = factor
        self.register_buffer("kernel", make_kernel(kernel) * (factor ** 2))
        p = self.kernel.shape[0] - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x):
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class EqualLinear(nn.Module):
    """Equalised-lr linear layer; activation 'fused_lrelu' = leaky_relu(x + b, 0.2)·√2."""

    def __init__(self, in_dim, out_dim, bias=True, bias_init=0.0, lr_mul=1.0, activation=None):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.zeros(out_dim).fill_(bias_init)) if bias else None
        self.activation = activation
        self.scale = (1 / math.sqrt(in_dim)) * lr_mul
        self.lr_mul = lr_mul

    def forward(self, x):
        if self.activation:
            out = F.linear(x, self.weight * self.scale)
            return F.leaky_relu(out + self.bias * self.lr_mul, 0.2) * SQRT2
        bias = self.bias * self.lr_mul if self.bias is not None else None
        return F.linear(x, self.weight * self.scale, bias)


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return F.leaky_relu(x + self.bias[None, :, None, None], 0.2) * SQRT2


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x, noise):
        return x + self.weight * noise


class ConstantInput(nn.Module):
    def __init__(self, channels, size=4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, like):
        return self.input.expand(like.shape[0], -1, -1, -1)


def upsample_conv(x, weight):
    """The stride-2 transposed conv of an upsampling layer ([Cout, Cin, k, k] weight; output 2H + k - 2). Exported it
    is ConvTranspose; in PyTorch it is the same sum as a plain conv over the zero-interleaved input with the flipped
    kernel, because this CPU PyTorch's transposed conv has no fast path: measured on the demo generator, its forward
    was 7x and its backward 4x slower, three quarters of a training step."""
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return F.conv_transpose2d(x, weight.transpose(0, 1), stride=2, padding=0)
    b, c, h, w = x.shape
    spread = x.new_zeros(b, c, 2 * h - 1, 2 * w - 1)
    spread[:, :, ::2, ::2] = x
    k = weight.shape[-1]
    return F.conv2d(spread, weight.flip(2, 3), padding=k - 1)


class ModulatedConv2d(nn.Module):
    """Modulated conv. Instead of per-sample grouped weights (rosinality's fused path, not exportable with a
    dynamic batch) it modulates the input, convolves with the shared weight and demodulates the output —
    the same numbers, since demodulation is a per-(sample, output channel) scale."""

    def __init__(self, in_channel, out_channel, kernel_size, style_dim, demodulate=True, upsample=False,
                 blur_kernel=(1, 3, 3, 1)):
        super().__init__()
        self.in_channel, self.out_channel = in_channel, out_channel
        self.kernel_size = kernel_size
        self.upsample = upsample
        self.demodulate = demodulate
        if upsample:
            factor = 2
            p = (len(blur_kernel) - factor) - (kernel_size - 1)
            self.blur = Blur(blur_kernel, pad=((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor)
        self.scale = 1 / math.sqrt(in_channel * kernel_size ** 2)
        self.padding = kernel_size // 2
        self.weight = nn.Parameter(torch.randn(1, out_channel, in_channel, kernel_size, kernel_size))
        self.modulation = EqualLinear(style_dim, in_channel, bias_init=1)

    def scaled_weight(self):
        return self.weight[0] * self.scale

    def forward(self, x, style):
        """style: the per-sample style vector s [B, Cin] (already offset/scaled by the caller).
        Returns the demodulated conv output before blur (callers blur via `finish`)."""
        weight = self.scaled_weight()
        x = x * style[:, :, None, None]
        if self.upsample:
            out = upsample_conv(x, weight)
        else:
            out = F.conv2d(x, weight, padding=self.padding)
        if self.demodulate:
            # Σ_k W² per (out, in); a buffer when frozen so the exported graph holds it once, not W² in full
            per_channel = getattr(self, "weight_energy", None)
            if per_channel is None:
                per_channel = (weight * weight).sum([2, 3])
            energy = torch.matmul(style * style, per_channel.t())
            out = out * torch.rsqrt(energy + 1e-8)[:, :, None, None]
        return out

    def raw(self, x, style):
        """conv(x ⊙ style, scale·W) before demodulation and blur."""
        weight = self.scaled_weight()
        x = x * style[:, :, None, None]
        if self.upsample:
            return upsample_conv(x, weight)
        return F.conv2d(x, weight, padding=self.padding)

    def energy(self, style):
        """Σ_{i,k} (scale·W_oik·s_i)² per (sample, output channel): what demodulation divides by (its sqrt)."""
        per_channel = getattr(self, "weight_energy", None)
        if per_channel is None:
            weight = self.scaled_weight()
            per_channel = (weight * weight).sum([2, 3])
        return torch.matmul(style * style, per_channel.t())

    @torch.no_grad()
    def freeze_energy(self):
        self.register_buffer("weight_energy", (self.scaled_weight() ** 2).sum([2, 3]), persistent=False)

    def finish(self, out):
        return self.blur(out) if self.upsample else out


def rank1_conv(x, style_b, k, upsample):
    """For K rank-1 weights at once: y_j = Σ_i (b_j∘s)_i·x_i (one channel each), convolved with the per-sample 3x3
    kernel k_j (row-major, as conv2d cross-correlates; a stride-2 transposed conv for upsampling layers, blur left to
    the caller). x [B,Cin,H,W], style_b [B,K,Cin], k [B,K,9] -> [B,K,H',W']: the un-normalised outputs of the
    weights b_j⊗k_j, each shared by every output channel."""
    height, width = int(x.shape[2]), int(x.shape[3])
    slots = int(style_b.shape[1])
    y = torch.matmul(style_b, x.flatten(2)).reshape(-1, slots, height, width)
    kernel = k
    if upsample:
        # transposed conv = zero insertion, pad by 2, cross-correlation with the flipped kernel
        y = y.reshape(-1, slots, height, 1, width, 1)
        y = F.pad(y, [0, 1, 0, 0, 0, 1]).reshape(-1, slots, height * 2, width * 2)
        y = y[:, :, : 2 * height - 1, : 2 * width - 1]
        y = F.pad(y, [2, 2, 2, 2])
        kernel = torch.flip(k, [2])  # k[3r+c] -> k[3(2-r)+(2-c)] is a reversal of the 9 entries
        out_h, out_w = 2 * height + 1, 2 * width + 1
    else:
        y = F.pad(y, [1, 1, 1, 1])
        out_h, out_w = height, width
    out = 0
    for row in range(3):
        for col in range(3):
            out = out + kernel[:, :, 3 * row + col, None, None] * y[:, :, row:row + out_h, col:col + out_w]
    return out

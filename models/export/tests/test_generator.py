"""The export-friendly generator against an independent dense implementation (rosinality's per-sample grouped
conv, the official HyperGAN-CLIP residual), and the domain/style layouts of docs/pack-format.md."""
import math
import unittest

import torch
import torch.nn.functional as F

from models.export.configs import CONFIGS
from models.export.hypernet import OfficialHyperGanClip
from models.export.ops import upfirdn2d
from models.export.random_models import random_generator
from models.export.domain_layout import domain_dim, identity_domain, style_dim_total
from models.export.stylegan2 import Generator, Synthesis, layer_table

torch.set_grad_enabled(False)


def dense_modulated_conv(conv, x, style, extra_weight=None, out_scale=None, demodulate=None):
    """rosinality's fused path: per-sample weights, demodulated, grouped conv (transposed for up layers)."""
    batch, cin, h, w = x.shape
    weight = conv.scale * conv.weight * style.view(batch, 1, cin, 1, 1)
    if extra_weight is not None:
        weight = extra_weight
    if conv.demodulate if demodulate is None else demodulate:
        weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8).view(batch, -1, 1, 1, 1)
    if out_scale is not None:
        weight = weight * out_scale.view(batch, -1, 1, 1, 1)
    k = conv.kernel_size
    if conv.upsample:
        weight = weight.transpose(1, 2).reshape(batch * cin, -1, k, k)
        out = F.conv_transpose2d(x.reshape(1, batch * cin, h, w), weight, stride=2, groups=batch)
        out = out.view(batch, -1, out.shape[2], out.shape[3])
        return conv.blur(out)
    out = F.conv2d(x.reshape(1, batch * cin, h, w), weight.reshape(-1, cin, k, k), padding=conv.padding, groups=batch)
    return out.view(batch, -1, h, w)


def dense_forward(gen, ws, conv_fn=None):
    """The plain generator forward (fixed noise), with an optional replacement for each StyledConv's conv."""
    noises = [getattr(gen.noises, f"noise_{i}") for i in range(gen.num_layers)]

    def styled(index, layer, x, w):
        style = layer.conv.modulation(w)
        out = conv_fn(index, layer.conv, x, style) if conv_fn else dense_modulated_conv(layer.conv, x, style)
        out = out + layer.noise.weight * noises[index]
        return F.leaky_relu(out + layer.activate.bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2)

    def to_rgb(layer, x, w, skip):
        out = dense_modulated_conv(layer.conv, x, layer.conv.modulation(w)) + layer.bias
        if skip is not None:
            out = out + upfirdn2d(skip, layer.upsample.kernel, up=2, pad=layer.upsample.pad)
        return out

    x = gen.input.input.repeat(ws.shape[0], 1, 1, 1)
    x = styled(0, gen.conv1, x, ws[:, 0])
    skip = to_rgb(gen.to_rgb1, x, ws[:, 1], None)
    for j in range(len(gen.to_rgbs)):
        x = styled(1 + 2 * j, gen.convs[2 * j], x, ws[:, 1 + 2 * j])
        x = styled(2 + 2 * j, gen.convs[2 * j + 1], x, ws[:, 2 + 2 * j])
        skip = to_rgb(gen.to_rgbs[j], x, ws[:, 3 + 2 * j], skip)
    return skip


class GeneratorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.gen = random_generator(CONFIGS["tiny"], torch.Generator().manual_seed(1)).eval()
        cls.layers = layer_table(cls.gen)
        cls.ws = torch.randn(3, cls.gen.n_latent, cls.gen.style_dim)

    def test_dims_at_1024_match_the_papers(self):
        layers = layer_table(Generator(1024, 8, 1))  # narrow style_dim: only the channel table matters here
        self.assertEqual(len(layers), 17)
        self.assertEqual(domain_dim(layers, "hypergan-clip", slots=1), 1 + 17337)  # γ, then [m, a, b, k] per conv
        self.assertEqual(domain_dim(layers, "hypergan-clip"), 4 * 17338)
        self.assertEqual(domain_dim(layers, "hyperdomainnet"), 6048)
        self.assertEqual(style_dim_total(layers), 6048)
        self.assertEqual(Generator(1024, 8, 1).n_latent, 18)
        self.assertEqual(Generator(256, 8, 1).n_latent, 14)

    def test_identity_domain_leaves_the_generator_unchanged(self):
        reference = dense_forward(self.gen, self.ws)
        self.assertGreater(reference.std().item(), 0.2, "random images should not be flat")
        for method in ("hypergan-clip", "hyperdomainnet"):
            for formulation in ("residual", "in-weight", "additive"):
                synth = Synthesis(self.gen, method, formulation=formulation)
                ident = identity_domain(self.layers, method, formulation=formulation)[None].repeat(3, 1)
                out = synth(self.ws, ident, torch.zeros(3, synth.S))
                self.assertLess((out - reference).abs().max().item(), 1e-5, method)

    def random_hypergan_domain(self, seed, slots=4, used=2):
        g = torch.Generator().manual_seed(seed)
        rows = []
        for j in range(slots):
            blocks = [(0.5 + torch.rand(3, 1, generator=g)) if j < used else torch.zeros(3, 1)]
            for layer in self.layers:
                cin, cout = layer["cin"], layer["cout"]
                blocks += [0.3 * torch.randn(3, cout, generator=g), torch.randn(3, cout, generator=g),
                           torch.randn(3, cin, generator=g), torch.randn(3, 9, generator=g)]
            rows.append(torch.cat(blocks, 1) * (1 if j < used else 0))
        return torch.cat(rows, 1)

    def dense_hypergan(self, domain, formulation, slots=4):
        """Independent forward: per slot j, γ_j·(η·m ⊙ demod(conv(x, a⊗b⊗k·s))) (model.py, η folded into m) or
        γ_j·(m ⊙ demod(conv(x, (W + a⊗b⊗k)·s)) − F) (model_old.py), with rosinality's dense per-sample weights."""
        size = domain.shape[1] // slots

        def conv_fn(index, conv, x, style):
            main = dense_modulated_conv(conv, x, style)
            cin, cout = conv.in_channel, conv.out_channel
            start = 1 + sum(2 * l["cout"] + l["cin"] + 9 for l in self.layers[:index])
            out = main
            for j in range(slots):
                gain = domain[:, j * size]
                blk = domain[:, j * size + start:j * size + start + 2 * cout + cin + 9]
                m, a, b, k = blk[:, :cout], blk[:, cout:2 * cout], blk[:, 2 * cout:2 * cout + cin], blk[:, -9:]
                rank1 = ((a[:, :, None] * b[:, None, :])[..., None] * k[:, None, None, :]).view(-1, cout, cin, 3, 3)
                if formulation == "in-weight":
                    rank1 = rank1 + conv.weight
                weight = conv.scale * rank1 * style.view(-1, 1, cin, 1, 1)
                new = dense_modulated_conv(conv, x, style, extra_weight=weight, out_scale=m)
                out = out + gain.view(-1, 1, 1, 1) * (new - main if formulation == "in-weight" else new)
            return out
        return conv_fn

    def test_both_hypergan_formulations_equal_dense_per_sample_weights(self):
        for formulation in ("residual", "in-weight"):
            domain = self.random_hypergan_domain(5)
            synth = Synthesis(self.gen, "hypergan-clip", formulation=formulation)
            expected = dense_forward(self.gen, self.ws, self.dense_hypergan(domain, formulation))
            got = synth(self.ws, domain, torch.zeros(3, synth.S))
            self.assertLess((got - expected).abs().max().item(), 1e-4, formulation)
            self.assertGreater((got - dense_forward(self.gen, self.ws)).abs().mean().item(), 1e-2, formulation)

    def test_additive_formulation_equals_its_dense_definition(self):
        """The demo pack's own formulation: m ⊙ F + a ⊙ conv(x, (b∘s)⊗k) / ‖b∘s‖ (no demodulation of the branch)."""
        g = torch.Generator().manual_seed(8)
        identity = identity_domain(self.layers, "hypergan-clip", formulation="additive")
        domain = identity + 0.3 * torch.randn(3, identity.numel(), generator=g)

        def conv_fn(index, conv, x, style):
            cin, cout = conv.in_channel, conv.out_channel
            start = sum(2 * l["cout"] + l["cin"] + 9 for l in self.layers[:index])
            blk = domain[:, start:start + 2 * cout + cin + 9]
            m, a, b, k = blk[:, :cout], blk[:, cout:2 * cout], blk[:, 2 * cout:2 * cout + cin], blk[:, -9:]
            bs = b * style
            rank1 = ((a[:, :, None] * bs[:, None, :])[..., None] * k[:, None, None, :]).view(-1, cout, cin, 3, 3)
            rank1 = rank1 / bs.norm(dim=1).view(-1, 1, 1, 1, 1)
            branch = dense_modulated_conv(conv, x, style, extra_weight=rank1, demodulate=False)
            return dense_modulated_conv(conv, x, style) * m[:, :, None, None] + branch

        synth = Synthesis(self.gen, "hypergan-clip", formulation="additive")
        self.assertEqual(synth.D, identity.numel())
        got = synth(self.ws, domain, torch.zeros(3, synth.S))
        self.assertLess((got - dense_forward(self.gen, self.ws, conv_fn)).abs().max().item(), 1e-4)

    def test_official_hypergan_clip_residual_is_reproduced(self):
        """F + η·m ⊙ demod(conv(x ⊙ s, a⊗b⊗k)) from the official estimators on the raw embedding."""
        torch.manual_seed(3)
        e = self.gen.style_dim
        net = OfficialHyperGanClip(self.layers, style_dim=e)
        for p in net.parameters():
            p.normal_(0, 1)
        target = torch.randn(3, e)
        domain = net(target, torch.zeros(3, e))

        def conv_fn(index, conv, x, style):
            est = net.layer_nets[index]
            a, b = est.out_channel_estimator(target), est.in_channel_estimator(target)
            k, m = est.kernel_estimator(target), est.domain_modulation(target)
            rank1 = (a[:, :, None] * b[:, None, :])[..., None] * k[:, None, None, :]
            rank1 = conv.scale * rank1.view(3, conv.out_channel, conv.in_channel, 3, 3) * style.view(3, 1, -1, 1, 1)
            residual = dense_modulated_conv(conv, x, style, extra_weight=rank1, out_scale=m)
            return dense_modulated_conv(conv, x, style) + 0.1 * residual

        expected = dense_forward(self.gen, self.ws, conv_fn)
        synth = Synthesis(self.gen, "hypergan-clip")
        got = synth(self.ws, domain, torch.zeros(3, synth.S))
        self.assertLess((got - expected).abs().max().item(), 1e-4)
        self.assertGreater((got - dense_forward(self.gen, self.ws)).abs().mean().item(), 1e-3)

    def test_hyperdomainnet_multiplies_input_channels_after_demodulation(self):
        synth = Synthesis(self.gen, "hyperdomainnet")
        g = torch.Generator().manual_seed(9)
        domain = 1 + 0.3 * torch.randn(3, synth.D, generator=g)
        delta = 0.2 * torch.randn(3, synth.S, generator=g)

        def conv_fn(index, conv, x, style):
            s0, s1 = synth.style_offsets[index]
            style = style + delta[:, s0:s1]
            weight = conv.scale * conv.weight * style.view(3, 1, -1, 1, 1)
            weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8).view(3, -1, 1, 1, 1)
            weight = weight * domain[:, s0:s1].view(3, 1, -1, 1, 1)  # cin_mult: (1 + δ) after demodulation
            return dense_modulated_conv(conv, x, style, extra_weight=weight, demodulate=False)

        expected = dense_forward(self.gen, self.ws, conv_fn)
        got = synth(self.ws, domain, delta)
        self.assertLess((got - expected).abs().max().item(), 1e-4)

    def test_batches_may_mix_domains(self):
        synth = Synthesis(self.gen, "hypergan-clip")
        domain = self.random_hypergan_domain(11)
        together = synth(self.ws, domain, torch.zeros(3, synth.S))
        for i in range(3):
            alone = synth(self.ws[i:i + 1], domain[i:i + 1], torch.zeros(1, synth.S))
            self.assertLess((alone - together[i:i + 1]).abs().max().item(), 1e-4)



class UpsampleConvTest(unittest.TestCase):
    def test_the_training_path_is_the_transposed_conv(self):
        """In PyTorch an upsampling layer runs as a plain conv over the zero-interleaved input (fast on this CPU
        PyTorch); its values and gradients must be the transposed conv's, and export must still see ConvTranspose."""
        from models.export.ops import upsample_conv
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(3, 8, 5, 6, generator=gen)
        weight = torch.randn(4, 8, 3, 3, generator=gen)
        reference = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)
        self.assertTrue(torch.allclose(upsample_conv(x, weight), reference, atol=1e-5))
        traced = torch.jit.trace(upsample_conv, (x, weight))  # what export sees: the transposed conv itself
        self.assertNotIn("zeros", str(traced.graph))  # no zero-interleaved copy in the graph
        with torch.enable_grad():
            xs, ws = x.clone().requires_grad_(), weight.clone().requires_grad_()
            out = upsample_conv(xs, ws)
            self.assertEqual(out.shape, reference.shape)
            self.assertTrue(torch.allclose(out, reference, atol=1e-5))
            grad = torch.randn(out.shape, generator=gen)
            got = torch.autograd.grad(out, (xs, ws), grad)
            xr, wr = x.clone().requires_grad_(), weight.clone().requires_grad_()
            want = torch.autograd.grad(F.conv_transpose2d(xr, wr.transpose(0, 1), stride=2), (xr, wr), grad)
        for g, w in zip(got, want):
            self.assertTrue(torch.allclose(g, w, atol=1e-4))


if __name__ == "__main__":
    unittest.main()

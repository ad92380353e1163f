"""The graph synthesis.onnx is traced from (lean.LeanSynthesis) against stylegan2.Synthesis, the module the trainers
and the reference outputs use: the same pictures for every method and formulation, with random domains, style
deltas and both kinds of layer (plain and upsampling); method "none" against the identity domain."""
import unittest

import torch

from models.export.configs import CONFIGS
from models.export.domain_layout import identity_domain
from models.export.lean import LeanSynthesis
from models.export.random_models import random_generator
from models.export.stylegan2 import Synthesis, layer_table

torch.set_grad_enabled(False)
CASES = [("hypergan-clip", "residual"), ("hypergan-clip", "in-weight"), ("hypergan-clip", "additive"),
         ("hyperdomainnet", "residual")]


class LeanSynthesisTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.gen = random_generator(CONFIGS["tiny"], torch.Generator().manual_seed(1)).eval()
        for module in cls.gen.modules():
            if hasattr(module, "freeze_energy"):
                module.freeze_energy()
        cls.layers = layer_table(cls.gen)
        cls.ws = torch.randn(3, cls.gen.n_latent, cls.gen.style_dim)

    def domain(self, synth, seed):
        """Identity plus noise; slotted layouts: two slots used with γ around 1, the other two empty."""
        g = torch.Generator().manual_seed(seed)
        d = synth.identity()[None].repeat(3, 1) + 0.3 * torch.randn(3, synth.D, generator=g)
        if synth.slots and synth.D == synth.slots * synth.slot_size and synth.method == "hypergan-clip" \
                and synth.formulation != "additive":
            d = d.reshape(3, synth.slots, synth.slot_size)
            d[:, :, 0] = torch.tensor([1.0, 0.5, 0.0, 0.0])
            d[:, 2:] = 0
            d = d.reshape(3, -1)
        return d

    def test_every_formulation_draws_the_same_pictures(self):
        for method, formulation in CASES:
            synth = Synthesis(self.gen, method, formulation=formulation).eval()
            lean = LeanSynthesis(synth).eval()
            domain = self.domain(synth, 3)
            delta = 0.3 * torch.randn(3, synth.S, generator=torch.Generator().manual_seed(4))
            expected = synth(self.ws, domain, delta)
            got = lean(self.ws, domain, delta)
            self.assertLess((got - expected).abs().max().item(), 1e-4, (method, formulation))
            plain = synth(self.ws, synth.identity()[None].repeat(3, 1), delta)
            self.assertGreater((expected - plain).abs().mean().item(), 1e-2, f"{method} {formulation}: domain unused")

    def test_the_plain_graph_is_the_identity_domain(self):
        for method, formulation in CASES:
            synth = Synthesis(self.gen, method, formulation=formulation).eval()
            identity = identity_domain(self.layers, method, synth.slots, formulation)[None].repeat(3, 1)
            delta = 0.3 * torch.randn(3, synth.S, generator=torch.Generator().manual_seed(5))
            expected = synth(self.ws, identity, delta)
            got = LeanSynthesis(synth, method="none")(self.ws, identity, delta)
            self.assertLess((got - expected).abs().max().item(), 1e-4, (method, formulation))


if __name__ == "__main__":
    unittest.main()

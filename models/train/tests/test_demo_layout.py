"""The committed demo pack (models/demo) is the exporter's "additive" HyperGAN-CLIP formulation: its training
checkpoints (models/train/work) run through today's Synthesis and DomainHypernet reproduce the PyTorch reference
outputs written beside the pack when it was exported, so the pack keeps its meaning without being re-exported."""
import os
import unittest

import numpy as np
import torch

from models.export.stylegan2 import Synthesis
from models.train.common import CONFIGS
from models.train.generator_train import make_generator
from models.train.hypernet_train import FORMULATION, METHOD, make_hypernet

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
WORK, REF = os.path.join(ROOT, "models/train/work"), os.path.join(ROOT, "models/demo/reference")


def ref(name):
    return torch.from_numpy(np.load(os.path.join(REF, f"{name}.npy")))


class DemoPackLayoutTest(unittest.TestCase):
    @torch.no_grad()
    def test_additive_formulation_reproduces_the_committed_pack(self):
        cfg = CONFIGS["demo"]
        gen = make_generator(cfg)
        gen.load_state_dict(torch.load(os.path.join(WORK, "generator.pt"), map_location="cpu")["generator"])
        hyper = make_hypernet(gen.eval(), cfg)
        hyper.load_state_dict(torch.load(os.path.join(WORK, "hypernet.pt"), map_location="cpu")["hypernet"])
        domain = hyper.eval()(ref("hypernet_target"), ref("hypernet_source"))
        self.assertLess((domain - ref("hypernet_domain")).abs().max().item(), 1e-4)
        synth = Synthesis(gen, METHOD, formulation=FORMULATION).eval()
        images = synth(ref("ws"), ref("domain"), ref("style_delta"))
        self.assertLess((images - ref("images")).abs().mean().item(), 1e-4)
        self.assertGreater((images - ref("images_identity")).abs().mean().item(), 1e-2)


if __name__ == "__main__":
    unittest.main()

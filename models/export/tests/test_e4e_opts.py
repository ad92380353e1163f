"""e4e's opts.start_from_latent_avg decides whether the latent average is added (as encoder4editing's forward does)."""
import argparse
import unittest

import torch

from models.export.checkpoints import encoder_from_checkpoint
from models.export.configs import CONFIGS
from models.export.e4e import Encoder4Editing
from models.export.stylegan2 import Generator


class StartFromLatentAvgTest(unittest.TestCase):
    def test_added_only_when_the_opts_say_so(self):
        small = CONFIGS["small"]
        gen = Generator(small["resolution"], small["latent_dim"], 1, channels=small["channels"])
        # the smallest IR-SE shape the checkpoint loader recognises: 4 distinct stage widths, input 64
        cfg = {"input_size": 64, "channels": (8, 16, 32, 64), "blocks": (1, 1, 1, 1), "se_reduction": 4}
        enc = Encoder4Editing(gen.n_latent, gen.style_dim, cfg["input_size"], cfg["channels"], cfg["blocks"],
                              cfg["se_reduction"])
        state = {f"encoder.{k}": v for k, v in enc.state_dict().items()}
        avg = torch.randn(gen.n_latent, gen.style_dim)
        x = torch.rand(1, 3, cfg["input_size"], cfg["input_size"]) * 2 - 1
        with torch.no_grad():
            codes = enc.eval()(x)
            for opts, added in ((None, True), ({"start_from_latent_avg": True}, True),
                                ({"start_from_latent_avg": False}, False),
                                (argparse.Namespace(start_from_latent_avg=False), False)):
                ckpt = {"state_dict": state, "latent_avg": avg, **({"opts": opts} if opts is not None else {})}
                wrapped, _ = encoder_from_checkpoint(ckpt, gen, torch.zeros(gen.style_dim))
                want = codes + avg[None] if added else codes
                self.assertLess((wrapped(x) - want).abs().max().item(), 1e-5, opts)


if __name__ == "__main__":
    unittest.main()

"""Every trainer runs a few steps on the micro configuration, and the one command exports a pack the exporter's
checks accept (training itself does not run in CI)."""
import json
import os
import tempfile
import unittest

import torch

from models.train import __main__ as pipeline
from models.train.captions import build_tokenizer, caption, vocabulary
from models.train.world import STYLES, attributes_from_z, render, sample_attributes


class WorldTest(unittest.TestCase):
    def test_render_is_deterministic_and_styles_differ(self):
        a = sample_attributes(4, torch.Generator().manual_seed(0))
        b = sample_attributes(4, torch.Generator().manual_seed(0))
        self.assertTrue(torch.equal(render(a), render(b)))
        pictures = {s: render(a, s) for s in STYLES}
        for s in STYLES[1:]:
            self.assertGreater((pictures[s] - pictures["photo"]).abs().mean().item(), 0.05, s)
        self.assertLess(pictures["night"].mean().item(), pictures["photo"].mean().item() - 0.3)
        sketch = pictures["pencil sketch"]
        self.assertLess((sketch[:, 0] - sketch[:, 1]).abs().max().item(), 1e-6)  # grey

    def test_z_route_gives_uniform_attributes(self):
        a = attributes_from_z(torch.randn(4000, 64, generator=torch.Generator().manual_seed(1)))
        self.assertAlmostEqual(a[:, 0].mean().item(), 0.5, delta=0.03)

    def test_captions_use_only_the_vocabulary(self):
        import random
        rng = random.Random(0)
        words = set(vocabulary())
        a = sample_attributes(50, torch.Generator().manual_seed(2))
        tok = build_tokenizer()
        for s in STYLES:
            for i in range(50):
                text = caption(s, a[i], rng)
                self.assertTrue(set(text.split()) <= words, text)
                # every known word is a single token: start, the words, end
                self.assertEqual(sum(1 for t in tok.encode(text, 32) if t), len(text.split()) + 2, text)


class MicroPipelineTest(unittest.TestCase):
    def test_every_stage_runs_and_exports_a_pack(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "pack")
            pipeline.main(["--config", "micro", "--work", os.path.join(tmp, "work"), "--out", out,
                           "--judge-out", os.path.join(tmp, "judge")])
            manifest = json.load(open(os.path.join(out, "pack.json")))
            self.assertEqual(manifest["provenance"]["source"], "trained")
            self.assertEqual([d["name"] for d in manifest["domains"]], ["sepia"])
            self.assertIn("zombie", manifest["vocabulary"])
            self.assertEqual(manifest["clip"]["imageSize"], 16)
            self.assertEqual(manifest["domainLayout"], {"kind": "linear", "formulation": "additive"})
            for stage in ("clip", "generator", "judge", "encoder", "hypernet", "nada-sepia"):
                self.assertTrue(os.path.exists(os.path.join(tmp, "work", f"{stage}.pt")), stage)
            self.assertTrue(os.path.exists(os.path.join(tmp, "judge", "judge.onnx")))


if __name__ == "__main__":
    unittest.main()

"""StyleCLIP relevance with the pack's own CLIP."""
import unittest

import torch

from models.export.random_models import build_random
from models.export.relevance import compute_relevance


class RelevanceTest(unittest.TestCase):
    def test_rows_are_unit_directions_and_a_dead_channel_has_none(self):
        parts = build_random("tiny", "hypergan-clip", 1)
        with torch.no_grad():
            parts["generator"].conv1.conv.weight[:, :, 0] = 0  # style channel 0 now changes nothing
        rel = compute_relevance(parts, "hypergan-clip", samples=2, channels=4)
        self.assertEqual(tuple(rel.shape), (4, 16))
        self.assertLess(rel[0].norm().item(), 1e-3)
        for c in range(1, 4):
            self.assertAlmostEqual(rel[c].norm().item(), 1.0, places=4)
        again = compute_relevance(parts, "hypergan-clip", samples=2, channels=4)
        self.assertTrue(torch.equal(rel, again), "relevance must be reproducible")


if __name__ == "__main__":
    unittest.main()


class AddRelevanceTest(unittest.TestCase):
    def test_added_to_a_copy_of_the_tiny_pack(self):
        import hashlib
        import json
        import os
        import shutil
        import tempfile

        import numpy as np

        from models.export.__main__ import main

        src = os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "fixtures", "packs", "tiny")
        tmp = tempfile.mkdtemp()
        try:
            pack = os.path.join(tmp, "tiny")
            shutil.copytree(src, pack)
            self.assertEqual(main(["--styleclip-relevance", "--relevance-samples", "1", "--into", pack]), 0)
            with open(os.path.join(pack, "pack.json")) as f:
                manifest = json.load(f)
            entry = manifest["files"]["styleRelevance"]
            with open(os.path.join(pack, entry["path"]), "rb") as f:
                data = f.read()
            self.assertEqual(hashlib.sha256(data).hexdigest(), entry["sha256"])
            rel = np.frombuffer(data, dtype="<f4").reshape(manifest["styleDim"], manifest["embedDim"])
            norms = np.linalg.norm(rel, axis=1)
            self.assertTrue(np.all((np.abs(norms - 1) < 1e-4) | (norms < 1e-3)))
            self.assertGreater((norms > 0.5).mean(), 0.9)
        finally:
            shutil.rmtree(tmp)

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

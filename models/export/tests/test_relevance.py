"""StyleCLIP global directions in the exporter against the official recipe written independently (official_recipe.py)."""
import hashlib
import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import torch

from models.export.random_models import build_random
from models.export.relevance import compute_relevance, covered_channels, global_direction, style_stats, styleclip_manifest
from models.export.stylegan2 import Generator, layer_table
from models.export.tests import official_recipe as official

PSI = 0.7


def cosines(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


class OfficialRecipeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parts = build_random("tiny", "hyperdomainnet", 2)
        cls.stats = style_stats(cls.parts["generator"], cls.parts["w_avg"], PSI, 4000)

    def test_style_mean_and_sigma_match_the_official_statistics(self):
        from models.export.relevance import STATS_SEED
        mean, std = official.mean_std(self.parts["generator"], self.parts["w_avg"], PSI, 4000, STATS_SEED)
        np.testing.assert_allclose(self.stats[0].numpy(), mean, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(self.stats[1].numpy(), std, rtol=1e-4, atol=1e-5)

    def test_relevance_rows_and_edit_vectors_match_the_official_recipe(self):
        channels, samples = 10, 6
        mean, std = (x.numpy().astype(np.float64) for x in self.stats)
        ours = compute_relevance(self.parts, "hyperdomainnet", samples, PSI, self.stats, channels=channels).numpy()
        theirs = official.fs3(self.parts, "hyperdomainnet", samples, PSI, mean, std, channels)
        cos = cosines(ours[:channels], theirs)
        self.assertGreaterEqual(cos.min(), 0.99, cos)
        self.assertTrue(np.all(ours[channels:] == 0), "rows not computed stay zero")
        rng = np.random.default_rng(0)
        for beta in (0.0, 0.2):
            dt = rng.standard_normal(theirs.shape[1])
            edit = global_direction(ours[:channels], std[:channels], dt, 3.0, beta)
            want = official.boundary(theirs, std, dt, 3.0, beta)
            self.assertGreaterEqual(cosines(edit, want), 0.99)

    def test_sigma_scales_the_edit_of_a_channel_with_known_sigma(self):
        relevance = np.eye(4, 3)  # channel c points along axis c; channel 3 along nothing
        sigma = np.array([2.0, 0.5, 1.0, 4.0])
        delta = global_direction(relevance, sigma, np.array([1.0, 0.5, 0.0]), 2.0, 0.1)
        # r = [0.894, 0.447, 0, 0], max |r| = 0.894: Δs_c = α·σ_c·r_c/max|r|
        np.testing.assert_allclose(delta, [2.0 * 2.0, 2.0 * 0.5 * 0.5, 0, 0], rtol=1e-6)

    def test_the_manifest_section_carries_text_settings_only_when_given(self):
        text = {"templates": ["a photo of {}"], "neutral": "a face", "phrase": {"subjects": ["a face"]}}
        self.assertEqual(styleclip_manifest(100, 1.0, 8, 4, text=text)["text"], text)
        self.assertNotIn("text", styleclip_manifest(100, 1.0, 8, 4))  # official packs: 79 templates, defaultSource

    def test_tripling_a_channel_triples_its_sigma(self):
        parts = build_random("tiny", "hyperdomainnet", 2)
        with torch.no_grad():
            mod = parts["generator"].conv1.conv.modulation
            mod.weight[5] *= 3
            mod.bias[5] *= 3
        mean, std = style_stats(parts["generator"], parts["w_avg"], PSI, 4000)
        self.assertAlmostEqual(std[5].item(), 3 * self.stats[1][5].item(), places=4)
        self.assertAlmostEqual(mean[5].item(), 3 * self.stats[0][5].item(), places=4)

    def test_a_dead_channel_has_a_zero_row(self):
        parts = build_random("tiny", "hypergan-clip", 1)
        with torch.no_grad():
            parts["generator"].conv1.conv.weight[:, :, 0] = 0  # style channel 0 now changes nothing
        rel = compute_relevance(parts, "hypergan-clip", 2, PSI, channels=3)
        self.assertLess(rel[0].norm().item(), 1e-3)
        self.assertAlmostEqual(rel[1].norm().item(), 1.0, places=4)
        self.assertTrue(torch.equal(rel, compute_relevance(parts, "hypergan-clip", 2, PSI, channels=3)))

    def test_layers_past_128_px_are_not_covered(self):
        gen = Generator(256, 8, 1, channels={4: 8, 8: 8, 16: 8, 32: 8, 64: 4, 128: 4, 256: 2})
        layers = layer_table(gen)
        self.assertEqual(covered_channels(gen), sum(layer["cin"] for layer in layers[:11]))
        self.assertEqual(sum(layer["cin"] for layer in layers) - covered_channels(gen), 4 + 2)


class AddRelevanceTest(unittest.TestCase):
    def test_added_to_a_copy_of_the_tiny_pack(self):
        from models.export.__main__ import main

        src = os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "fixtures", "packs", "tiny")
        tmp = tempfile.mkdtemp()
        try:
            pack = os.path.join(tmp, "tiny")
            shutil.copytree(src, pack)
            args = ["--styleclip-relevance", "--relevance-samples", "1", "--style-samples", "500", "--into", pack]
            self.assertEqual(main(args), 0)
            with open(os.path.join(pack, "pack.json")) as f:
                manifest = json.load(f)
            for role in ("styles", "styleStats", "styleRelevance"):
                entry = manifest["files"][role]
                with open(os.path.join(pack, entry["path"]), "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(), entry["sha256"], role)
            S, E = manifest["styleDim"], manifest["embedDim"]
            rel = np.fromfile(os.path.join(pack, "style_relevance.bin"), dtype="<f4").reshape(S, E)
            norms = np.linalg.norm(rel, axis=1)
            self.assertTrue(np.all((np.abs(norms - 1) < 1e-4) | (norms < 1e-3)))
            self.assertGreater((norms > 0.5).mean(), 0.9)
            self.assertEqual(np.fromfile(os.path.join(pack, "style_stats.bin"), dtype="<f4").shape, (2 * S,))
            sc = manifest["styleclip"]
            self.assertEqual((sc["statsSamples"], sc["relevance"]["samples"], sc["channels"], sc["maxResolution"]),
                             (500, 1, S, 128))
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()

"""Every trainer runs a few steps on the micro configuration, and the one command exports a pack the exporter's
checks accept (training itself does not run in CI)."""
import json
import os
import tempfile
import unittest

import torch

from models.train import __main__ as pipeline
from models.train.captions import SHORT_FORMS, STYLE_PHRASES, build_tokenizer, caption, styleclip_text, vocabulary
from models.train.world import STYLES, A, attributes_from_z, render, sample_attributes


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

    def test_a_smile_opens_the_mouth(self):
        """A broad smile must read at 64 px (an open mouth), not only as a pixel of curvature."""
        a = sample_attributes(8, torch.Generator().manual_seed(3)).repeat(2, 1)
        a[:8, A["smile"]], a[8:, A["smile"]] = 0.3, 0.95
        pictures = render(a)
        changed = ((pictures[8:] - pictures[:8]).abs().amax(1) > 0.3).flatten(1).sum(1)
        self.assertGreaterEqual(changed.min().item(), 20)

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

    def test_styleclip_templates_are_the_captions_frames_in_their_words(self):
        import random
        import re
        text = styleclip_text()
        templates = text["templates"]
        self.assertTrue(all(t.count("{}") == 1 for t in templates))
        self.assertEqual(len(templates), sum(len(STYLE_PHRASES[s]) for s in STYLES if s != "zombie"))
        # every template, with the face phrases the engine makes of short edit texts, is said in known single tokens
        words, tok = set(vocabulary()), build_tokenizer()
        for t in templates:
            for face in ("a smiling face", "a frowning face", "a face with glasses", "a face with red hair", text["neutral"]):
                prompt = t.replace("{}", face)
                self.assertTrue(set(prompt.split()) <= words, prompt)
                self.assertEqual(sum(1 for i in tok.encode(prompt, 32) if i), len(prompt.split()) + 2, prompt)
        # and every caption of a face (but the zombie's, whose subject is the zombie) is one of the templates around a
        # face phrase of the grammar
        face = r"an? (?:(?:%s) )?(?:%s)(?: with .+)?" % ("|".join(text["phrase"]["before"]),
                                                         "|".join(s.split()[-1] for s in text["phrase"]["subjects"]))
        frames = [re.compile("^" + re.escape(t).replace(r"\{\}", face) + "$") for t in templates]
        rng = random.Random(3)
        a = sample_attributes(40, torch.Generator().manual_seed(3))
        for s in STYLES:
            for i in range(40):
                c = caption(s, a[i], rng)
                if s == "zombie" or c in SHORT_FORMS[s] + STYLE_PHRASES[s][:1]:
                    continue
                self.assertTrue(any(f.match(c) for f in frames), c)



class MicroPipelineTest(unittest.TestCase):
    def test_every_stage_runs_and_exports_a_pack(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "pack")
            os.makedirs(out)
            with open(os.path.join(out, "README.md"), "w") as f:
                f.write("people's notes\n")
            pipeline.main(["--config", "micro", "--work", os.path.join(tmp, "work"), "--out", out,
                           "--judge-out", os.path.join(tmp, "judge")])
            manifest = json.load(open(os.path.join(out, "pack.json")))
            self.assertEqual(open(os.path.join(out, "README.md")).read(), "people's notes\n")  # kept, the rest anew
            self.assertEqual(manifest["provenance"]["source"], "trained")
            self.assertEqual([d["name"] for d in manifest["domains"]], ["sepia"])
            self.assertIn("zombie", manifest["vocabulary"])
            self.assertEqual(manifest["clip"]["imageSize"], 16)
            self.assertEqual(manifest["domainLayout"], {"kind": "linear", "formulation": "additive"})
            self.assertEqual(manifest["styleclip"]["text"], styleclip_text())
            for stage in ("clip", "generator", "judge", "encoder", "hypernet", "nada-sepia"):
                self.assertTrue(os.path.exists(os.path.join(tmp, "work", f"{stage}.pt")), stage)
            self.assertTrue(os.path.exists(os.path.join(tmp, "judge", "judge.onnx")))


if __name__ == "__main__":
    unittest.main()

"""Every trainer runs a few steps on the micro configuration, and the one command exports a pack the exporter's
checks accept (training itself does not run in CI)."""
import contextlib
import io
import json
import os
import random
import re
import tempfile
import unittest

import torch
import torch.nn.functional as F

from models.train import __main__ as pipeline
from models.train import clip_probe, content_ceiling, domain_capacity, edit_diagnosis
from models.train.captions import SHORT_FORMS, STYLE_PHRASES, build_tokenizer, caption, styleclip_text, vocabulary
from models.train.clip_train import make_clip
from models.train.common import CONFIGS, Checkpoint, resume
from models.train.generator_train import (FEATURE_GAIN, detail_weight, make_generator, picture_loss, pixel_weight,
                                         synthesize, w_plus)
from models.train.hypernet_train import DEFAULT_SOURCE, MAX_CONTRAST_GAIN, Conditions, contrast_gain, ground_truths
from models.train.looks import OPERATIONS, random_look
from models.train.world import (STYLES, A, attributes_from_z, render, render_layers, render_photo_features,
                                restyle, sample_attributes)


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

    def test_restyle_draws_a_style_over_the_picture_it_is_given(self):
        """Over the renderer's own photo it is the renderer's picture in the style; over another face's picture (the
        generator's, in training) it keeps that picture's content, not the attributes' face; at the picture's size."""
        gen = torch.Generator().manual_seed(5)
        a, b = sample_attributes(3, gen), sample_attributes(3, gen)
        look = random_look(random.Random(2))
        for style in STYLES[1:] + [look]:
            self.assertLess((restyle(render(a), a, style) - render(a, style)).abs().max().item(), 1e-5, style)
            other = restyle(render(b), a, style)
            kept, moved = (other - render(b, style)).abs().mean(), (other - render(a, style)).abs().mean()
            self.assertLess(kept.item(), moved.item(), style)
        self.assertEqual(tuple(restyle(render(a, size=16), a, "night").shape), (3, 3, 16, 16))

    def test_a_smile_opens_the_mouth(self):
        """A broad smile must read at 64 px (an open mouth), not only as a pixel of curvature."""
        a = sample_attributes(8, torch.Generator().manual_seed(3)).repeat(2, 1)
        a[:8, A["smile"]], a[8:, A["smile"]] = 0.3, 0.95
        pictures = render(a)
        changed = ((pictures[8:] - pictures[:8]).abs().amax(1) > 0.3).flatten(1).sum(1)
        self.assertGreaterEqual(changed.min().item(), 20)

    def test_twins_differ_in_the_smile_or_the_glasses_alone(self):
        from models.train.clip_attributes import twins

        gen = torch.Generator().manual_seed(4)
        a = sample_attributes(200, gen)
        b = twins(a, gen)
        smiled = (a[:, A["smile"]] > 0.6) != (b[:, A["smile"]] > 0.6)
        glassed = a[:, A["glasses"]] != b[:, A["glasses"]]
        self.assertTrue(torch.equal(smiled ^ glassed, torch.ones(200, dtype=torch.bool)))  # one of the two, always
        self.assertGreater(smiled.sum().item(), 60)
        self.assertGreater(glassed.sum().item(), 60)
        others = [i for i in range(a.shape[1]) if i not in (A["smile"], A["glasses"])]
        self.assertTrue(torch.equal(a[:, others], b[:, others]))

    def test_looks_are_seeded_pictures_unlike_the_photo_and_every_operation_is_drawn(self):
        a = sample_attributes(4, torch.Generator().manual_seed(0))
        photo = render(a)
        for seed in range(12):
            first, again = render(a, random_look(random.Random(seed))), render(a, random_look(random.Random(seed)))
            self.assertTrue(torch.equal(first, again))
            self.assertEqual(first.shape, photo.shape)
            self.assertGreaterEqual(first.min().item(), -1)
            self.assertLessEqual(first.max().item(), 1)
            self.assertGreater((first - photo).abs().mean().item(), 0.01, seed)
        drawn = set()
        for seed in range(60):
            drawn |= {operation for operation, _ in random_look(random.Random(seed)).operations}
        self.assertEqual(drawn, set(OPERATIONS))

    def test_z_route_gives_uniform_attributes(self):
        a = attributes_from_z(torch.randn(4000, 64, generator=torch.Generator().manual_seed(1)))
        self.assertAlmostEqual(a[:, 0].mean().item(), 0.5, delta=0.03)

    def test_captions_use_only_the_vocabulary(self):
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

    def test_detail_weight_marks_eyes_and_mouth_not_the_background(self):
        a = sample_attributes(6, torch.Generator().manual_seed(4))
        _, masks = render_layers(a)
        weight = detail_weight(render(a))
        background = weight[masks["background"] > 0.999]
        self.assertLess(background.min().item(), 1.05)  # the shading of the backdrop is its only edge
        for part in ("eyes", "mouth"):
            self.assertGreater(weight[masks[part] > 0.5].mean().item(), 2 * background.mean().item(), part)

    def test_pixel_weight_covers_where_glasses_sit_on_faces_without_them(self):
        a = sample_attributes(6, torch.Generator().manual_seed(5))
        a[:, A["glasses"]] = 0
        target, features = render_photo_features(a)
        bare = pixel_weight(target, features)
        a[:, A["glasses"]] = 1
        with_glasses, _ = render_photo_features(a)
        frames = (with_glasses - target).abs().amax(1) > 0.3  # the pixels glasses would paint
        self.assertGreater(frames.sum().item(), 50)
        self.assertGreater(bare[frames].min().item(), FEATURE_GAIN)  # weighed even where nothing is drawn yet
        _, masks = render_layers(a)
        self.assertLess(bare[masks["background"] > 0.999].max().item(), FEATURE_GAIN)  # edges only, no features

    def test_contrast_gain_weighs_dark_targets_up_and_photos_not(self):
        a = sample_attributes(8, torch.Generator().manual_seed(6))
        photo, night, pop = (contrast_gain(render(a, style)) for style in ("photo", "night", "pop art"))
        self.assertLess(photo.mean().item(), 1.3)
        self.assertTrue(torch.equal(pop, torch.ones(8)))  # more contrast than a photo earns no less weight
        self.assertGreater(night.min().item(), 2.0)
        self.assertLessEqual(night.max().item(), MAX_CONTRAST_GAIN)
        self.assertEqual(contrast_gain(torch.zeros(2, 3, 8, 8)).tolist(), [MAX_CONTRAST_GAIN] * 2)

    def test_ground_truths_share_the_loss_between_the_renderer_and_the_generators_own_faces(self):
        cfg = CONFIGS["micro"]
        torch.manual_seed(0)
        gen = make_generator(cfg).eval()
        z = torch.randn(3, gen.style_dim)
        a, styles = attributes_from_z(z), ["night", "zombie", random_look(random.Random(1))]
        with torch.no_grad():
            ws = w_plus(gen, z)
            start, truths = ground_truths(gen, ws, a, styles, 0.0)
            self.assertTrue(torch.equal(start, render(a, size=gen.size)))
            self.assertEqual([share for share, _ in truths], [1.0])
            own_start, own_truths = ground_truths(gen, ws, a, styles, 0.25)
            own = synthesize(gen, ws)
        self.assertTrue(torch.equal(own_start, own))
        self.assertEqual([share for share, _ in own_truths], [0.75, 0.25])
        self.assertTrue(torch.equal(own_truths[0][1], truths[0][1]))
        for i, style in enumerate(styles):
            self.assertTrue(torch.equal(own_truths[1][1][i], restyle(own[i:i + 1], a[i:i + 1], style)[0]))
            self.assertTrue(torch.equal(truths[0][1][i], render(a[i:i + 1], style, gen.size)[0]))

    def test_reference_conditions_are_new_faces_each_time(self):
        cfg = CONFIGS["micro"]
        tokenizer = build_tokenizer()
        torch.manual_seed(0)
        conditions = Conditions(make_clip(cfg, tokenizer.size).eval(), tokenizer, cfg)
        rng = random.Random(3)
        first, second = conditions.pictures("pixel art", 2, rng), conditions.pictures("pixel art", 2, rng)
        self.assertEqual(tuple(first.shape), (2, cfg["clip"]["embed_dim"]))
        self.assertTrue(torch.allclose(first.norm(dim=1), torch.ones(2)))
        self.assertFalse(torch.allclose(first[0], first[1]))  # two faces
        self.assertFalse(torch.allclose(first, second))  # and two others on the next call
        texts = list(conditions.text.values())
        references = [(t, s) for t, s in (conditions.pick("pixel art", random.Random(k)) for k in range(20))
                      if not any(torch.equal(t, v) for v in texts)]
        self.assertTrue(references)  # some picks are pictures, with the default source's text
        for _, source in references:
            self.assertTrue(torch.equal(source, conditions.text[DEFAULT_SOURCE]))

    def test_picture_loss_per_picture_averages_to_the_batch_loss(self):
        g = torch.Generator().manual_seed(7)
        a, b = torch.rand(3, 3, 16, 16, generator=g), torch.rand(3, 3, 16, 16, generator=g)
        b[1] = a[1]
        per = picture_loss(a, b)
        self.assertEqual(per[1].item(), 0.0)
        pyramid = sum(F.l1_loss(F.avg_pool2d(a, 2 ** k), F.avg_pool2d(b, 2 ** k)) for k in range(3)) / 3
        self.assertAlmostEqual(per.mean().item(), (pyramid + F.mse_loss(a, b)).item(), places=6)


class ResumeTest(unittest.TestCase):
    def test_a_module_added_to_a_stage_since_its_checkpoint_starts_fresh(self):
        with tempfile.TemporaryDirectory() as tmp:
            old, new, head = torch.nn.Linear(3, 3), torch.nn.Linear(3, 3), torch.nn.Linear(3, 2)
            head_before = head.weight.clone()
            Checkpoint(tmp, "stage").save({"model": old.state_dict()}, 9, 10)
            start, done = resume(Checkpoint(tmp, "stage"), {"model": new, "head": head}, total=20)
            self.assertEqual((start, done), (10, False))
            self.assertTrue(torch.equal(new.weight, old.weight))
            self.assertTrue(torch.equal(head.weight, head_before))


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
            for stage in ("clip", "clip_attributes", "generator", "judge", "encoder", "hypernet", "nada-sepia"):
                self.assertTrue(os.path.exists(os.path.join(tmp, "work", f"{stage}.pt")), stage)
            self.assertTrue(os.path.exists(os.path.join(tmp, "judge", "judge.onnx")))
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                clip_probe.main(["--config", "micro", "--work", os.path.join(tmp, "work"), "--n", "48"])
            self.assertEqual([line.split()[0] for line in printed.getvalue().splitlines()], ["smile", "glasses"])
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                edit_diagnosis.main(["--config", "micro", "--work", os.path.join(tmp, "work"), "--pack", out,
                                     "--n", "6"])
            lines = printed.getvalue().splitlines()
            self.assertEqual([line.split()[0] for line in lines if not line.startswith("    ")],
                             ["pack", "smile:", "relevance", "engine", "generator's", "relevance,", "glasses:",
                              "relevance", "engine", "generator's", "relevance,"])
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                domain_capacity.main(["--config", "micro", "--work", os.path.join(tmp, "work"), "--styles",
                                      "night,pixel art", "--steps", "3", "--n", "4", "--whole-generator-steps", "2"])
            lines = printed.getvalue().splitlines()
            self.assertTrue(lines[0].startswith("floor"))
            self.assertTrue(lines[1].endswith("whole generator"))
            rows = {line[:15].strip(): [float(x) for x in line[15:].split()] for line in lines[2:]}
            self.assertEqual(list(rows), ["night", "pixel art"])
            for unchanged, by_text, best, whole in rows.values():
                self.assertTrue(all(0 < x < 1 for x in (unchanged, by_text, best, whole)))
                self.assertNotEqual(unchanged, by_text)  # the hypernetwork's domain is not the identity
                self.assertNotEqual(unchanged, whole)  # the fine-tuned copy's weights moved
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                content_ceiling.main(["--config", "micro", "--work", os.path.join(tmp, "work"), "--judge-dir",
                                      os.path.join(tmp, "judge")])
            rows = [line.rsplit(None, 2) for line in printed.getvalue().splitlines()[2:]]
            with open(os.path.join(tmp, "judge", "eval.json")) as f:
                self.assertEqual([style for style, _, _ in rows], json.load(f)["trained"])
            for _, by_renderer, by_own in rows:  # "–" where the micro judge reads no attribute of the style
                self.assertTrue(all(x == "–" or 0 <= float(x.rstrip("%")) <= 100 for x in (by_renderer, by_own)))


class ContentCeilingTest(unittest.TestCase):
    def test_agreement_pools_every_face_and_attribute(self):
        before = {"glasses": torch.tensor([True, True, False, False]), "hair": torch.tensor([0, 1, 2, 3])}
        after = {"glasses": torch.tensor([True, False, False, False]), "hair": torch.tensor([0, 1, 2, 0])}
        self.assertEqual(content_ceiling.agreement(before, after, ["glasses", "hair"]), 6 / 8)
        self.assertEqual(content_ceiling.agreement(before, after, ["glasses"]), 3 / 4)
        self.assertIsNone(content_ceiling.agreement(before, after, []))


class ClipProbeTest(unittest.TestCase):
    def test_edit_directions_are_unit_and_differ_per_attribute(self):
        cfg = CONFIGS["micro"]
        tokenizer = build_tokenizer()
        torch.manual_seed(0)
        clip = make_clip(cfg, tokenizer.size).eval()
        d = clip_probe.edit_directions(clip, tokenizer, cfg["clip"]["context"])
        self.assertEqual(tuple(d.shape), (2, cfg["clip"]["embed_dim"]))
        self.assertTrue(torch.allclose(d.norm(dim=1), torch.ones(2), atol=1e-5))
        self.assertLess((d[0] @ d[1]).abs().item(), 0.999)

    def test_the_linear_probe_separates_what_is_separable_and_not_random_labels(self):
        x = torch.randn(400, 8, generator=torch.Generator().manual_seed(3))
        separable = (x[:, 2] - 0.5 * x[:, 5] > 0).float()
        self.assertGreater(clip_probe.linear_probe(x[:200], separable[:200], x[200:], separable[200:]), 0.95)
        noise = (torch.rand(400, generator=torch.Generator().manual_seed(4)) > 0.5).float()
        self.assertLess(clip_probe.linear_probe(x[:200], noise[:200], x[200:], noise[200:]), 0.65)


if __name__ == "__main__":
    unittest.main()

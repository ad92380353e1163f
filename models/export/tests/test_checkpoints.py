"""Official checkpoint names load with strict=True; the checkpoint and NADA modes of the command line."""
import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import onnx
import torch

from models.export.__main__ import main
from models.export.checkpoints import generator_from_state_dict
from models.export.nada import add_nada_domain
from models.export.random_models import build_random
from models.export.tests import official_fixtures
from models.export.clip_model import CLIP, clip_from_state_dict
from models.export.e4e import Encoder4Editing
from models.export.hypernet import OfficialHyperGanClip
from models.export.stylegan2 import Generator, layer_table
from models.export.tokenizer import build_tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "..", "..", "..", "test", "fixtures", "packs", "tiny")
CHANNELS = {4: 32, 8: 32, 16: 16, 32: 8}


def official_generator_keys(size, n_mlp, channels):
    """rosinality stylegan2-pytorch Generator.state_dict() names and shapes, written out from its model.py."""
    style_dim = 32
    keys = {"input.input": (1, channels[4], 4, 4)}
    for i in range(1, n_mlp + 1):
        keys[f"style.{i}.weight"], keys[f"style.{i}.bias"] = (style_dim, style_dim), (style_dim,)

    def styled(prefix, cin, cout, up):
        keys.update({f"{prefix}.conv.weight": (1, cout, cin, 3, 3), f"{prefix}.conv.modulation.weight": (cin, style_dim),
                     f"{prefix}.conv.modulation.bias": (cin,), f"{prefix}.noise.weight": (1,),
                     f"{prefix}.activate.bias": (cout,)})
        if up:
            keys[f"{prefix}.conv.blur.kernel"] = (4, 4)

    def rgb(prefix, cin, up):
        keys.update({f"{prefix}.conv.weight": (1, 3, cin, 1, 1), f"{prefix}.conv.modulation.weight": (cin, style_dim),
                     f"{prefix}.conv.modulation.bias": (cin,), f"{prefix}.bias": (1, 3, 1, 1)})
        if up:
            keys[f"{prefix}.upsample.kernel"] = (4, 4)

    styled("conv1", channels[4], channels[4], False)
    rgb("to_rgb1", channels[4], False)
    log_size, cin = size.bit_length() - 1, channels[4]
    for layer in range((log_size - 2) * 2 + 1):
        res = 2 ** ((layer + 5) // 2)
        keys[f"noises.noise_{layer}"] = (1, 1, res, res)
    for j, i in enumerate(range(3, log_size + 1)):
        cout = channels[2 ** i]
        styled(f"convs.{2 * j}", cin, cout, True)
        styled(f"convs.{2 * j + 1}", cout, cout, False)
        rgb(f"to_rgbs.{j}", cout, True)
        cin = cout
    return keys


class OfficialNamesTest(unittest.TestCase):
    def test_generator_state_dict_names_are_rosinalitys(self):
        expected = official_generator_keys(32, 2, CHANNELS)
        gen = Generator(32, 32, 2, channels=CHANNELS)
        self.assertEqual({k: tuple(v.shape) for k, v in gen.state_dict().items()}, expected)
        sd = {k: torch.randn(shape) for k, shape in expected.items()}
        loaded, extra = generator_from_state_dict(sd)
        self.assertEqual(extra, {})
        self.assertTrue(torch.equal(loaded.conv1.conv.weight, sd["conv1.conv.weight"]))
        self.assertEqual(loaded.channels, CHANNELS)

    def test_hypergan_clip_keys_are_the_official_ones(self):
        layers = layer_table(Generator(32, 32, 2, channels=CHANNELS))
        mapping = OfficialHyperGanClip.checkpoint_keys([l["name"] for l in layers])
        self.assertIn("convs.3.conv.hypernet.kernel_estimator.weight", mapping)
        net = OfficialHyperGanClip(layers, style_dim=32)
        self.assertEqual(set(net.state_dict()), set(mapping.values()))
        ckpt, _ = official_fixtures.hypergan_clip_g_ema(4)
        self.assertEqual(set(ckpt), {"g_ema", "g_optim", "latent_avg", "is_dynagan", "human_face", "embed_mlp"})
        self.assertEqual(tuple(ckpt["g_ema"]["embedding.0.weight"].shape), (32, 101))  # c_dim = 101 training images
        for official, _ in mapping.items():
            self.assertIn(official, ckpt["g_ema"])

    def test_e4e_names(self):
        enc = Encoder4Editing(8, 32, 32, (4, 8, 16, 32), (1, 1, 1, 1), 4)
        names = set(enc.state_dict())
        for key in ["input_layer.0.weight", "input_layer.1.running_var", "input_layer.2.weight",
                    "body.0.res_layer.0.weight", "body.0.res_layer.1.weight", "body.0.res_layer.2.weight",
                    "body.0.res_layer.3.weight", "body.0.res_layer.4.running_mean", "body.0.res_layer.5.fc1.weight",
                    "body.0.res_layer.5.fc2.weight", "body.1.shortcut_layer.0.weight", "body.1.shortcut_layer.1.weight",
                    "styles.0.convs.0.weight", "styles.0.convs.0.bias", "styles.7.convs.4.weight",
                    "styles.0.linear.weight", "styles.0.linear.bias", "latlayer1.weight", "latlayer2.bias"]:
            self.assertIn(key, names)

    def test_clip_names_load_strict_with_openai_extras(self):
        model = CLIP(32, 224, 1, 64, 32, 77, 100, 64, 1, 1)
        sd = dict(model.state_dict(), input_resolution=torch.tensor(224), context_length=torch.tensor(77),
                  vocab_size=torch.tensor(100))
        for key in ["visual.conv1.weight", "visual.class_embedding", "visual.positional_embedding", "visual.ln_pre.weight",
                    "visual.transformer.resblocks.0.attn.in_proj_weight", "visual.transformer.resblocks.0.attn.out_proj.bias",
                    "visual.transformer.resblocks.0.mlp.c_fc.weight", "visual.transformer.resblocks.0.ln_2.bias",
                    "visual.ln_post.weight", "visual.proj", "token_embedding.weight", "positional_embedding",
                    "transformer.resblocks.0.attn.in_proj_bias", "ln_final.weight", "text_projection", "logit_scale"]:
            self.assertIn(key, sd)
        loaded = clip_from_state_dict(sd)
        ids = torch.tensor([build_tokenizer(50).encode("a face")]).clamp(max=99)
        ids[0, 3] = 99
        self.assertTrue(torch.allclose(loaded.encode_text(ids), model.encode_text(ids), atol=1e-6))


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class CheckpointExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="domainshift-export-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_cli(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(list(argv))
        return code, err.getvalue()

    def write_official_checkpoints(self):
        ckpt, _ = official_fixtures.hypergan_clip_g_ema(4)
        paths = {name: os.path.join(self.tmp, f"{name}.pt") for name in ("stylegan", "e4e", "clip")}
        torch.save(ckpt, paths["stylegan"])
        torch.save(official_fixtures.e4e_checkpoint(5, 8), paths["e4e"])
        official_fixtures.clip_torchscript(paths["clip"], 6)
        paths["tokenizer"] = os.path.join(self.tmp, "tokenizer.json")
        with open(paths["tokenizer"], "w") as f:  # closed here: a late ResourceWarning would land in a captured stderr
            json.dump(build_tokenizer(50).to_json(), f)
        return paths, None

    def test_hypergan_clip_checkpoints_export_to_a_pack(self):
        paths, gen = self.write_official_checkpoints()
        out = os.path.join(self.tmp, "pack")
        code, err = self.run_cli("--preset", "hypergan-clip", "--stylegan", paths["stylegan"], "--e4e", paths["e4e"],
                                 "--clip", paths["clip"], "--tokenizer", paths["tokenizer"], "--out", out,
                                 "--styleclip-relevance", "--relevance-samples", "1")
        self.assertEqual(code, 0, err)
        manifest = read_json(os.path.join(out, "pack.json"))
        self.assertEqual(manifest["files"]["styleRelevance"]["bytes"], manifest["styleDim"] * manifest["embedDim"] * 4)
        self.assertFalse(manifest["randomWeights"])
        self.assertEqual(manifest["provenance"]["source"], "checkpoints")
        self.assertEqual({c["role"] for c in manifest["provenance"]["checkpoints"]}, {"stylegan", "e4e", "clip", "tokenizer"})
        self.assertEqual(manifest["condition"]["image"], {"target": "image", "source": "zeros", "normalize": False})
        self.assertEqual(manifest["clip"]["hypernetTrainedWith"], "ViT-B/16")
        self.assertEqual(manifest["domainLayout"]["formulation"], "residual")
        self.assertEqual((manifest["resolution"], manifest["numWs"], manifest["embedDim"]), (32, 8, 32))
        self.assertEqual(manifest["encoder"]["resolution"], 32)
        for entry in manifest["files"].values():
            if entry["path"].endswith(".onnx"):
                onnx.checker.check_model(onnx.load(os.path.join(out, entry["path"])))
        ref = read_json(os.path.join(out, "reference", "index.json"))
        self.assertEqual(ref["tensors"]["hypernet_domain"]["shape"], [2, manifest["domainDim"]])

    def test_missing_and_wrong_files_get_clear_errors(self):
        paths, _ = self.write_official_checkpoints()
        code, err = self.run_cli("--preset", "hypergan-clip", "--stylegan", "/nonexistent/g.pt", "--out", self.tmp)
        self.assertEqual(code, 2)
        self.assertIn("stylegan checkpoint not found: /nonexistent/g.pt", err)
        code, err = self.run_cli("--preset", "hypergan-clip", "--stylegan", paths["e4e"], "--out", self.tmp)
        self.assertEqual(code, 2)
        self.assertIn("not a rosinality stylegan2-pytorch generator", err)
        code, err = self.run_cli("--preset", "hyperdomainnet", "--stylegan", paths["stylegan"], "--clip", paths["clip"],
                                 "--out", self.tmp)
        self.assertEqual(code, 2)
        self.assertIn("use --preset hypergan-clip", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        code, err = self.run_cli("--random", "--out", self.tmp)
        self.assertIn("choose a method", err)
        for argv, reason in [(["--bogus"], "unrecognized arguments: --bogus"),
                             (["--preset", "hypergan-clip", "--stylegan", paths["stylegan"], "--formulation", "additive",
                               "--clip", paths["clip"], "--tokenizer", paths["tokenizer"], "--out", self.tmp],
                              "an official HyperGAN-CLIP g_ema runs as residual"),
                             (["--hdn-domain", paths["e4e"], "--into", TINY, "--out", os.path.join(self.tmp, "d.npy")],
                              "HyperDomainNet domains need a hyperdomainnet pack")]:
            code, err = self.run_cli(*argv)
            self.assertEqual((code, len(err.strip().splitlines())), (2, 1), err)
            self.assertIn(reason, err)

    def test_nada_generator_becomes_a_pack_domain(self):
        pack = os.path.join(self.tmp, "tiny")
        shutil.copytree(TINY, pack)
        # a NADA generator fine-tuned from the pack's own generator: synthesis layers moved, mapping frozen
        base = build_random("tiny", "hypergan-clip", 1)["generator"].state_dict()
        tuned = {k: v + 0.05 * torch.randn_like(v) if k.startswith("convs.") and k.endswith("conv.weight") else v
                 for k, v in base.items()}
        nada = os.path.join(self.tmp, "nada.pt")
        torch.save({"g_ema": tuned, "g_optim": {}}, nada)
        code, err = self.run_cli("--preset", "nada", "--stylegan", nada, "--into", pack, "--name", "sketch",
                                 "--prompt", "pencil sketch")
        self.assertEqual(code, 0, err)
        manifest = read_json(os.path.join(pack, "pack.json"))
        [entry] = manifest["domains"]
        self.assertEqual((entry["name"], entry["prompt"]), ("sketch", "pencil sketch"))
        model = onnx.load(os.path.join(pack, entry["synthesis"]["path"]))
        onnx.checker.check_model(model)
        self.assertEqual([i.name for i in model.graph.input], ["ws", "domain", "style_delta"])
        self.assertEqual(os.path.getsize(os.path.join(pack, entry["synthesis"]["path"])), entry["synthesis"]["bytes"])
        other = os.path.join(self.tmp, "other.pt")
        torch.save({"g_ema": Generator(32, 32, 2, channels=CHANNELS).state_dict(), "g_optim": {}}, other)
        code, err = self.run_cli("--preset", "nada", "--stylegan", other, "--into", pack, "--name", "other")
        self.assertEqual(code, 2)
        self.assertIn("mapping network differs from the pack's", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        code, err = self.run_cli("--preset", "nada", "--stylegan", nada, "--into", pack, "--name", "noisy",
                                 "--random-noise")
        self.assertEqual(code, 0, err)
        noisy = read_json(os.path.join(pack, "pack.json"))["domains"][-1]
        self.assertEqual(noisy["noise"], "random")
        ops = {n.op_type for n in onnx.load(os.path.join(pack, noisy["synthesis"]["path"])).graph.node}
        self.assertIn("RandomNormalLike", ops)
        torch.save({"g_ema": Generator(64, 32, 2, channels={**CHANNELS, 64: 8}).state_dict()}, nada)
        with self.assertRaisesRegex(ValueError, "does not match the pack"):
            add_nada_domain(nada, pack, "big")
        with self.assertRaisesRegex(ValueError, "--name must be"):
            add_nada_domain(nada, pack, "Bad Name")


if __name__ == "__main__":
    unittest.main()

"""The committed fixture packs: valid ONNX with dynamic batch, pack.json consistent with its files, and
regenerating them from their seed gives the same reference outputs (what CI uses to prove the fixtures match
the exporter)."""
import hashlib
import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import onnx

from models.export.random_models import build_random
from models.export.pack_writer import write_pack
from models.export.reference import TEXTS
from models.export.relevance import compute_relevance
from models.export.tokenizer import ClipBpe, END

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PACKS = {"tiny": ("hypergan-clip", 1), "tiny-hdn": ("hyperdomainnet", 2)}
# the demo pack is trained (models/train), not random: no seed
# tiny: its domains hold 4 residual slots (domain_layout.py), so its reference domain tensors are 4× longer
# sizes: the fixtures carry synthesis_identity.onnx (issue 13) beside synthesis.onnx, a second copy of the generator
COMMITTED = {"tiny": ("hypergan-clip", 1, 2_500_000), "tiny-hdn": ("hyperdomainnet", 2, 2_400_000),
             "demo": ("hypergan-clip", None, 30_000_000)}
IO = {"mapping": (["z"], ["w"]), "synthesis": (["ws", "domain", "style_delta"], ["images"]),
      "synthesisIdentity": (["ws", "style_delta"], ["images"]),
      "hypernet": (["target", "source"], ["domain"]), "encoder": (["images"], ["ws"]),
      "clipText": (["input_ids"], ["text_embeds"]), "clipVision": (["pixel_values"], ["image_embeds"]),
      "styles": (["ws"], ["styles"])}


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def pack_dir(name):
    if name == "demo":
        return os.path.join(ROOT, "models", "demo")
    return os.path.join(ROOT, "test", "fixtures", "packs", name)


def dims(value):
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


class FixturePackTest(unittest.TestCase):
    def test_graphs_are_valid_with_dynamic_batch_and_the_documented_shapes(self):
        for name in COMMITTED:
            d = pack_dir(name)
            m = read_json(os.path.join(d, "pack.json"))
            R, N, L, D, S, E = (m[k] for k in ("resolution", "numWs", "latentDim", "domainDim", "styleDim", "embedDim"))
            Re = m["encoder"]["resolution"]
            C, I = m["clip"]["contextLength"], m["clip"]["imageSize"]
            shapes = {"z": [L], "w": [L], "ws": [N, L], "domain": [D], "style_delta": [S], "images": None,
                      "target": [E], "source": [E], "input_ids": [C], "text_embeds": [E],
                      "pixel_values": [3, I, I], "image_embeds": [E], "styles": [S]}
            for role, (inputs, outputs) in IO.items():
                if role not in m["files"]:  # styles.onnx, synthesis_identity.onnx: older packs lack them
                    continue
                model = onnx.load(os.path.join(d, m["files"][role]["path"]))
                onnx.checker.check_model(model)
                self.assertEqual([i.name for i in model.graph.input], inputs, role)
                self.assertEqual([o.name for o in model.graph.output], outputs, role)
                for value in list(model.graph.input) + list(model.graph.output):
                    shape = dims(value)
                    self.assertEqual(shape[0], "batch", f"{name} {role} {value.name}")
                    expected = shapes[value.name]
                    if value.name == "images":
                        expected = [3, Re, Re] if role == "encoder" else [3, R, R]
                    self.assertEqual(shape[1:], expected, f"{name} {role} {value.name}")
                    want_type = onnx.TensorProto.INT64 if value.name == "input_ids" else onnx.TensorProto.FLOAT
                    self.assertEqual(value.type.tensor_type.elem_type, want_type)

    def test_manifest_matches_files(self):
        for name, (method, seed, limit) in COMMITTED.items():
            d = pack_dir(name)
            m = read_json(os.path.join(d, "pack.json"))
            if seed is None:
                self.assertEqual((m["method"], m["randomWeights"], m["provenance"]["source"]), (method, False, "trained"))
            else:
                self.assertEqual((m["method"], m["randomWeights"], m["provenance"]["seed"]), (method, True, seed))
            total = 0
            for entry in m["files"].values():
                data = read_bytes(os.path.join(d, entry["path"]))
                self.assertEqual(hashlib.sha256(data).hexdigest(), entry["sha256"], entry["path"])
                self.assertEqual(len(data), entry["bytes"])
                total += len(data)
            identity = np.fromfile(os.path.join(d, m["files"]["identityDomain"]["path"]), dtype="<f4")
            self.assertEqual(identity.shape, (m["domainDim"],))
            self.assertEqual(np.fromfile(os.path.join(d, "w_avg.bin"), dtype="<f4").shape, (m["latentDim"],))
            size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
            self.assertLess(size, limit, f"{name} must stay under {limit} bytes")

    def test_tokenizer_json_reproduces_reference_ids(self):
        for name in PACKS:
            d = pack_dir(name)
            tok = ClipBpe.from_json(read_json(os.path.join(d, "clip", "tokenizer.json")))
            self.assertEqual(max(tok.vocab.values()), tok.vocab[END], "EOT must be the largest id (argmax pooling)")
            ids = np.load(os.path.join(d, "reference", "input_ids.npy"))
            self.assertEqual(ids.tolist(), [tok.encode(t) for t in TEXTS])

    def test_regenerating_from_the_seed_reproduces_the_references(self):
        for name, (method, seed) in PACKS.items():
            committed = pack_dir(name)
            m = read_json(os.path.join(committed, "pack.json"))
            out = tempfile.mkdtemp(prefix=f"regen-{name}-")
            try:
                parts = build_random(m["provenance"]["config"], method, seed)
                write_pack(parts, method, out, name=m["name"], description=m["description"], random_weights=True,
                           provenance={k: v for k, v in m["provenance"].items() if k != "exporter"},
                           clip_model=m["clip"]["model"])
                index = read_json(os.path.join(committed, "reference", "index.json"))
                self.assertEqual(read_json(os.path.join(out, "reference", "index.json")), index)
                for tensor in index["tensors"].values():
                    a = np.load(os.path.join(out, "reference", tensor["file"]))
                    b = np.load(os.path.join(committed, "reference", tensor["file"]))
                    self.assertEqual(a.shape, b.shape)
                    self.assertLessEqual(np.abs(a.astype(np.float64) - b).max(), 1e-5, f"{name} {tensor['file']}")
                for rel in ("clip/tokenizer.json", "w_avg.bin", "identity_domain.bin"):
                    self.assertEqual(read_bytes(os.path.join(out, rel)),
                                     read_bytes(os.path.join(committed, rel)), rel)
                regen = read_json(os.path.join(out, "pack.json"))
                for key in ("resolution", "numWs", "latentDim", "domainDim", "styleDim", "embedDim", "condition", "clip"):
                    self.assertEqual(regen[key], m[key], key)
                stats = [np.fromfile(os.path.join(d, "style_stats.bin"), dtype="<f4") for d in (out, committed)]
                np.testing.assert_allclose(stats[0], stats[1], rtol=1e-5, atol=1e-6)
                if "styleRelevance" in m["files"]:  # a few rows recomputed with the committed recipe and samples
                    rows = 6
                    again = compute_relevance(parts, method, m["styleclip"]["relevance"]["samples"], m["truncation"],
                                              channels=rows).numpy()[:rows]
                    committed_rel = np.fromfile(os.path.join(committed, "style_relevance.bin"), dtype="<f4")
                    # relevance embeds 8-bit pictures: a last-bit difference in a convolution (PyTorch's upsampling
                    # conv is computed another way than when these were made) moves a pixel a level, a row ~1e-4
                    np.testing.assert_allclose(again, committed_rel.reshape(m["styleDim"], -1)[:rows], atol=5e-4)
            finally:
                shutil.rmtree(out)


if __name__ == "__main__":
    unittest.main()

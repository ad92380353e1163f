"""The PyTorch reference for `npm run bench`: the exporter's own modules (the ones each ONNX graph was exported
from), rebuilt from the pack's provenance (random config + seed), timed per stage with the same batch sizes as the
engine. Prints one JSON object {stage: median ms per batch} on stdout.

Run: /usr/bin/python3 bench/torch_bench.py PACK_DIR --batch 4 --repeat 3   (from the repository root)
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from models.export.clip_model import TextTower, VisionTower  # noqa: E402
from models.export.random_models import build_random  # noqa: E402
from models.export.stylegan2 import Mapping, Synthesis, identity_domain, layer_table  # noqa: E402


def median_ms(fn, repeat):
    fn()  # one untimed run, like the engine's warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


@torch.no_grad()
def main():
    p = argparse.ArgumentParser()
    p.add_argument("pack")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    with open(os.path.join(args.pack, "pack.json")) as f:
        m = json.load(f)
    prov = m["provenance"]
    if prov.get("source") != "random" or "config" not in prov:
        print(json.dumps({"error": "only packs made with --random can be rebuilt in PyTorch here"}))
        return 2
    t0 = time.perf_counter()
    parts = build_random(prov["config"], m["method"], prov.get("seed", 0))
    build_ms = (time.perf_counter() - t0) * 1000
    gen, clip = parts["generator"].eval(), parts["clip"].eval()
    synth = Synthesis(gen, m["method"]).eval()
    for module in gen.modules():  # as the exporter does before tracing
        if hasattr(module, "freeze_energy"):
            module.freeze_energy()
    mapping, text, vision = Mapping(gen).eval(), TextTower(clip).eval(), VisionTower(clip).eval()
    hyper, enc = parts["hypernet"].eval(), parts["encoder"].eval()

    B, L, N, E = args.batch, m["latentDim"], m["numWs"], m["embedDim"]
    g = torch.Generator().manual_seed(0)
    ids = torch.tensor([parts["tokenizer"].encode("a photo of a face number %d" % i) for i in range(B)], dtype=torch.int64) \
        if hasattr(parts["tokenizer"], "encode") else torch.zeros(B, 77, dtype=torch.int64)
    if ids.shape[1] != 77:  # pad like the engine does
        ids = torch.nn.functional.pad(ids, (0, 77 - ids.shape[1]))
    pixels = torch.randn(B, 3, 224, 224, generator=g)
    emb = torch.randn(B, E, generator=g)
    z = torch.randn(B, L, generator=g)
    ws = torch.randn(B, N, L, generator=g)
    domain = identity_domain(layer_table(gen), m["method"])[None].repeat(B, 1)
    delta = torch.zeros(B, synth.S)
    r = m["encoder"]["resolution"]
    images = torch.rand(B, 3, r, r, generator=g) * 2 - 1

    stages = {
        "clipText": lambda: text(ids),
        "clipImage": lambda: vision(pixels),
        "hypernet": lambda: hyper(emb, emb),
        "mapping": lambda: mapping(z),
        "synthesis": lambda: synth(ws, domain, delta),
        "encoder": lambda: enc(images),
    }
    out = {name: median_ms(fn, args.repeat) for name, fn in stages.items()}
    out["_build_ms"] = build_ms
    out["_torch"] = torch.__version__
    out["_threads"] = torch.get_num_threads()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

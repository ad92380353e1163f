"""The PyTorch side of `npm run bench`: the exporter's own modules (the ones each ONNX graph was exported from),
rebuilt from the pack's provenance (random config + seed, or for the trained demo pack the finished checkpoints of
models/train/work), kept in memory, and timed one stage at a time on request, so that bench/run.ts can interleave
them with the engine's runs in the same rounds.

Protocol: one JSON object a line on stdin, one answer a line on stdout.
  {"setup": PACK_DIR, "batch": 4, "threads": 2, "device": "cpu"}
                                                  -> {"torch": "1.13.1", "threads": 2, "mkldnn": true, "build_ms": ...}
  {"run": "synthesis"}                            -> {"ms": 123.4}
PyTorch runs as users run it: its default backends (oneDNN on where the build has it), torch.set_num_threads
set to the engine's intra-op thread count, inference mode (no autograd).
Run by hand: /usr/bin/python3 bench/torch_worker.py   (from the repository root)
"""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

from models.export.clip_model import TextTower, VisionTower  # noqa: E402
from models.export.random_models import build_random  # noqa: E402
from models.export.domain_layout import layout_of  # noqa: E402
from models.export.stylegan2 import Mapping, Synthesis  # noqa: E402


def trained_parts(config):
    """The parts models/train exported, loaded from its finished checkpoints (never trained further here)."""
    from models.train.common import CONFIGS, Checkpoint
    from models.train import clip_attributes, clip_train, encoder_train, generator_train, hypernet_train

    cfg, work = CONFIGS[config], os.path.join(ROOT, "models/train/work")
    for stage in ("clip", "clip_attributes", "generator", "encoder", "hypernet"):
        state = Checkpoint(work, stage).load()
        if state is None or state["step"] < cfg["steps"][stage]:
            raise ValueError(f"models/train/work/{stage}.pt is not a finished stage of config {config!r}")
    clip, tokenizer = clip_train.train_clip(cfg, work)
    clip = clip_attributes.train_clip_attributes(cfg, work, clip, tokenizer)
    gen = generator_train.train_generator(cfg, work)
    w_avg = generator_train.mean_w(gen)
    encoder = encoder_train.train_encoder(cfg, work, gen, w_avg)
    hyper = hypernet_train.train_hypernet(cfg, work, gen, clip, tokenizer)
    return {"generator": gen, "hypernet": hyper, "encoder": encoder, "clip": clip, "tokenizer": tokenizer}


def build_stages(pack, batch, device):
    with open(os.path.join(pack, "pack.json")) as f:
        m = json.load(f)
    prov = m["provenance"]
    slots, formulation = layout_of(m)
    if prov.get("source") == "random" and "config" in prov:
        parts = build_random(prov["config"], m["method"], prov.get("seed", 0), formulation, slots)
    elif prov.get("source") == "trained" and prov.get("trainer") == "models/train":
        parts = trained_parts(prov["config"])
    else:
        raise ValueError("only packs made with --random or by models/train can be rebuilt in PyTorch here")
    gen, clip = parts["generator"].eval(), parts["clip"].eval()
    synth = Synthesis(gen, m["method"], slots, formulation).eval()
    for module in gen.modules():  # as the exporter does before tracing
        if hasattr(module, "freeze_energy"):
            module.freeze_energy()
    mapping, text, vision = Mapping(gen).eval(), TextTower(clip).eval(), VisionTower(clip).eval()
    hyper, enc = parts["hypernet"].eval(), parts["encoder"].eval()

    B, L, N, E = batch, m["latentDim"], m["numWs"], m["embedDim"]
    g = torch.Generator().manual_seed(0)
    C, P = m["clip"]["contextLength"], m["clip"]["imageSize"]
    # token values do not change the work (every position runs); the end token is the largest id, as CLIP pools there
    ids = torch.zeros(B, C, dtype=torch.int64)
    vocab = clip.token_embedding.num_embeddings
    ids[:, :8] = torch.randint(1, vocab - 1, (B, 8), generator=g)
    ids[:, 8] = vocab - 1
    pixels = torch.randn(B, 3, P, P, generator=g)
    emb = torch.randn(B, E, generator=g)
    z = torch.randn(B, L, generator=g)
    ws = torch.randn(B, N, L, generator=g)
    domain = synth.identity()[None].repeat(B, 1)
    delta = torch.zeros(B, synth.S)
    r = m["encoder"]["resolution"]
    images = torch.rand(B, 3, r, r, generator=g) * 2 - 1
    for module in (synth, mapping, text, vision, hyper, enc):
        module.to(device)
    ids, pixels, emb, z, ws, domain, delta, images = (
        t.to(device) for t in (ids, pixels, emb, z, ws, domain, delta, images))
    return {
        "clipText": lambda: text(ids),
        "clipImage": lambda: vision(pixels),
        "hypernet": lambda: hyper(emb, emb),
        "mapping": lambda: mapping(z),
        "synthesis": lambda: synth(ws, domain, delta),
        "encoder": lambda: enc(images),
    }


def main():
    stages = None
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if "setup" in req:
                torch.set_num_threads(int(req["threads"]))
                t0 = time.perf_counter()
                device = req.get("device", "cpu")
                stages = build_stages(req["setup"], int(req["batch"]), device)
                sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
                out = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                       "mkldnn": bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled),
                       "build_ms": (time.perf_counter() - t0) * 1000}
            else:
                fn = stages[req["run"]]
                with torch.inference_mode():
                    t0 = time.perf_counter()
                    fn()
                    sync()  # CUDA runs asynchronously: the time is until the result exists
                    out = {"ms": (time.perf_counter() - t0) * 1000}
        except Exception as err:  # answered, not raised: the bench prints it and goes on without PyTorch
            out = {"error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

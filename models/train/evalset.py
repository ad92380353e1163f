"""The judge as ONNX and the evaluation set beside it (models/judge): fixed latents z, the renderer's ground truth of
each face in every style, and the attributes. `npx domainshift eval` reads them; nothing here is part of the pack."""
import json
import os

import numpy as np
import torch

from models.export.pack_writer import export_onnx

from .captions import STYLE_PHRASES
from .judge import HEADS, corrupt, split, targets
from .world import (ATTRIBUTES, HELD_OUT_COMBOS, HELD_OUT_STYLES, STYLES, TRAINED_STYLES, attributes_from_z, render,
                    sample_attributes)

COUNT = 32
SEED = 2024


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array))


@torch.no_grad()
def readable_attributes(judge, size, count=512, threshold=0.8):
    """Per style, the attributes the judge reads on the renderer's own pictures of that style (accuracy >= threshold):
    a style that erases an attribute (a pencil sketch has no hair colour) cannot be asked to keep it."""
    attrs = sample_attributes(count, torch.Generator().manual_seed(SEED + 2))
    t = targets(attrs)
    readable = {}
    for style in STYLES:
        out = split(judge(render(attrs, style, size)))
        acc = {name: ((out[name][:, 0] > 0).float() == t[name]).float().mean().item()
               for name in ("glasses", "smile", "long_hair")}
        acc["hair"] = (out["hair"].argmax(1) == t["hair"]).float().mean().item()
        readable[style] = [name for name in ("glasses", "smile", "long_hair", "hair") if acc[name] >= threshold]
    return readable


@torch.no_grad()
def write(judge, gen, out, cfg, count=COUNT):
    os.makedirs(out, exist_ok=True)
    export_onnx(judge.eval(), (torch.rand(2, 3, gen.size, gen.size) * 2 - 1,), f"{out}/judge.onnx", ["images"], ["logits"])
    z = torch.randn(count, gen.style_dim, generator=torch.Generator().manual_seed(SEED))
    attrs = attributes_from_z(z)
    truth = torch.stack([render(attrs, s, gen.size) for s in STYLES])  # [S, N, 3, R, R]
    save_npy(f"{out}/z.npy", z.numpy().astype("<f4"))
    save_npy(f"{out}/attributes.npy", attrs.numpy().astype("<f4"))
    save_npy(f"{out}/truth.npy", ((truth.clamp(-1, 1) + 1) * 127.5).round().byte().numpy())
    # the judge on the renderer's own pictures, lightly corrupted: how far it can be trusted
    gen_ = torch.Generator().manual_seed(SEED + 1)
    correct = {}
    for k, s in enumerate(STYLES):
        out_ = split(judge(corrupt(truth[k], gen_)))
        correct[s] = (out_["style"].argmax(1) == k).float().mean().item()
    t = targets(attrs)
    photo = split(judge(truth[0]))
    attribute_acc = {name: ((photo[name][:, 0] > 0).float() == t[name]).float().mean().item()
                     for name in ("glasses", "smile", "long_hair")}
    attribute_acc["hair"] = (photo["hair"].argmax(1) == t["hair"]).float().mean().item()
    meta = {"count": count, "seed": SEED, "latentDim": gen.style_dim, "resolution": int(truth.shape[-1]),
            "styles": STYLES, "phrases": {s: STYLE_PHRASES[s][0] for s in STYLES}, "trained": TRAINED_STYLES,
            "heldOut": HELD_OUT_STYLES, "heldOutCombos": [list(c) for c in HELD_OUT_COMBOS], "attributes": ATTRIBUTES,
            "heads": HEADS, "files": {"judge": "judge.onnx", "z": "z.npy", "attributes": "attributes.npy",
                                      "truth": "truth.npy"},
            "judgeOnRenders": {"style": correct, "attributes": attribute_acc},
            "readable": readable_attributes(judge, gen.size)}
    with open(f"{out}/eval.json", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print("judge on corrupted renders:", json.dumps(meta["judgeOnRenders"]))

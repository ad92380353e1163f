"""PyTorch's outputs on fixed inputs, written beside a pack (reference/*.npy + index.json) so that the engine
can be checked against PyTorch on the same weights. Inputs come from a fixed seed, independent of the weights."""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from .clip_model import image_size
from .configs import CLIP_MEAN, CLIP_STD
from .domain_layout import manifest_layout, with_strength
from .stylegan2 import Mapping, layer_table

TEXTS = ["a photo of a face", "a pixar character", "a pencil sketch of a smiling dog"]
REFERENCE_SEED = 1234
BATCH = 3


def clip_pixels(images, size=224):
    """Generator images [-1,1] -> CLIP pixel_values (bicubic resize to the CLIP's input size, CLIP mean/std)."""
    x = ((images.clamp(-1, 1) + 1) / 2)
    x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)
    mean = torch.tensor(CLIP_MEAN)[None, :, None, None]
    std = torch.tensor(CLIP_STD)[None, :, None, None]
    return (x - mean) / std


@torch.no_grad()
def compute_reference(parts, method, synth, truncation):
    gen, clip, hyper, enc = parts["generator"], parts["clip"], parts["hypernet"], parts["encoder"]
    rng = torch.Generator().manual_seed(REFERENCE_SEED)
    t = {}
    t["input_ids"] = torch.tensor([parts["tokenizer"].encode(s, clip.context_length) for s in TEXTS], dtype=torch.int64)
    t["text_embeds"] = clip.encode_text(t["input_ids"])
    normed = F.normalize(t["text_embeds"], dim=1)
    layers = layer_table(gen)
    identity = synth.identity()
    if hyper is not None:
        t["hypernet_target"] = normed[1:3].clone()
        t["hypernet_source"] = normed[0:1].repeat(2, 1)
        t["hypernet_domain"] = hyper(t["hypernet_target"], t["hypernet_source"])
        chosen = t["hypernet_domain"]
    else:  # a pack without a hypernetwork: a random domain of the same layout
        chosen = identity + 0.1 * torch.randn(2, identity.shape[0], generator=rng)

    t["z"] = torch.randn(BATCH, gen.style_dim, generator=rng)
    t["w"] = Mapping(gen)(t["z"])
    w_avg = parts["w_avg"]
    t["ws"] = (w_avg + truncation * (t["w"] - w_avg))[:, None].repeat(1, gen.n_latent, 1).contiguous()
    half = with_strength(chosen[1], identity, 0.5, manifest_layout(layers, method, synth.slots, synth.formulation))
    t["domain"] = torch.stack([identity, chosen[0], half])
    t["style_delta"] = torch.zeros(BATCH, synth.S)
    t["style_delta"][2] = 0.3 * torch.randn(synth.S, generator=rng)
    t["images"] = synth(t["ws"], t["domain"], t["style_delta"])
    t["images_identity"] = synth(t["ws"], identity[None].repeat(BATCH, 1), torch.zeros(BATCH, synth.S))
    t["images_identity_edit"] = synth(t["ws"], identity[None].repeat(BATCH, 1), t["style_delta"])

    if enc is not None:
        r_enc = parts["encoder_resolution"]
        t["encoder_images"] = F.interpolate(t["images"].clamp(-1, 1), size=(r_enc, r_enc), mode="bilinear",
                                            align_corners=False)
        t["encoder_ws"] = enc(t["encoder_images"])
    t["pixel_values"] = clip_pixels(t["images"][:1], image_size(clip))  # one picture: 224² floats are the bulk of reference/
    t["image_embeds"] = clip.encode_image(t["pixel_values"])
    return t


CHECKS = [
    {"graph": "mapping", "inputs": {"z": "z"}, "outputs": {"w": "w"}, "atol": 1e-4},
    {"graph": "synthesis", "inputs": {"ws": "ws", "domain": "domain", "style_delta": "style_delta"},
     "outputs": {"images": "images"}, "atol": 2e-2, "meanAbs": 1 / 255},
    {"graph": "synthesisIdentity", "inputs": {"ws": "ws", "style_delta": "style_delta"},
     "outputs": {"images": "images_identity_edit"}, "atol": 2e-2, "meanAbs": 1 / 255},
    {"graph": "hypernet", "inputs": {"target": "hypernet_target", "source": "hypernet_source"},
     "outputs": {"domain": "hypernet_domain"}, "atol": 1e-4},
    {"graph": "encoder", "inputs": {"images": "encoder_images"}, "outputs": {"ws": "encoder_ws"}, "atol": 1e-3},
    {"graph": "clipText", "inputs": {"input_ids": "input_ids"}, "outputs": {"text_embeds": "text_embeds"},
     "atol": 1e-4},
    {"graph": "clipVision", "inputs": {"pixel_values": "pixel_values"}, "outputs": {"image_embeds": "image_embeds"},
     "atol": 1e-4},
]


def write_reference(parts, method, synth, ref_dir, truncation):
    os.makedirs(ref_dir, exist_ok=True)
    tensors = compute_reference(parts, method, synth, truncation)
    checks = [c for c in CHECKS if all(name in tensors for name in c["inputs"].values())]
    index = {"version": 1, "seed": REFERENCE_SEED, "truncation": truncation, "tensors": {}, "checks": checks,
             "texts": TEXTS, "layers": layer_table(parts["generator"])}
    for name, value in tensors.items():
        dtype = "<i8" if value.dtype == torch.int64 else "<f4"
        np.save(f"{ref_dir}/{name}.npy", value.numpy().astype(dtype))
        index["tensors"][name] = {"file": f"{name}.npy", "dtype": "int64" if dtype == "<i8" else "float32",
                                  "shape": list(value.shape)}
    with open(f"{ref_dir}/index.json", "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return tensors

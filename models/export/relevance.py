"""StyleCLIP global-direction relevance computed with the pack's own CLIP, forward passes only.

For each style channel c (the S channels of style_delta, layer order): generate samples with s_c pushed by
+3σ_c and −3σ_c (σ_c: the channel's standard deviation over random w), embed both with CLIP, and average the
L2-normalised differences of the normalised image embeddings over samples; the mean is normalised again.
The result [S, E] is what StyleCLIP's global directions compare a text direction Δt against. The official
recipe uses ~100 samples per channel on a GPU; `--relevance-samples` trades accuracy for time."""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from .reference import clip_pixels
from .stylegan2 import Synthesis, identity_domain, layer_table

PUSH = 3.0


@torch.no_grad()
def style_std(gen, samples=512, seed=0):
    z = torch.randn(samples, gen.style_dim, generator=torch.Generator().manual_seed(seed))
    w = gen.style(z)
    return torch.cat([conv.conv.modulation(w).std(0) for _, conv in gen.styled_convs()])


@torch.no_grad()
def compute_relevance(parts, method, samples=16, seed=0, truncation=0.7, channels=None):
    """[S, E] float32; `channels` limits the computation to the first ones (tests)."""
    gen, clip = parts["generator"], parts["clip"]
    synth = Synthesis(gen, method).eval()
    sigma = style_std(gen, seed=seed + 1)
    g = torch.Generator().manual_seed(seed + 2)
    w = gen.style(torch.randn(samples, gen.style_dim, generator=g))
    w_avg = parts["w_avg"]
    ws = (w_avg + truncation * (w - w_avg))[:, None].repeat(1, gen.n_latent, 1)
    domain = identity_domain(layer_table(gen), method)
    rows = []
    per_call = max(1, 128 // (2 * samples))  # channels per forward pass
    for start in range(0, synth.S if channels is None else min(channels, synth.S), per_call):
        chans = list(range(start, min(start + per_call, synth.S if channels is None else channels)))
        n = 2 * samples * len(chans)
        delta = torch.zeros(n, synth.S)
        for j, c in enumerate(chans):  # rows: [+σ samples, −σ samples] per channel
            delta[2 * samples * j:2 * samples * j + samples, c] = PUSH * sigma[c]
            delta[2 * samples * j + samples:2 * samples * (j + 1), c] = -PUSH * sigma[c]
        images = synth(ws.repeat(2 * len(chans), 1, 1), domain[None].repeat(n, 1), delta)
        emb = F.normalize(clip.encode_image(clip_pixels(images)), dim=1).view(len(chans), 2, samples, -1)
        diff = F.normalize(emb[:, 0] - emb[:, 1], dim=2)
        rows.append(F.normalize(diff.mean(1), dim=1))
    return torch.cat(rows)


def add_relevance(pack_dir, samples=16, seed=0):
    """Adds style_relevance.bin to an existing random-weight pack by rebuilding its models from the seed."""
    from .pack_writer import file_entry, write_manifest
    from .random_models import build_random

    manifest_path = os.path.join(pack_dir, "pack.json")
    if not os.path.isfile(manifest_path):
        raise FileNotFoundError(f"no pack.json in {pack_dir}")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    prov = manifest["provenance"]
    if prov["source"] != "random":
        raise ValueError("relevance for a checkpoint pack needs its checkpoints: re-export it with --styleclip-relevance")
    parts = build_random(prov["config"], manifest["method"], prov["seed"])
    relevance = compute_relevance(parts, manifest["method"], samples, seed, manifest["truncation"])
    if tuple(relevance.shape) != (manifest["styleDim"], manifest["embedDim"]):
        raise ValueError("the rebuilt models do not match the pack (was it made by another exporter version?)")
    np.asarray(relevance.numpy(), dtype="<f4").tofile(os.path.join(pack_dir, "style_relevance.bin"))
    manifest["files"]["styleRelevance"] = file_entry(pack_dir, "style_relevance.bin")
    write_manifest(pack_dir, manifest)
    return relevance

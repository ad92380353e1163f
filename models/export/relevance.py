"""StyleCLIP global directions as the official code computes them (orpatashnik/StyleCLIP global_directions: GetCode.py
`s_mean_std`, SingleChannel.py, MapTS.py GetDt/GetBoundary), on the pack's own generator and CLIP, forward passes only.

- Style statistics: μ_c and σ_c (population std) of every style channel over STATS samples of w at ψ = the pack's
  truncation (officially 100,000 samples at ψ 0.7).
- Relevance row c, for the channels of the StyledConvs up to 128 px (toRGB has no style_delta): for each of K
  samples (seeds 0..K-1, officially 100), s_c is set to μ_c and the picture rendered at μ_c − 5σ_c and μ_c + 5σ_c;
  both 8-bit pictures are embedded with CLIP and L2-normalised, their difference (+ minus −) normalised, averaged
  over the samples and normalised again. Rows of channels past 128 px stay zero, as in the official fs3.npy.
- Edit: r = R·Δt, channels with |r_c| < β zeroed, Δs_c = α·σ_c·r_c / max|r|.
The engine's on-demand path (src/engine/styleclip.ts) follows the same recipe with the same seeds (seeds.py)."""
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .clip_model import image_size
from .configs import CLIP_MEAN, CLIP_STD
from .seeds import gaussian_rows
from .stylegan2 import Styles, Synthesis, layer_resolutions, layer_table

PUSH = 5.0
MAX_RESOLUTION = 128
STATS_SEED = 1_000_000  # σ samples use seeds STATS_SEED + i; relevance samples use seeds 0..K-1
STATS_SAMPLES = 100_000
RELEVANCE_SAMPLES = 100
RECIPE = "StyleCLIP global directions (official): s_c at its mean, ±5σ_c, normalised CLIP differences averaged"


def truncated_ws(gen, w_avg, seeds, truncation):
    z = torch.from_numpy(gaussian_rows(list(seeds), gen.style_dim))
    w = gen.style(z)
    return (w_avg + truncation * (w - w_avg))[:, None].repeat(1, gen.n_latent, 1)


@torch.no_grad()
def style_stats(gen, w_avg, truncation, samples=STATS_SAMPLES, batch=4096):
    """(mean [S], std [S]) float32 of the style vectors over `samples` seeded w (sums in float64)."""
    styles = Styles(gen).eval()
    total = squares = 0
    for start in range(0, samples, batch):
        seeds = range(STATS_SEED + start, STATS_SEED + min(samples, start + batch))
        s = styles(truncated_ws(gen, w_avg, seeds, truncation)).double()
        total = total + s.sum(0)
        squares = squares + (s * s).sum(0)
    mean = total / samples
    std = (squares / samples - mean * mean).clamp(min=0).sqrt()
    return mean.float(), std.float()


def covered_channels(gen, max_resolution=MAX_RESOLUTION):
    """How many style channels (a prefix, layer order) belong to StyledConvs of at most max_resolution px."""
    return sum(layer["cin"] for layer, res in zip(layer_table(gen), layer_resolutions(gen)) if res <= max_resolution)


def relevance_pixels(images, size=224):
    """Generator images -> CLIP pixel_values as the official code feeds CLIP: 8-bit picture, PIL-style bicubic."""
    x = torch.round(((images + 1) / 2).clamp(0, 1) * 255) / 255
    x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False, antialias=True).clamp(0, 1)
    mean = torch.tensor(CLIP_MEAN)[None, :, None, None]
    std = torch.tensor(CLIP_STD)[None, :, None, None]
    return (x - mean) / std


def eta_printer(label):
    t0 = time.monotonic()

    def progress(done, total):
        spent = time.monotonic() - t0
        eta = spent / done * (total - done) if done else 0
        print(f"\r{label}: {done}/{total} channels, {spent:.0f} s, about {eta:.0f} s left", end="", flush=True)
        if done == total:
            print(flush=True)
    return progress


@torch.no_grad()
def compute_relevance(parts, method, samples=RELEVANCE_SAMPLES, truncation=0.7, stats=None, channels=None,
                      batch=256, progress=None):
    """[S, E] float32. `stats`: (mean, std) if already computed; `channels` limits the rows (tests)."""
    gen, clip = parts["generator"], parts["clip"]
    synth = Synthesis(gen, method).eval()
    mean, std = stats if stats is not None else style_stats(gen, parts["w_avg"], truncation)
    ws = truncated_ws(gen, parts["w_avg"], range(samples), truncation)
    s = Styles(gen)(ws)
    count = covered_channels(gen) if channels is None else min(channels, covered_channels(gen))
    domain = synth.identity()
    embed_dim = clip.text_projection.shape[1]
    out = torch.zeros(synth.S, embed_dim)
    per_channel = 2 * samples  # rows: channel-major, then sign (−, +), then sample
    total, done, pending = per_channel * count, 0, []
    for r0 in range(0, total, batch):
        r = torch.arange(r0, min(r0 + batch, total))
        c, sign, k = r // per_channel, (r // samples) % 2, r % samples
        delta = torch.zeros(len(r), synth.S)
        delta[torch.arange(len(r)), c] = mean[c] - s[k, c] + (2 * sign - 1).float() * PUSH * std[c]
        images = synth(ws[k], domain[None].expand(len(r), -1), delta)
        pending.append(F.normalize(clip.encode_image(relevance_pixels(images, image_size(clip))), dim=1))
        buf = torch.cat(pending)
        full = buf.shape[0] // per_channel
        if full:
            emb = buf[:full * per_channel].view(full, 2, samples, -1)
            diff = F.normalize(emb[:, 1] - emb[:, 0], dim=2)
            out[done:done + full] = F.normalize(diff.mean(1), dim=1)
            done += full
            pending = [buf[full * per_channel:]]
            if progress:
                progress(done, count)
    return out


def global_direction(relevance, sigma, delta_t, alpha, beta):
    """Δs [S] for a normalised-or-not text direction Δt [E] (numpy)."""
    t = delta_t / np.linalg.norm(delta_t)
    r = relevance @ t
    r[np.abs(r) < beta] = 0
    peak = np.abs(r).max()
    return np.zeros_like(r) if peak == 0 else alpha * sigma * r / peak


def styleclip_manifest(stats_samples, truncation, channels, relevance_samples=None, source="computed", text=None):
    """pack.json `styleclip`: how the statistics were made, which channels relevance covers, and how it was made;
    `text`: edit texts in the pack's own words ({templates, neutral, phrase}, docs/pack-format.md), written as given
    (relevance and directions need no text: the engine embeds the edit texts)."""
    section = {"statsSamples": stats_samples, "truncation": truncation, "maxResolution": MAX_RESOLUTION,
               "channels": channels}
    if relevance_samples is not None:
        section["relevance"] = {"source": source, "samples": relevance_samples, "push": PUSH, "recipe": RECIPE}
    if text is not None:
        section["text"] = text
    return section


def add_relevance(pack_dir, samples=RELEVANCE_SAMPLES, stats_samples=STATS_SAMPLES):
    """Adds styles.onnx, style_stats.bin and style_relevance.bin to an existing random-weight pack (models rebuilt
    from its seed). Checkpoint packs: `npx domainshift pack relevance DIR` computes the same with the pack's graphs."""
    from .pack_writer import export_styles, file_entry, read_manifest, write_f32, write_manifest
    from .random_models import build_random

    manifest = read_manifest(pack_dir)
    prov = manifest["provenance"]
    if prov["source"] != "random":
        raise ValueError("this exporter rebuilds random packs only; for a checkpoint pack run "
                         f"`npx domainshift pack relevance {pack_dir} --samples {samples}`")
    parts = build_random(prov["config"], manifest["method"], prov["seed"])
    gen, psi = parts["generator"], manifest["truncation"]
    stats = style_stats(gen, parts["w_avg"], psi, stats_samples)
    relevance = compute_relevance(parts, manifest["method"], samples, psi, stats,
                                  progress=eta_printer(f"relevance of {pack_dir}"))
    if tuple(relevance.shape) != (manifest["styleDim"], manifest["embedDim"]):
        raise ValueError("the rebuilt models do not match the pack (was it made by another exporter version?)")
    export_styles(gen, os.path.join(pack_dir, "styles.onnx"))
    write_f32(os.path.join(pack_dir, "style_stats.bin"), torch.stack(stats))
    write_f32(os.path.join(pack_dir, "style_relevance.bin"), relevance)
    for role, rel in (("styles", "styles.onnx"), ("styleStats", "style_stats.bin"),
                      ("styleRelevance", "style_relevance.bin")):
        manifest["files"][role] = file_entry(pack_dir, rel)
    manifest["styleclip"] = styleclip_manifest(stats_samples, psi, covered_channels(gen), samples)
    write_manifest(pack_dir, manifest)
    return relevance

"""Why a StyleCLIP global-direction /edit does or does not move its attribute on a pack of this world: the
generator's own move for the attribute (through the z -> attributes route it was distilled through) set beside the
pack's relevance and the edit it makes.

Per edit attribute, on 64 faces: the generator's move (mean style change with the attribute off -> on, in σ units:
its size, its biggest channel, how many channels carry half of it); whether the CLIP reads that move as the edit text
(cosine of the image-embedding move with the edit direction); how the pack's relevance r = R·Δt lines up with it; the
share of R's first principal direction and its cosine with Δt (near ±1: every channel's push reads as the attribute);
and the judge's verdict on three edits of the same faces: the engine's (α, β of the pack), the generator's own move,
and the relevance's at β 0 (nothing thresholded).

    /usr/bin/python3 -m models.train.edit_diagnosis [--work models/train/work] [--pack models/demo]
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from models.export.relevance import global_direction, relevance_pixels
from models.export.stylegan2 import Styles, Synthesis

from .clip_attributes import EDIT_ATTRIBUTES, train_clip_attributes
from .clip_probe import edit_directions
from .clip_train import train_clip
from .common import CONFIGS
from .generator_train import train_generator, w_plus
from .judge import split, train_judge
from .world import A

BETA = 0.1  # the engine's default disentanglement threshold (DEFAULT_DISENTANGLEMENT, src/engine/styleclip-pack.ts)
Z_ENDS = (-1.5, 1.5)  # z coordinate of the attribute: Φ(±1.5) = 0.07 / 0.93 (off / on)


def read_f32(path, rows):
    return torch.from_numpy(np.fromfile(path, dtype=np.float32).reshape(rows, -1).copy())


@torch.no_grad()
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="models/train/work")
    parser.add_argument("--pack", default="models/demo")
    parser.add_argument("--config", default="demo", choices=sorted(CONFIGS))
    parser.add_argument("--n", type=int, default=64, help="faces")
    args = parser.parse_args(argv)
    cfg = CONFIGS[args.config]
    with open(os.path.join(args.pack, "pack.json")) as f:
        manifest = json.load(f)
    alpha = manifest.get("styleclip", {}).get("alphaPerStrength", 3.0)  # 3: the engine's default (styleclip.ts)
    clip, tokenizer = train_clip(cfg, args.work)  # finished checkpoints load without training
    clip = train_clip_attributes(cfg, args.work, clip, tokenizer).eval()
    gen = train_generator(cfg, args.work).eval()
    judge = train_judge(cfg, args.work).eval()
    styles, synth = Styles(gen).eval(), Synthesis(gen, "hypergan-clip").eval()
    sigma = read_f32(os.path.join(args.pack, "style_stats.bin"), 2)[1]  # rows: mean, σ
    R = read_f32(os.path.join(args.pack, "style_relevance.bin"), manifest["styleDim"])
    principal = torch.linalg.svd(R, full_matrices=False)
    share = (principal.S[0] ** 2 / (principal.S ** 2).sum()).item()
    directions = edit_directions(clip, tokenizer, cfg["clip"]["context"])
    z = torch.randn(args.n, gen.style_dim, generator=torch.Generator().manual_seed(11))
    identity = synth.identity()[None].expand(args.n, -1)

    def draw(ws, delta=None):
        return synth(ws, identity, torch.zeros(args.n, synth.S) if delta is None else delta.expand(args.n, -1))

    def embed(images):
        return F.normalize(clip.encode_image(relevance_pixels(images, cfg["clip"]["image_size"])), dim=1)

    def judged(images, name):
        logit = split(judge(images))[name]
        return (logit[:, 0] > 0) if logit.shape[1] == 1 else logit.argmax(1) > 0

    def along_text(dt, beta):
        return torch.from_numpy(global_direction(R.numpy(), sigma.numpy(), dt.numpy(), alpha, beta))

    # the faces every edit is tried on, the same for every attribute: drawn once
    base = w_plus(gen, torch.randn(args.n, gen.style_dim, generator=torch.Generator().manual_seed(12)))
    base_images = draw(base)
    print(f"pack {manifest['name']}: R's first principal direction holds {share:.0%} of its variance; "
          f"edits at α {alpha}, β {BETA}")
    for (name, _), dt in zip(EDIT_ATTRIBUTES, directions):
        off, on = z.clone(), z.clone()
        off[:, A[name]], on[:, A[name]] = Z_ENDS
        ws_off, ws_on = w_plus(gen, off), w_plus(gen, on)
        move = ((styles(ws_on) - styles(ws_off)) / sigma.clamp(min=1e-6)).mean(0)  # σ units
        ranked = move.abs().sort(descending=True).values
        half = int((ranked.pow(2).cumsum(0) < 0.5 * ranked.pow(2).sum()).sum().item()) + 1
        drawn_off, drawn_on = draw(ws_off), draw(ws_on)
        seen = F.normalize(embed(drawn_on) - embed(drawn_off), dim=1) @ dt
        r = R @ dt
        print(f"{name}: judged on {judged(drawn_on, name).float().mean():.0%} of faces drawn with it, "
              f"{judged(drawn_off, name).float().mean():.0%} without; the generator's move {move.norm():.2f} σ, "
              f"biggest channel {ranked[0]:.2f} σ, half of it in {half} channels; the CLIP reads it as the edit text: "
              f"cosine {seen.mean():.2f}")
        print(f"  relevance r = R·Δt: cosine with the generator's move {F.cosine_similarity(r, move, dim=0):.2f}; "
              f"|r| ≥ {BETA}: {(r.abs() >= BETA).sum().item()} channels, ≥ 0.5: {(r.abs() >= 0.5).sum().item()}; "
              f"Δt · R's principal direction {(principal.Vh[0] @ dt).abs():.2f}")
        without = ~judged(base_images, name)
        edits = {"engine edit": along_text(dt, BETA), "generator's move": move * sigma,
                 "relevance, β 0": along_text(dt, 0.0)}
        for label, delta in edits.items():
            gained = (judged(draw(base, delta[None]), name) & without).sum().item() / max(1, without.sum().item())
            print(f"  {label:17s} Δs {(delta / sigma.clamp(min=1e-6)).norm():5.2f} σ: judged {name} on {gained:.0%} "
                  f"of {without.sum().item()} faces without it")


if __name__ == "__main__":
    main()

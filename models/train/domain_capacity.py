"""How far the demo pack's domain layout can take the generator towards each trained style, against how far the
trained hypernetwork takes it: where the two are close, more hypernetwork training cannot help and the limit is the
layout (per StyledConv a channel gain and a rank-1 convolution) on this generator.

Per style, on `--n` faces the training never drew, the mean absolute difference in [0, 1] to the renderer's picture of
the same face in that style, for: the unchanged generator; the hypernetwork's domain from the style's text; and one
domain vector optimised directly on the renderer's pictures (`--steps` Adam steps from the hypernetwork's domain,
batches of 12 other faces): the best any single domain does for every face, which no hypernetwork output can beat
by much. `floor` is the unchanged generator against the renderer's photo: its own error, which no domain removes.
With `--whole-generator-steps K`, a last column: a copy of every synthesis weight fine-tuned K steps on the same
pictures (StyleGAN-NADA's route: every weight free, so it bounds what any layout that re-weights the generator can
draw in as many steps), for what the generator's architecture itself draws.

    /usr/bin/python3 -m models.train.domain_capacity [--work models/train/work] [--styles "pixel art,night"]
"""
import argparse
import copy
import os

import torch
import torch.nn.functional as F

from models.export.stylegan2 import Synthesis

from .clip_train import tokenize, train_clip
from .common import CONFIGS, cosine_lr, setup_threads
from .generator_train import picture_loss, synthesize, train_generator, w_plus
from .hypernet_train import DEFAULT_SOURCE, FORMULATION, METHOD, domain_blocks, make_hypernet, target_texts
from .world import TRAINED_STYLES, attributes_from_z, render

BATCH = 12


def l1(a, b):
    return (a - b).abs().mean().item() / 2  # pictures in [-1, 1]; the eval's |Δ truth| is in [0, 1]


def fit(params, draw, gen, style, steps, lr):
    """Adam on `params` so that draw(z) matches the renderer's pictures of the style, on batches of other faces."""
    opt = torch.optim.Adam(params, lr=lr)
    faces = torch.Generator().manual_seed(1)
    for step in range(steps):
        cosine_lr(opt, lr, step, steps, warmup=20)
        z = torch.randn(BATCH, gen.style_dim, generator=faces)
        loss = picture_loss(draw(z), render(attributes_from_z(z), style, gen.size)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="models/train/work")
    parser.add_argument("--config", default="demo", choices=sorted(CONFIGS))
    parser.add_argument("--styles", default=",".join(TRAINED_STYLES))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--n", type=int, default=32, help="faces judged")
    parser.add_argument("--whole-generator-steps", type=int, default=0, help="add the whole generator's column")
    args = parser.parse_args(argv)
    setup_threads()
    cfg = CONFIGS[args.config]
    gen = train_generator(cfg, args.work)
    clip, tokenizer = train_clip(cfg, args.work)
    for p in list(gen.parameters()) + list(clip.parameters()):
        p.requires_grad_(False)
    hyper = make_hypernet(gen, cfg)
    # the checkpoint as it is, whatever step count CONFIGS asks for now (train_hypernet would train on)
    hyper.load_state_dict(torch.load(os.path.join(args.work, "hypernet.pt"), map_location="cpu")["hypernet"])
    synth = Synthesis(gen, METHOD, formulation=FORMULATION)

    def draw(z, domain):
        blocks = domain_blocks(synth, domain.expand(len(z), -1))
        return synthesize(gen, w_plus(gen, z), blocks, METHOD, formulation=FORMULATION)

    z_judged = torch.randn(args.n, gen.style_dim, generator=torch.Generator().manual_seed(99))
    attrs = attributes_from_z(z_judged)
    with torch.no_grad():
        unchanged = draw(z_judged, hyper.identity[None])
    floor = l1(unchanged, render(attrs, size=gen.size))
    print(f"floor (the unchanged generator against the renderer's photo): {floor:.4f}")
    whole = args.whole_generator_steps > 0
    header = f"{'style':<15} {'unchanged':>9} {'hypernet':>9} {'best one domain':>15}"
    print(header + (" whole generator" if whole else ""))
    for style in args.styles.split(","):
        texts = tokenize(tokenizer, [target_texts(style)[0], DEFAULT_SOURCE], cfg["clip"]["context"])
        with torch.no_grad():
            target, source = F.normalize(clip.encode_text(texts), dim=1)
            start = hyper(target[None], source[None])
        domain = torch.nn.Parameter(start.clone())
        fit([domain], lambda z: draw(z, domain), gen, style, args.steps, 3e-3)
        truth = render(attrs, style, gen.size)
        with torch.no_grad():
            by_text, best = draw(z_judged, start), draw(z_judged, domain)
        row = f"{style:<15} {l1(unchanged, truth):>9.4f} {l1(by_text, truth):>9.4f} {l1(best, truth):>15.4f}"
        if whole:
            tuned = copy.deepcopy(gen)
            weights = [p for n, p in tuned.named_parameters() if not n.startswith("style.") and "noise" not in n]
            for p in weights:
                p.requires_grad_(True)
            # W+ from the unchanged generator's mapping: the fine-tuned copy keeps it, as in StyleGAN-NADA
            fit(weights, lambda z: synthesize(tuned, w_plus(gen, z)), gen, style, args.whole_generator_steps, 1e-3)
            with torch.no_grad():
                row += f" {l1(synthesize(tuned, w_plus(gen, z_judged)), truth):>15.4f}"
        print(row, flush=True)


if __name__ == "__main__":
    main()

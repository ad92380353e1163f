"""What content the evaluation's faces can keep in each trained style, by the judge (`npx domainshift eval`'s content
measure: the fraction of the judge's verdicts on the style's readable attributes that match its verdicts on the
generator's unchanged faces), for two ground truths of the same faces in the style:

- renderer truth: the renderer's picture of the faces' attributes (the eval's "truth kept" column). The generator's
  faces differ from the renderer's faces of the same attributes, so this keeps less than 80 % for most styles;
- own-face truth: the renderer's style drawn over the generator's own faces (world.restyle), what the hypernetwork
  trains towards for a share of its ground-truth loss (CONFIGS `hypernet_own_faces`): what an adaptation that drew
  that truth exactly would keep.

The judge is the checkpoint models/judge/judge.onnx was exported from (`judge.pt` in the work folder); the faces and
each style's readable attributes are models/judge's. Faces come from the generator at ψ 1, as the eval draws them.

    /usr/bin/python3 -m models.train.content_ceiling [--work models/train/work] [--judge-dir models/judge]
"""
import argparse
import json
import os

import numpy as np
import torch

from .common import CONFIGS, setup_threads
from .generator_train import synthesize, train_generator, w_plus
from .judge import split, train_judge
from .world import attributes_from_z, render, restyle


def verdicts(judge, images):
    """The judge's attribute verdicts, as the eval reads them (src/engine/world-eval.ts): logit > 0, hair argmax."""
    with torch.no_grad():
        heads = split(judge(images))
    return {"glasses": heads["glasses"][:, 0] > 0, "smile": heads["smile"][:, 0] > 0,
            "long_hair": heads["long_hair"][:, 0] > 0, "hair": heads["hair"].argmax(1)}


def agreement(before, after, attributes):
    """Fraction of verdicts on `attributes` that agree, over every (face, attribute); None without attributes (a
    style whose every attribute the judge misreads, as a barely trained judge's)."""
    if not attributes:
        return None
    same = torch.cat([(after[name] == before[name]).float() for name in attributes])
    return same.mean().item()


def percent(fraction):
    return "–" if fraction is None else f"{100 * fraction:.1f}%"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="models/train/work")
    parser.add_argument("--config", default="demo", choices=sorted(CONFIGS))
    parser.add_argument("--judge-dir", default="models/judge")
    args = parser.parse_args(argv)
    setup_threads()
    cfg = CONFIGS[args.config]
    gen, judge = train_generator(cfg, args.work), train_judge(cfg, args.work)
    with open(os.path.join(args.judge_dir, "eval.json")) as f:
        meta = json.load(f)
    z = torch.from_numpy(np.load(os.path.join(args.judge_dir, meta["files"]["z"]))).float()
    attrs = attributes_from_z(z)
    with torch.no_grad():
        own = synthesize(gen, w_plus(gen, z))
    before = verdicts(judge, own)
    print(f"{len(z)} faces; content kept by the judge over each style's readable attributes")
    print(f"{'style':<15} {'renderer truth':>14} {'own-face truth':>14}")
    for style in meta["trained"]:
        readable = meta["readable"][style]
        by_renderer = agreement(before, verdicts(judge, render(attrs, style, gen.size)), readable)
        by_own = agreement(before, verdicts(judge, restyle(own, attrs, style)), readable)
        print(f"{style:<15} {percent(by_renderer):>14} {percent(by_own):>14}")


if __name__ == "__main__":
    main()

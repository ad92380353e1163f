"""One command trains the demo world's pack from scratch and exports it through the normal exporter:

    /usr/bin/python3 -m models.train --out models/demo            # the bundled pack (about 7 h of stages on 2 cores)
    /usr/bin/python3 -m models.train --config micro --out /tmp/p  # a few steps of everything (tests)

Stages run in order (CLIP, CLIP attributes, generator, judge, encoder, hypernetwork, NADA, export); each saves
checkpoints in --work and a rerun resumes where it stopped. The judge and the evaluation set go to --judge-out, apart from the pack."""
import argparse
import json
import os
import shutil
import time

import torch

from .common import CONFIGS, setup_threads

NADA_DOMAIN = {"name": "sepia", "source": "a photo", "target": "a sepia photo"}


def parse(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m models.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", choices=sorted(CONFIGS), default="demo")
    p.add_argument("--work", default="models/train/work", help="checkpoints (resumable)")
    p.add_argument("--out", required=True, help="the pack folder to write")
    p.add_argument("--judge-out", default="models/judge", help="where the judge and the evaluation set go")
    return p.parse_args(argv)


def timed(timings, stage, fn, accumulate=True):
    """Runs a stage and adds its wall time to the stage's total over every run that trained it (a finished stage
    only loads, in well under a second); `accumulate=False` for the export, which every run redoes."""
    start = time.time()
    result = fn()
    spent = time.time() - start
    timings[stage] = round((timings.get(stage, 0) if accumulate else 0) + spent, 1)
    print(f"== {stage}: {spent / 60:.1f} min this run, {timings[stage] / 60:.1f} min in all", flush=True)
    return result


def main(argv=None):
    args = parse(argv)
    setup_threads()
    torch.manual_seed(0)
    cfg = CONFIGS[args.config]
    from . import (clip_attributes, clip_train, encoder_train, evalset, generator_train, hypernet_train, judge,
                   nada_train, package)

    timings_path = os.path.join(args.work, "timings.json")
    os.makedirs(args.work, exist_ok=True)
    timings = json.load(open(timings_path)) if os.path.exists(timings_path) else {}

    def stage(name, fn):
        result = timed(timings, name, fn, accumulate=name != "export")
        json.dump(timings, open(timings_path, "w"), indent=1)
        return result

    clip, tokenizer = stage("clip", lambda: clip_train.train_clip(cfg, args.work))
    clip = stage("clip_attributes", lambda: clip_attributes.train_clip_attributes(cfg, args.work, clip, tokenizer))
    print(f"CLIP zero-shot style accuracy on renders: {clip_train.style_accuracy(clip, tokenizer, cfg):.3f}")
    gen = stage("generator", lambda: generator_train.train_generator(cfg, args.work))
    w_avg = generator_train.mean_w(gen)
    judge_model = stage("judge", lambda: judge.train_judge(cfg, args.work))
    evalset.write(judge_model, gen, args.judge_out, cfg)
    encoder = stage("encoder", lambda: encoder_train.train_encoder(cfg, args.work, gen, w_avg))
    hyper = stage("hypernet", lambda: hypernet_train.train_hypernet(cfg, args.work, gen, clip, tokenizer))
    nada = stage("nada", lambda: nada_train.train_nada(cfg, args.work, gen, clip, tokenizer, NADA_DOMAIN["source"],
                                                       NADA_DOMAIN["target"], NADA_DOMAIN["name"]))
    parts = {"generator": gen, "hypernet": hyper, "encoder": encoder, "clip": clip, "tokenizer": tokenizer,
             "w_avg": w_avg, "encoder_resolution": cfg["encoder"]["input_size"],
             "formulation": hypernet_train.FORMULATION}
    # the folder is written anew; a README.md in it is people's writing, not the exporter's, and stays
    readme = os.path.join(args.out, "README.md")
    kept = open(readme).read() if os.path.exists(readme) else None
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    stage("export", lambda: package.export(parts, nada, NADA_DOMAIN, args.out, args.work, args.config, timings))
    if kept is not None:
        with open(readme, "w") as f:
            f.write(kept)
    print("timings (s):", json.dumps(timings))


if __name__ == "__main__":
    main()

"""What the trained CLIP knows about the attributes /edit moves (smile, glasses), on the renderer's photos:
zero-shot ("a photo of a smiling face" against "a photo of a face") and a linear probe on the image embeddings
(fit on one set of faces, scored on another). A StyleCLIP edit can only move what these numbers show the CLIP sees.

    /usr/bin/python3 -m models.train.clip_probe [--work models/train/work]
"""
import argparse

import torch
import torch.nn.functional as F

from .clip_attributes import train_clip_attributes
from .clip_train import clip_pixels, tokenize, train_clip
from .common import CONFIGS
from .judge import targets
from .world import render, sample_attributes

ZERO_SHOT = {"smile": ("a photo of a smiling face", "a photo of a face"),
             "glasses": ("a photo of a face with glasses", "a photo of a face")}


@torch.no_grad()
def embed_photos(model, cfg, seed, n):
    attributes = sample_attributes(n, torch.Generator().manual_seed(seed))
    images = clip_pixels(render(attributes, "photo"), cfg["clip"]["image_size"])
    return F.normalize(model.encode_image(images), dim=1), attributes


def linear_probe(train_x, train_y, test_x, test_y, steps=1500):
    torch.manual_seed(0)
    probe = torch.nn.Linear(train_x.shape[1], 1)
    opt = torch.optim.Adam(probe.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(probe(train_x)[:, 0], train_y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return ((probe(test_x)[:, 0] > 0).float() == test_y).float().mean().item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="models/train/work", help="the trainer's checkpoints (clip.pt)")
    parser.add_argument("--config", default="demo", choices=sorted(CONFIGS))
    parser.add_argument("--n", type=int, default=1500, help="faces per set")
    args = parser.parse_args(argv)
    cfg = CONFIGS[args.config]
    model, tokenizer = train_clip(cfg, args.work)  # finished checkpoints load without training
    model = train_clip_attributes(cfg, args.work, model, tokenizer)
    train_x, train_a = embed_photos(model, cfg, 1, args.n)
    test_x, test_a = embed_photos(model, cfg, 2, args.n)
    for name, (with_it, without_it) in ZERO_SHOT.items():
        # yes/no as the judge's training targets put it (a smile is a wide grin)
        has_train, has_test = targets(train_a)[name], targets(test_a)[name]
        with torch.no_grad():
            text = F.normalize(model.encode_text(tokenize(tokenizer, [with_it, without_it], cfg["clip"]["context"])),
                               dim=1)
        zero_shot = (((test_x @ text.t()).argmax(1) == 0).float() == has_test).float().mean().item()
        majority = max(has_test.mean().item(), 1 - has_test.mean().item())
        probe = linear_probe(train_x, has_train, test_x, has_test)
        print(f"{name:8s} zero-shot {zero_shot:.1%}  linear probe {probe:.1%}  always the commoner answer {majority:.1%}")


if __name__ == "__main__":
    main()

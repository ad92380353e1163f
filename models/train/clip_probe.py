"""What the trained CLIP knows about the attributes /edit moves (smile, glasses), on the renderer's photos:
zero-shot ("a photo of a smiling face" against "a photo of a face"), a linear probe on the image embeddings
(fit on one set of faces, scored on another), and how well the move between two pictures of a face, with and without
the attribute, lines up with the text direction /edit moves along (the cosine StyleCLIP's relevance is built on).
A StyleCLIP edit can only move what these numbers show the CLIP sees.

    /usr/bin/python3 -m models.train.clip_probe [--work models/train/work]
"""
import argparse

import torch
import torch.nn.functional as F

from .captions import styleclip_text
from .clip_attributes import EDIT_ATTRIBUTES, NEUTRAL_FACE, train_clip_attributes
from .clip_train import clip_pixels, tokenize, train_clip
from .common import CONFIGS
from .judge import targets
from .world import A, render, sample_attributes

ZERO_SHOT = {"smile": ("a photo of a smiling face", "a photo of a face"),
             "glasses": ("a photo of a face with glasses", "a photo of a face")}


@torch.no_grad()
def embed_photos(model, cfg, seed, n):
    attributes = sample_attributes(n, torch.Generator().manual_seed(seed))
    return embed_photos_of(model, cfg, attributes), attributes


@torch.no_grad()
def edit_directions(clip, tokenizer, context):
    """Per edit attribute, the direction /edit moves along, as the engine says the text: the face phrase put into the
    pack's templates (captions.styleclip_text), normalised embeddings averaged, the bare face's taken away."""
    templates = styleclip_text()["templates"]

    def mean_embedding(phrase):
        texts = [t.replace("{}", phrase) for t in templates]
        return F.normalize(F.normalize(clip.encode_text(tokenize(tokenizer, texts, context)), dim=1).mean(0), dim=0)

    neutral = mean_embedding(NEUTRAL_FACE)
    return torch.stack([F.normalize(mean_embedding(phrase) - neutral, dim=0) for _, phrase in EDIT_ATTRIBUTES])


@torch.no_grad()
def twin_alignment(model, tokenizer, cfg, seed, n):
    """Per attribute: the cosine of (with it − without it) image embeddings of the same faces with its edit direction,
    mean and the share pointing the right way."""
    attributes = sample_attributes(n, torch.Generator().manual_seed(seed))
    directions = edit_directions(model, tokenizer, cfg["clip"]["context"])
    out = {}
    for (name, _), direction in zip(EDIT_ATTRIBUTES, directions):
        without, with_it = attributes.clone(), attributes.clone()
        # the smile's ends as the world draws them (a closed mouth, a wide grin); glasses off and on
        without[:, A[name]], with_it[:, A[name]] = (0.1, 0.9) if name == "smile" else (0.0, 1.0)
        moves = embed_photos_of(model, cfg, with_it) - embed_photos_of(model, cfg, without)
        cos = F.normalize(moves, dim=1) @ direction
        out[name] = (cos.mean().item(), (cos > 0).float().mean().item())
    return out


def embed_photos_of(model, cfg, attributes):
    return F.normalize(model.encode_image(clip_pixels(render(attributes, "photo"), cfg["clip"]["image_size"])), dim=1)


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
    alignment = twin_alignment(model, tokenizer, cfg, 3, 400)
    for name, (with_it, without_it) in ZERO_SHOT.items():
        # yes/no as the judge's training targets put it (a smile is a wide grin)
        has_train, has_test = targets(train_a)[name], targets(test_a)[name]
        with torch.no_grad():
            text = F.normalize(model.encode_text(tokenize(tokenizer, [with_it, without_it], cfg["clip"]["context"])),
                               dim=1)
        zero_shot = (((test_x @ text.t()).argmax(1) == 0).float() == has_test).float().mean().item()
        majority = max(has_test.mean().item(), 1 - has_test.mean().item())
        probe = linear_probe(train_x, has_train, test_x, has_test)
        cos, right_way = alignment[name]
        print(f"{name:8s} zero-shot {zero_shot:.1%}  linear probe {probe:.1%}  "
              f"always the commoner answer {majority:.1%}  "
              f"twin move · edit direction {cos:.3f} ({right_way:.0%} the right way)")


if __name__ == "__main__":
    main()

"""Unnamed looks for the hypernetwork: random compositions of generic picture operations (colour grades, line
drawings, posterisation, blur, recoloured regions). Conditioned on the CLIP embedding of pictures in the
look, they teach the hypernetwork to follow a CLIP direction it has no caption for: with the world's seven trained
styles alone it mapped every unseen direction to a weak, wrong change. No caption names a look and the held-out
styles' renderers are never used; what a held-out style shares with the looks is the kind of operation (a sepia
photo is a colour grade, a neon drawing a line drawing on a dark ground)."""
import random

import torch

from .world import blur, edges, grid, luma

# no blocks: pixelation is the trained pixel art's operation, and in a first try blocky looks of other grids and
# colour levels pulled its reference pictures' adaptations back towards the photo (docs/demo-pack.md)
OPERATIONS = ("grade", "lines", "posterize", "blur", "recolour")


def _colour(rng, low=0.0, high=1.0):
    return torch.tensor([rng.uniform(low, high) for _ in range(3)])


def _parameters(operation, rng):
    if operation == "grade":  # saturation 0 in a third of grades: the monochrome ones
        return {"saturation": 0.0 if rng.random() < 0.35 else rng.uniform(0.2, 1.4), "tint": _colour(rng, 0.4, 1.3),
                "contrast": rng.uniform(0.6, 1.4), "shift": rng.uniform(-0.3, 0.25)}
    if operation == "lines":
        return {"paper": _colour(rng), "ink": _colour(rng), "ink_right": _colour(rng) if rng.random() < 0.5 else None,
                "gain": rng.uniform(3, 7), "glow": rng.random() < 0.5}
    if operation == "posterize":
        return {"levels": rng.randint(2, 4)}
    if operation == "blur":
        return {"size": rng.choice([3, 5, 7])}
    return {"region": rng.choice(["skin", "hair", "background"]), "colour": _colour(rng), "keep": rng.uniform(0.1, 0.6)}


def random_look(rng: random.Random):
    """A look as a style for world.render: one operation, or two in a row a third of the time."""
    first = rng.choice(OPERATIONS)
    look = [(first, _parameters(first, rng))]
    if rng.random() < 0.35:
        second = rng.choice([o for o in OPERATIONS if o != first])
        look.append((second, _parameters(second, rng)))
    return look_style(look)


def _apply(img, masks, operation, p):
    n, _, size, _ = img.shape
    if operation == "grade":
        lum = luma(img)[:, None]
        colour = lum + p["saturation"] * (img - lum)
        return (colour * p["tint"][None, :, None, None] - 0.5) * p["contrast"] + 0.5 + p["shift"]
    if operation == "lines":
        outline = (edges(img) * p["gain"]).clamp(0, 1)[:, None]
        if p["glow"]:
            outline = blur(outline, 3).clamp(0, 1)
        ink = p["ink"][None, :, None, None].expand(n, 3, size, size)
        if p["ink_right"] is not None:  # the ink's colour running from left to right
            xx = (grid(n)[0][:, None] + 1) / 2
            ink = ink * (1 - xx) + p["ink_right"][None, :, None, None] * xx
        return p["paper"][None, :, None, None] * (1 - outline) + ink * outline
    if operation == "posterize":
        return torch.round(img.clamp(0, 1) * (p["levels"] - 1)) / (p["levels"] - 1)
    if operation == "blur":
        return blur(img, p["size"])
    mask = masks[p["region"]][:, None]
    recoloured = p["colour"][None, :, None, None] * (p["keep"] + (1 - p["keep"]) * luma(img)[:, None])
    return img * (1 - mask) + recoloured * mask


def look_style(look):
    """The look as a style for world.render: (photo-style picture [B,3,RES,RES] in [0, 1], masks) -> [0, 1]."""
    def restyle(img, masks):
        for operation, parameters in look:
            img = _apply(img, masks, operation, parameters).clamp(0, 1)
        return img
    restyle.operations = look  # what the look is made of, for tests and for reading
    return restyle

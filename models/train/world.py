"""A procedural world of cartoon faces, rendered in torch (batched, deterministic from a seed).

A face is a vector of attributes in [0, 1] (continuous where the look is continuous, so that the generator that learns
this world gets a smooth W space); a style re-draws the same face with an obvious look. Captions come from a small
grammar (captions.py). Everything is drawn at RES px in [-1, 1], the range of the generator's pictures."""
import math

import torch
import torch.nn.functional as F

RES = 64

# attribute index -> name; all in [0, 1]
ATTRIBUTES = ["head_width", "head_height", "skin", "hair_hue", "hair_long", "eye_size", "eye_colour", "smile",
              "glasses", "background", "pose_x", "pose_y", "shirt"]
A = {name: i for i, name in enumerate(ATTRIBUTES)}

SKIN_TONES = torch.tensor([[0.98, 0.84, 0.72], [0.93, 0.74, 0.58], [0.78, 0.57, 0.40], [0.55, 0.38, 0.25],
                           [0.36, 0.24, 0.16]])
HAIR_COLOURS = {"black": (0.08, 0.07, 0.07), "brown": (0.40, 0.24, 0.12), "blond": (0.93, 0.80, 0.42),
                "red": (0.78, 0.22, 0.08), "white": (0.90, 0.90, 0.88), "blue": (0.15, 0.35, 0.85)}
HAIR_NAMES = list(HAIR_COLOURS)
BACKGROUNDS = torch.tensor([[0.55, 0.75, 0.95], [0.95, 0.85, 0.55], [0.70, 0.90, 0.70], [0.92, 0.70, 0.78],
                            [0.75, 0.72, 0.90]])
EYE_COLOURS = torch.tensor([[0.25, 0.45, 0.85], [0.35, 0.22, 0.10], [0.20, 0.55, 0.30]])
SHIRTS = torch.tensor([[0.85, 0.20, 0.20], [0.20, 0.35, 0.75], [0.95, 0.95, 0.95], [0.20, 0.20, 0.22]])

STYLES = ["photo", "pencil sketch", "night", "zombie", "marble statue", "pixel art", "pop art", "watercolor",
          "sepia", "neon"]
# reached through CLIP alone: the hypernetwork never trains on them
HELD_OUT_STYLES = ["sepia", "neon"]
TRAINED_STYLES = [s for s in STYLES if s not in HELD_OUT_STYLES and s != "photo"]
# style x attribute combinations the hypernetwork never sees in training (style, attribute, value > 0.5)
HELD_OUT_COMBOS = [("pencil sketch", "glasses"), ("zombie", "hair_long"), ("marble statue", "smile")]


def sample_attributes(n, generator):
    a = torch.rand(n, len(ATTRIBUTES), generator=generator)
    return binarize(a)


def binarize(a):
    """Attributes that are yes/no in the captions are pushed to 0/1 (glasses), the rest stay continuous."""
    a = a.clone()
    a[:, A["glasses"]] = (a[:, A["glasses"]] > 0.65).float()
    return a


def hair_index(a):
    return (a[:, A["hair_hue"]] * len(HAIR_NAMES)).long().clamp(max=len(HAIR_NAMES) - 1)


def _pick(table, u):
    return table[(u * len(table)).long().clamp(max=len(table) - 1)]


def grid(n):
    ys = torch.linspace(-1 + 1 / RES, 1 - 1 / RES, RES)
    yy, xx = torch.meshgrid(ys, ys, indexing="ij")
    return xx[None].expand(n, -1, -1), yy[None].expand(n, -1, -1)


def _soft(sdf, sharp=RES / 2.0):
    """Inside (sdf < 0) -> 1 with a one-pixel antialiased edge."""
    return torch.sigmoid(-sdf * sharp)


def _ellipse(xx, yy, cx, cy, rx, ry):
    return torch.sqrt(((xx - cx[:, None, None]) / rx[:, None, None]) ** 2
                      + ((yy - cy[:, None, None]) / ry[:, None, None]) ** 2) - 1


def _over(img, colour, mask):
    """Paint colour [B,3] (or [B,3,H,W]) over img [B,3,H,W] where mask [B,H,W]."""
    if colour.dim() == 2:
        colour = colour[:, :, None, None]
    m = mask[:, None]
    return img * (1 - m) + colour * m


def render_layers(a):
    """The photo-style picture in [0, 1] and its masks: skin, hair, eyes, mouth, background (what styles need) and
    features (eyes, mouth and where glasses frames sit, drawn or not: what the generator must draw sharply)."""
    n = a.shape[0]
    xx, yy = grid(n)
    cx = (a[:, A["pose_x"]] - 0.5) * 0.24
    cy = (a[:, A["pose_y"]] - 0.5) * 0.12 - 0.05
    rx = 0.34 + 0.12 * a[:, A["head_width"]]
    ry = 0.46 + 0.10 * a[:, A["head_height"]]
    bg = _pick(BACKGROUNDS, a[:, A["background"]])
    shade = (0.9 + 0.1 * (-yy))[:, None]  # light from above
    img = bg[:, :, None, None] * shade
    hair_rgb = torch.tensor([HAIR_COLOURS[h] for h in HAIR_NAMES])[hair_index(a)]
    skin_rgb = _pick(SKIN_TONES, a[:, A["skin"]])
    # shoulders
    shoulders = _soft(_ellipse(xx, yy, cx * 0.5, torch.full_like(cx, 1.15), torch.full_like(cx, 0.8),
                               torch.full_like(cx, 0.45)))
    img = _over(img, _pick(SHIRTS, a[:, A["shirt"]]), shoulders)
    # long hair behind the head, down to the shoulders
    long_amount = a[:, A["hair_long"]]
    hair_back = _soft(_ellipse(xx, yy, cx, cy + 0.18 * long_amount, rx + 0.1, ry * (0.75 + 0.55 * long_amount)))
    hair_back = hair_back * (long_amount > 0.35).float()[:, None, None]
    img = _over(img, hair_rgb, hair_back)
    # neck and head
    neck = _soft(torch.maximum((xx - cx[:, None, None] * 0.7).abs() - 0.13, yy - 0.95)) * (yy > cy[:, None, None]).float()
    head = _soft(_ellipse(xx, yy, cx, cy, rx, ry))
    skin = torch.maximum(head, neck)
    img = _over(img, skin_rgb * 0.85, neck)
    img = _over(img, skin_rgb, head)
    # hair on top: the part of a slightly larger ellipse above a wavy line
    cap_line = cy[:, None, None] - ry[:, None, None] * 0.45 + 0.04 * torch.sin(xx * 9)
    cap = _soft(_ellipse(xx, yy, cx, cy - 0.03, rx + 0.04, ry + 0.06)) * _soft(yy - cap_line, RES / 3)
    img = _over(img, hair_rgb, cap)
    hair = torch.maximum(hair_back * (1 - head), cap)
    skin = skin * (1 - cap)
    # eyes: white, iris, pupil
    ey = cy - 0.05 * ry / 0.5
    ex = 0.38 * rx
    er = 0.055 + 0.035 * a[:, A["eye_size"]]
    eyes = torch.zeros_like(xx)
    iris_rgb = _pick(EYE_COLOURS, a[:, A["eye_colour"]])
    for side in (-1, 1):
        white = _soft(_ellipse(xx, yy, cx + side * ex, ey, er * 1.3, er))
        iris = _soft(_ellipse(xx, yy, cx + side * ex, ey, er * 0.7, er * 0.7))
        pupil = _soft(_ellipse(xx, yy, cx + side * ex, ey, er * 0.33, er * 0.33))
        img = _over(img, torch.ones_like(iris_rgb) * 0.97, white)
        img = _over(img, iris_rgb, iris)
        img = _over(img, torch.zeros_like(iris_rgb) + 0.05, pupil)
        eyes = torch.maximum(eyes, white)
    # mouth: a curve whose bend is the smile (frown at 0, straight at 0.35); from 0.45 up it opens into a wide grin
    # (a dark mouth under a row of teeth), so that a smile reads at 64 px, not only a pixel of curvature
    smile = a[:, A["smile"]][:, None, None]
    my = (cy + 0.55 * ry)[:, None, None]
    mx = xx - cx[:, None, None]
    half_width = 0.11 + 0.12 * smile
    lip_y = my + (smile - 0.35) * 2.2 * (0.05 - mx ** 2 * 2.5)
    inside = mx.abs() - half_width
    lip = _soft(torch.maximum((yy - lip_y).abs() - 0.02, inside))
    opening = ((smile - 0.45) / 0.3).clamp(0, 1) * 0.11 * (1 - (mx / half_width) ** 2).clamp(min=0)
    open_mouth = _soft(torch.maximum(torch.maximum(lip_y - yy, yy - lip_y - opening), inside))
    teeth = open_mouth * _soft(yy - lip_y - 0.45 * opening - 0.01)
    img = _over(img, torch.tensor([0.55, 0.12, 0.15]).expand(n, 3), lip)
    img = _over(img, torch.tensor([0.30, 0.04, 0.06]).expand(n, 3), open_mouth)
    img = _over(img, torch.tensor([0.97, 0.96, 0.92]).expand(n, 3), teeth)
    mouth = torch.maximum(lip, open_mouth)
    # nose: a small shadow
    nose = _soft(_ellipse(xx, yy, cx, cy + 0.2 * ry, 0.035 + 0 * cx, 0.06 + 0 * cx)) * 0.35
    img = _over(img, skin_rgb * 0.7, nose)
    # glasses: two rings and a bridge
    g = a[:, A["glasses"]][:, None, None]
    rings = torch.zeros_like(xx)
    for side in (-1, 1):
        d = _ellipse(xx, yy, cx + side * ex, ey, er * 1.9, er * 1.6)
        rings = torch.maximum(rings, _soft(d.abs() - 0.12))
    bridge = _soft(torch.maximum((yy - ey[:, None, None]).abs() - 0.012, (xx - cx[:, None, None]).abs() - ex[:, None, None] * 0.5))
    frames = torch.maximum(rings, bridge)
    glasses = frames * g
    img = _over(img, torch.zeros(n, 3) + 0.1, glasses)
    background = (1 - torch.maximum(torch.maximum(skin, hair), shoulders)).clamp(0, 1)
    return img.clamp(0, 1), {"skin": skin * (1 - eyes) * (1 - glasses), "hair": hair, "eyes": eyes,
                             "background": background, "mouth": mouth,
                             "features": torch.maximum(torch.maximum(eyes, mouth), frames)}


def luma(img):
    return (0.299 * img[:, 0] + 0.587 * img[:, 1] + 0.114 * img[:, 2])


def edges(img):
    lum = luma(img)[:, None]
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])[None, None] / 4
    gx = F.conv2d(F.pad(lum, [1, 1, 1, 1], mode="replicate"), kx)
    gy = F.conv2d(F.pad(lum, [1, 1, 1, 1], mode="replicate"), kx.transpose(2, 3))
    return torch.sqrt(gx ** 2 + gy ** 2 + 1e-8)[:, 0]


def blur(img, k=5):
    return F.avg_pool2d(F.pad(img, [k // 2] * 4, mode="replicate"), k, stride=1)


def apply_style(img, masks, style):
    """Re-draw a photo-style picture [B,3,H,W] in [0,1] in a style; returns [0,1]."""
    n = img.shape[0]
    xx, yy = grid(n)
    if style == "photo":
        return img
    if style == "pencil sketch":
        outline = (edges(img) * 4).clamp(0, 1)
        hatch = (torch.sin((xx + yy) * 40) > 0.3).float() * (1 - luma(img)) * 0.35
        grey = (0.95 - 0.85 * outline - hatch).clamp(0, 1)
        return grey[:, None].expand(-1, 3, -1, -1)
    if style == "night":
        dark = img * torch.tensor([0.22, 0.25, 0.45])[None, :, None, None]
        return _over(dark, torch.tensor([0.02, 0.03, 0.10]).expand(n, 3), masks["background"] * 0.7)
    if style == "zombie":
        green = torch.tensor([0.45, 0.62, 0.35])[None, :, None, None] * (0.6 + 0.5 * luma(img)[:, None])
        out = _over(img, green, masks["skin"])
        sockets = masks["eyes"] * 0.6
        return _over(out, torch.tensor([0.25, 0.05, 0.05]).expand(n, 3), sockets)
    if style == "marble statue":
        lum = luma(img)
        veins = 0.06 * torch.sin(xx * 13 + 4 * torch.sin(yy * 7))
        stone = (0.55 + 0.4 * lum + veins).clamp(0, 1)
        out = torch.stack([stone, stone * 0.98, stone * 0.95], 1)
        return _over(out, torch.tensor([0.35, 0.35, 0.38]).expand(n, 3), masks["background"])
    if style == "pixel art":
        small = F.interpolate(img, size=(RES // 5, RES // 5), mode="area")
        small = torch.round(small * 4) / 4
        return F.interpolate(small, size=(RES, RES), mode="nearest")
    if style == "pop art":
        post = (img > 0.5).float() * 0.9 + 0.05
        post = _over(post, torch.tensor([1.0, 0.9, 0.1]).expand(n, 3), masks["background"])
        dots = (torch.sin(xx * 50) * torch.sin(yy * 50) > 0.5).float() * 0.25
        outline = (edges(img) * 5).clamp(0, 1)
        return (post - dots[:, None] * (1 - masks["background"][:, None])).clamp(0, 1) * (1 - outline[:, None])
    if style == "watercolor":
        soft = blur(img, 7)
        paper = 0.92 + 0.04 * torch.sin(xx * 31) * torch.sin(yy * 27)
        wash = 0.55 * soft + 0.45 * paper[:, None]
        return (wash + 0.08 * (1 - edges(img)[:, None].clamp(0, 1)) - 0.08).clamp(0, 1)
    if style == "sepia":
        lum = luma(img)
        return torch.stack([lum * 1.0 + 0.12, lum * 0.85 + 0.06, lum * 0.6], 1).clamp(0, 1)
    if style == "neon":
        outline = (edges(img) * 6).clamp(0, 1)
        glow = blur(outline[:, None], 3)[:, 0].clamp(0, 1)
        colour = torch.stack([0.2 + 0.8 * (xx + 1) / 2, 0.1 + 0 * xx, 1 - 0.6 * (xx + 1) / 2], 1)
        return (colour * glow[:, None] + torch.tensor([0.02, 0.0, 0.06])[None, :, None, None]).clamp(0, 1)
    raise ValueError(f"unknown style {style!r}")


def render(a, style="photo", size=RES):
    """Attributes [B, len(ATTRIBUTES)] -> pictures [B,3,size,size] in [-1, 1] (smaller sizes by area averaging). The
    style is a name of STYLES or a function (picture, masks) -> picture as apply_style (an unnamed look, looks.py)."""
    img, masks = render_layers(a)
    return _styled(img, masks, style, size)


def _styled(img, masks, style, size):
    """A [0, 1] photo-style picture at RES in a style (a name or a look), in [-1, 1] at `size`."""
    restyled = style(img, masks) if callable(style) else apply_style(img, masks, style)
    return _at_size(restyled * 2 - 1, size)


def restyle(picture, a, style):
    """A style drawn over another picture of the faces `a` ([B,3,H,W] in [-1, 1], e.g. the generator's own): the
    renderer's style applied to that picture with a's masks, so the result keeps whatever the picture shows; at the
    picture's size."""
    size = int(picture.shape[-1])
    img = (picture.clamp(-1, 1) + 1) / 2
    if size != RES:
        img = F.interpolate(img, size=(RES, RES), mode="bilinear", align_corners=False)
    _, masks = render_layers(a)
    return _styled(img, masks, style, size)


def render_photo_features(a, size=RES):
    """The photo-style picture (as `render`) and its features mask [B,size,size] in [0, 1], from one rendering."""
    img, masks = render_layers(a)
    return _at_size(img * 2 - 1, size), _at_size(masks["features"][:, None], size)[:, 0]


def _at_size(t, size):
    """[B,C,RES,RES] -> [B,C,size,size], smaller sizes by area averaging."""
    return t if size == RES else F.interpolate(t, size=(size, size), mode="area")


def attributes_from_z(z):
    """The z -> attributes route the generator is distilled through: uniform marginals from the first
    len(ATTRIBUTES) coordinates of a standard normal z (Φ), the rest of z is unused by the world."""
    u = 0.5 * (1 + torch.erf(z[:, : len(ATTRIBUTES)] / math.sqrt(2)))
    return binarize(u)

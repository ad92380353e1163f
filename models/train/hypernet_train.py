"""The HyperGAN-CLIP hypernetwork of the pack (the exporter's DomainHypernet: CLIP target and source embeddings ->
the per-layer [m, a, b, k] domain vector), trained as the paper does: one model for several domains, conditioned on
text or on a reference picture, with the CLIP directional loss between source and target and a regulariser that
keeps domains near the identity. A ground truth of the same face in the target style is an extra loss on the trained
styles: the renderer's picture of the face's attributes in the style and, from the step CONFIGS' `hypernet_own_faces`
gives on and for the share it gives, the renderer's style drawn over the generator's own picture of the face
(world.restyle), which keeps what the generator drew. Held-out styles and style x attribute combinations never appear
here; a share of every batch is unnamed looks (looks.py), conditioned on pictures in the look alone, so that CLIP
directions without a trained caption lead somewhere too."""
import random

import torch
import torch.nn.functional as F

from models.export.hypernet import DomainHypernet
from models.export.stylegan2 import Synthesis, layer_table

from .captions import SHORT_FORMS, STYLE_PHRASES
from .clip_train import augment, clip_pixels, tokenize
from .common import Checkpoint, Progress, cosine_lr, resume
from .generator_train import picture_loss, synthesize, w_plus
from .looks import random_look
from .world import A, HELD_OUT_COMBOS, TRAINED_STYLES, attributes_from_z, render, restyle, sample_attributes

METHOD = "hypergan-clip"
FORMULATION = "additive"  # the demo pack's own domain layout (models/export/domain_layout.py)
SOURCE_TEXTS = ["a photo", "a photo of a face", "a face", "a picture", "a picture of a face", "a photo of a person"]
DEFAULT_SOURCE = "a photo of a face"
LOOK_SHARE = 0.35  # of each batch's samples: an unnamed look instead of a trained style
LOOK_PICTURES = 4  # other faces drawn in a look for its condition
PHOTO_CONTRAST = 0.39  # the mean standard deviation of the renderer's photos in [-1, 1]
MAX_CONTRAST_GAIN = 3.0


def target_texts(style):
    phrases = STYLE_PHRASES[style] + SHORT_FORMS[style]
    return phrases + [p + " of a face" for p in STYLE_PHRASES[style] if "at night" not in p]


def make_hypernet(gen, cfg):
    hyper = DomainHypernet(layer_table(gen), METHOD, cfg["clip"]["embed_dim"], cfg["hypernet_hidden"],
                           formulation=FORMULATION)
    with torch.no_grad():
        for layer, head in zip(hyper.layers, hyper.heads):
            head.weight.normal_(0, 0.01 / head.in_features ** 0.5)
            head.bias.zero_()
            cin, cout = layer["cin"], layer["cout"]
            # b and k must start non-zero or the rank-1 branch (a = 0) gets no gradient at all
            head.bias[2 * cout:2 * cout + cin].normal_(0, cin ** -0.5)
            head.bias[2 * cout + cin:].normal_(0, 1 / 3)
    return hyper


def hold_out_combos(z, styles):
    """Push the attributes of held-out style x attribute combinations to 'no' for those styles."""
    z = z.clone()
    for i, style in enumerate(styles):
        for held_style, attribute in HELD_OUT_COMBOS:
            if style == held_style:
                z[i, A[attribute]] = -z[i, A[attribute]].abs() - 0.4
    return z


class Conditions:
    """Normalised CLIP embeddings of every text the trainer uses, and of freshly rendered pictures (references)."""

    @torch.no_grad()
    def __init__(self, clip, tokenizer, cfg):
        self.clip, self.size, self.context = clip, cfg["clip"]["image_size"], cfg["clip"]["context"]
        texts = sorted({t for s in TRAINED_STYLES + ["photo"] for t in target_texts(s)} | set(SOURCE_TEXTS))
        emb = F.normalize(clip.encode_text(tokenize(tokenizer, texts, self.context)), dim=1)
        self.text = dict(zip(texts, emb))

    def pick(self, style, rng):
        """(target, source) for one sample: a text, or a reference picture (another face, drawn afresh in the
        style, as a user's reference is a picture the hypernetwork has never seen)."""
        if rng.random() < 0.6:
            return self.text[rng.choice(target_texts(style))], self.text[rng.choice(SOURCE_TEXTS)]
        return self.pictures(style, 1, rng)[0], self.text[DEFAULT_SOURCE]

    def pick_look(self, look, rng):
        """(target, source) for a look: the CLIP embedding of one picture in it (a reference) or the mean of several
        (what a caption's embedding is nearest to), from faces other than the one being adapted."""
        embedded = self.pictures(look, LOOK_PICTURES, rng)
        if rng.random() < 0.5:
            return embedded[0], self.text[DEFAULT_SOURCE]
        return F.normalize(embedded.mean(0), dim=0), self.text[rng.choice(SOURCE_TEXTS)]

    @torch.no_grad()
    def pictures(self, style, count, rng):
        """CLIP embeddings of `count` new faces rendered in a style (a name or a look), blurred and noised as a
        generated picture is."""
        gen = torch.Generator().manual_seed(rng.randrange(2 ** 31))
        return self.embed(augment(render(sample_attributes(count, gen), style), gen))

    def embed(self, images):
        return F.normalize(self.clip.encode_image(clip_pixels(images, self.size)), dim=1)


def contrast_gain(truth):
    """Per-picture weight [B] of the ground-truth loss: 1 for a target as contrasted as a photo or more, up to
    MAX_CONTRAST_GAIN for a low-contrast one (a night picture has a third of a photo's contrast, so without it a wrong
    hair colour or missing glasses at night cost a third of what they cost in a photo)."""
    return (PHOTO_CONTRAST / truth.std(dim=(1, 2, 3)).clamp(min=1e-3)).clamp(1.0, MAX_CONTRAST_GAIN)


def ground_truths(gen, ws, attrs, styles, own_share):
    """(the pictures the CLIP direction starts from, [(share of the ground-truth loss, truth [B,3,H,W])]): the
    renderer's pictures of the faces' attributes in their styles and, for `own_share` of the loss, the renderer's
    styles drawn over the generator's own faces (world.restyle). What an adapted picture should keep is the face the
    generator drew (a "before" row), which differs from the renderer's face of the same attributes; with an own share
    the direction starts from the generator's faces too."""
    rendered = torch.stack([render(attrs[i:i + 1], s, gen.size)[0] for i, s in enumerate(styles)])
    if own_share <= 0:
        return render(attrs, size=gen.size), [(1.0, rendered)]
    own = synthesize(gen, ws)
    restyled = torch.stack([restyle(own[i:i + 1], attrs[i:i + 1], s)[0] for i, s in enumerate(styles)])
    return own, [(1.0 - own_share, rendered), (own_share, restyled)]


def domain_blocks(synth, domain):
    return [domain[:, a:b] for a, b in synth.domain_offsets]


def train_hypernet(cfg, work_dir, gen, clip, tokenizer, seed=7):
    for p in list(gen.parameters()) + list(clip.parameters()):
        p.requires_grad_(False)
    hyper = make_hypernet(gen, cfg)
    synth = Synthesis(gen, METHOD, formulation=FORMULATION)
    steps, batch = cfg["steps"]["hypernet"], cfg["batch"]["hypernet"]
    opt = torch.optim.Adam(hyper.parameters(), lr=1e-3)
    ckpt = Checkpoint(work_dir, "hypernet")
    start, done = resume(ckpt, {"hypernet": hyper}, [("opt", opt)], steps)
    if done:
        return hyper.eval()
    conditions = Conditions(clip, tokenizer, cfg)
    rng = random.Random(seed + start)
    zgen = torch.Generator().manual_seed(seed + start)
    progress = Progress("hypernet", steps, start)
    own_from, own_share = cfg.get("hypernet_own_faces", (0, 0.0))
    styles_all = TRAINED_STYLES + ["photo"]
    for step in range(start, steps):
        cosine_lr(opt, 1e-3, step, steps, warmup=50)
        # a style: a trained style's name, "photo" (the identity) or an unnamed look (a function, looks.py)
        styles = [random_look(rng) if rng.random() < LOOK_SHARE else
                  rng.choice(styles_all) if rng.random() < 0.1 else rng.choice(TRAINED_STYLES) for _ in range(batch)]
        z = hold_out_combos(torch.randn(batch, gen.style_dim, generator=zgen), styles)
        attrs = attributes_from_z(z)
        with torch.no_grad():
            ws = w_plus(gen, z)
            photo, truths = ground_truths(gen, ws, attrs, styles, own_share if step >= own_from else 0.0)
        pairs = [conditions.pick_look(s, rng) if callable(s) else conditions.pick(s, rng) for s in styles]
        target = torch.stack([t for t, _ in pairs])
        source = torch.stack([s for _, s in pairs])
        domain = hyper(target, source)
        images = synthesize(gen, ws, domain_blocks(synth, domain), METHOD, formulation=FORMULATION)
        # CLIP directional loss: the picture moves in CLIP space the way the condition does
        moved = F.normalize(conditions.embed(images) - conditions.embed(photo), dim=1)
        wanted = F.normalize(target - source, dim=1)
        direction = (1 - (moved * wanted).sum(1))
        is_photo = torch.tensor([s == "photo" for s in styles])
        direction = direction[~is_photo].mean() if (~is_photo).any() else images.sum() * 0
        truth_loss = sum(share * (contrast_gain(truth) * picture_loss(images, truth)).mean() for share, truth in truths)
        regulariser = (domain - hyper.identity).pow(2).mean()
        loss = truth_loss + 0.3 * direction + 1e-3 * regulariser
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress.update(step, loss=loss.item(), truth=truth_loss.item(), clip=float(direction))
        ckpt.save({"hypernet": hyper.state_dict(), "opt": opt.state_dict()}, step, steps)
    return hyper.eval()

"""A small CLIP (the exporter's own ViT CLIP, OpenAI names) trained contrastively on the world's pictures in every
style and their captions. Its text tower is how the hypernetwork hears a prompt; its image tower judges the
directional loss and reads reference pictures."""
import random

import torch
import torch.nn.functional as F

from models.export.clip_model import CLIP
from models.export.configs import CLIP_MEAN, CLIP_STD

from .captions import build_tokenizer, caption
from .common import Checkpoint, Progress, cosine_lr, resume
from .world import STYLES, render, sample_attributes


def make_clip(cfg, vocab_size):
    c = cfg["clip"]
    return CLIP(embed_dim=c["embed_dim"], image_resolution=c["image_size"], vision_layers=c["vision_layers"],
                vision_width=c["vision_width"], vision_patch_size=c["patch"], context_length=c["context"],
                vocab_size=vocab_size, transformer_width=c["text_width"], transformer_heads=c["text_heads"],
                transformer_layers=c["text_layers"], vision_heads=c["vision_heads"])


def clip_pixels(images, size):
    """Pictures in [-1, 1] -> CLIP pixel_values at `size` (bicubic when the size differs, as the engine does)."""
    x = (images.clamp(-1, 1) + 1) / 2
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)
    mean = torch.tensor(CLIP_MEAN)[None, :, None, None]
    std = torch.tensor(CLIP_STD)[None, :, None, None]
    return (x - mean) / std


def augment(images, gen):
    """What a generated picture looks like next to a rendered one: a little blur and noise."""
    blur = F.avg_pool2d(F.pad(images, [1, 1, 1, 1], mode="replicate"), 3, stride=1)
    pick = (torch.rand(images.shape[0], 1, 1, 1, generator=gen) < 0.4).float()
    images = pick * blur + (1 - pick) * images
    return images + 0.03 * torch.randn(images.shape, generator=gen)


def tokenize(tokenizer, texts, context):
    return torch.tensor([tokenizer.encode(t, context) for t in texts], dtype=torch.int64)


def train_clip(cfg, work_dir, seed=1):
    tokenizer = build_tokenizer()
    model = make_clip(cfg, tokenizer.size)
    steps, batch = cfg["steps"]["clip"], cfg["batch"]["clip"]
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.05)
    ckpt = Checkpoint(work_dir, "clip", every=50)
    start, done = resume(ckpt, {"model": model}, [("opt", opt)], steps)
    if done:
        return model.eval(), tokenizer
    gen = torch.Generator().manual_seed(seed + start)
    rng = random.Random(seed + start)
    progress = Progress("clip", steps, start)
    size, context = cfg["clip"]["image_size"], cfg["clip"]["context"]
    for step in range(start, steps):
        cosine_lr(opt, 5e-4, step, steps)
        attrs = sample_attributes(batch, gen)
        styles = [rng.randrange(len(STYLES)) for _ in range(batch)]
        pics = []
        for s in range(len(STYLES)):
            idx = [i for i, v in enumerate(styles) if v == s]
            if idx:
                pics.append((idx, render(attrs[idx], STYLES[s])))
        images = torch.empty(batch, *pics[0][1].shape[1:])
        for idx, p in pics:
            images[idx] = p
        texts = [caption(STYLES[s], attrs[i], rng) for i, s in enumerate(styles)]
        ids = tokenize(tokenizer, texts, context)
        img = F.normalize(model.encode_image(clip_pixels(augment(images, gen), size)), dim=1)
        txt = F.normalize(model.encode_text(ids), dim=1)
        logits = model.logit_scale.exp().clamp(max=100) * img @ txt.t()
        # identical captions (the short forms repeat) are all right answers
        same = torch.tensor([[a == b for b in texts] for a in texts], dtype=torch.float32)
        targets = same / same.sum(1, keepdim=True)
        loss = (F.cross_entropy(logits, targets) + F.cross_entropy(logits.t(), targets)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            acc = (logits.argmax(1) == torch.arange(batch)).float().mean() + 0 * loss
        progress.update(step, loss=loss.item(), acc=acc.item())
        ckpt.save({"model": model.state_dict(), "opt": opt.state_dict()}, step, steps)
    return model.eval(), tokenizer


@torch.no_grad()
def style_accuracy(model, tokenizer, cfg, n=200, seed=99):
    """Zero-shot style classification of renders with the canonical phrases: how well this CLIP tells styles apart."""
    from .captions import canonical

    gen = torch.Generator().manual_seed(seed)
    attrs = sample_attributes(n, gen)
    texts = tokenize(tokenizer, [canonical(s) for s in STYLES], cfg["clip"]["context"])
    txt = F.normalize(model.encode_text(texts), dim=1)
    correct = 0
    for k, s in enumerate(STYLES):
        img = F.normalize(model.encode_image(clip_pixels(render(attrs, s), cfg["clip"]["image_size"])), dim=1)
        correct += ((img @ txt.t()).argmax(1) == k).sum().item()
    return correct / (n * len(STYLES))

"""A second CLIP stage that teaches the image tower the attributes /edit moves (smile, glasses).

The contrastive stage leaves them out of the image embedding (clip_probe: a smile probe near chance): captions name
them only now and then, and the other captions of a batch differ in style far more. Here the text tower is frozen
(so every text embedding the hypernetwork was trained on stays as it was) and the image tower learns, on photos of
faces alike but for the smile or the glasses, to sit nearer "a photo of a smiling face" than "a photo of a face"
exactly when the face smiles: the text direction StyleCLIP edits along then points where the pictures move. A
distillation term keeps every picture's embedding near the one it had (styles, hair, reference pictures), and an
auxiliary linear head on the embedding (dropped after training) gives the image tower a gradient toward the
attributes before the fixed text directions can."""
import copy
import random

import torch
import torch.nn.functional as F

from .captions import STYLE_PHRASES, frame
from .clip_train import augment, clip_pixels, tokenize
from .common import Checkpoint, Progress, cosine_lr, resume
from .judge import targets
from .world import A, STYLES, render, sample_attributes

# (attribute, face phrase with it); the neutral is the bare face. Yes/no is the world's truth as judge.targets says it
EDIT_ATTRIBUTES = [("smile", "a smiling face"), ("glasses", "a face with glasses")]
NEUTRAL_FACE = "a face"
DISTILL_WEIGHT = 1.0


def twins(attributes, gen):
    """Each face again with either its smile turned over (a grin <-> a closed mouth) or its glasses."""
    n = attributes.shape[0]
    twin = attributes.clone()
    smile_side = torch.rand(n, generator=gen) < 0.5
    grinning = targets(attributes)["smile"] > 0
    flipped = torch.where(grinning, 0.35 * torch.rand(n, generator=gen), 0.7 + 0.3 * torch.rand(n, generator=gen))
    twin[:, A["smile"]] = torch.where(smile_side, flipped, twin[:, A["smile"]])
    twin[:, A["glasses"]] = torch.where(smile_side, twin[:, A["glasses"]], 1 - twin[:, A["glasses"]])
    return twin


@torch.no_grad()
def text_directions(clip, tokenizer, context):
    """Per photo caption frame and attribute: normalised embedding with it minus the bare face's."""
    directions = {}
    for f in [frame("photo", p) for p in STYLE_PHRASES["photo"]]:
        texts = [f.replace("{}", NEUTRAL_FACE)] + [f.replace("{}", phrase) for _, phrase in EDIT_ATTRIBUTES]
        emb = F.normalize(clip.encode_text(tokenize(tokenizer, texts, context)), dim=1)
        for (attribute, _), e in zip(EDIT_ATTRIBUTES, emb[1:]):
            directions.setdefault(attribute, []).append(e - emb[0])
    return {a: torch.stack(d) for a, d in directions.items()}


def train_clip_attributes(cfg, work_dir, clip, tokenizer, seed=3):
    steps, batch = cfg["steps"]["clip_attributes"], cfg["batch"]["clip_attributes"]
    size, context = cfg["clip"]["image_size"], cfg["clip"]["context"]
    reference = copy.deepcopy(clip).eval()  # the contrastive stage's CLIP: what the distillation keeps
    head = torch.nn.Linear(cfg["clip"]["embed_dim"], len(EDIT_ATTRIBUTES))
    opt = torch.optim.Adam(list(clip.visual.parameters()) + list(head.parameters()), lr=3e-4)
    ckpt = Checkpoint(work_dir, "clip_attributes", every=50)
    start, done = resume(ckpt, {"model": clip, "head": head}, [("opt", opt)], steps)
    if done:
        return clip.eval()
    directions = text_directions(clip, tokenizer, context)
    scale = clip.logit_scale.exp().clamp(max=100).detach()
    gen = torch.Generator().manual_seed(seed + start)
    rng = random.Random(seed + start)
    progress = Progress("clip attributes", steps, start)
    pairs, others = batch * 3 // 8, batch - 2 * (batch * 3 // 8)
    for step in range(start, steps):
        cosine_lr(opt, 3e-4, step, steps, warmup=20)
        faces = sample_attributes(pairs, gen)
        photos = torch.cat([faces, twins(faces, gen)])
        styled = sample_attributes(others, gen)
        styles = [rng.randrange(len(STYLES)) for _ in range(others)]
        # style by style (row order is free: the distillation compares each picture with itself)
        renders = [render(styled[[i for i, v in enumerate(styles) if v == s]], STYLES[s]) for s in sorted(set(styles))]
        images = torch.cat([render(photos, "photo")] + renders)
        pixels = clip_pixels(augment(images, gen), size)
        img = F.normalize(clip.encode_image(pixels), dim=1)
        with torch.no_grad():
            kept = F.normalize(reference.encode_image(pixels), dim=1)
        n = photos.shape[0]
        truth = targets(photos)
        labels = torch.stack([truth[a] for a, _ in EDIT_ATTRIBUTES], 1)
        frames = torch.randint(0, len(STYLE_PHRASES["photo"]), (n,), generator=gen)
        along = torch.stack([(img[:n] * directions[a][frames]).sum(1) for a, _ in EDIT_ATTRIBUTES], 1)
        direction_loss = F.binary_cross_entropy_with_logits(scale * along, labels)
        head_logits = head(img[:n] * 10)
        head_loss = F.binary_cross_entropy_with_logits(head_logits, labels)
        distill = (img - kept).pow(2).sum(1).mean()
        loss = direction_loss + head_loss + DISTILL_WEIGHT * distill
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            acc = ((along > 0).float() == labels).float().mean(0)
        progress.update(step, direction=direction_loss.item(), distill=distill.item(), smile=acc[0].item(),
                        glasses=acc[1].item(), head=((head_logits > 0).float() == labels).float().mean().item())
        ckpt.save({"model": clip.state_dict(), "head": head.state_dict(), "opt": opt.state_dict()}, step, steps)
    return clip.eval()

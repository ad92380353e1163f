"""The independent judge: a small CNN trained on the renderer's pictures alone (never on the generator's, never used
to train the pack) that says which style a picture is in and what the face looks like. The evaluation runs it (as
ONNX) on what the pack draws."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import Checkpoint, Progress, cosine_lr, resume
from .world import A, HAIR_NAMES, STYLES, hair_index, render, sample_attributes

# output layout: style logits, then attribute logits
HEADS = {"style": len(STYLES), "glasses": 1, "smile": 1, "hair": len(HAIR_NAMES), "long_hair": 1}


class Judge(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        chans = [3, width, 2 * width, 4 * width, 4 * width]
        layers = []
        for cin, cout in zip(chans, chans[1:]):
            layers += [nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1] * 2, sum(HEADS.values()))

    def forward(self, images):
        """images [B,3,H,W] in [-1, 1], any H = W >= 32 (resized to 64) -> logits [B, sum(HEADS)]."""
        x = F.interpolate(images, size=(64, 64), mode="bilinear", align_corners=False)
        f = self.features(x)
        pooled = torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1)
        return self.head(pooled)


def split(logits):
    out, i = {}, 0
    for name, n in HEADS.items():
        out[name] = logits[:, i:i + n]
        i += n
    return out


def targets(attrs):
    return {"glasses": attrs[:, A["glasses"]], "smile": (attrs[:, A["smile"]] > 0.6).float(),
            "hair": hair_index(attrs), "long_hair": (attrs[:, A["hair_long"]] > 0.5).float()}


def corrupt(images, gen):
    """Blur, noise, contrast and small shifts: what a generator's imperfect picture may look like."""
    b = images.shape[0]
    # up to a 9-pixel box blur, or a round trip through a lower resolution: a generator trained briefly draws
    # soft pictures, and softness alone must not read as a style (watercolor)
    k = torch.randint(0, 5, (1,), generator=gen).item() * 2 + 1
    if k > 1:
        images = F.avg_pool2d(F.pad(images, [k // 2] * 4, mode="replicate"), k, stride=1)
    if torch.rand(1, generator=gen).item() < 0.3:
        side = int(torch.randint(12, 33, (1,), generator=gen).item())
        small = F.interpolate(images, size=(side, side), mode="area")
        images = F.interpolate(small, size=images.shape[-2:], mode="bilinear", align_corners=False)
    shift = torch.randint(-3, 4, (2,), generator=gen).tolist()
    images = torch.roll(images, shifts=shift, dims=(2, 3))
    gain = 0.85 + 0.3 * torch.rand(b, 1, 1, 1, generator=gen)
    return (images * gain + 0.05 * torch.randn(images.shape, generator=gen)).clamp(-1, 1)


def train_judge(cfg, work_dir, seed=5):
    judge = Judge()
    steps, batch = cfg["steps"]["judge"], cfg["batch"]["judge"]
    opt = torch.optim.Adam(judge.parameters(), lr=2e-3)
    ckpt = Checkpoint(work_dir, "judge")
    start, done = resume(ckpt, {"judge": judge}, [("opt", opt)], steps)
    if done:
        return judge.eval()
    gen = torch.Generator().manual_seed(seed + start)
    progress = Progress("judge", steps, start)
    for step in range(start, steps):
        cosine_lr(opt, 2e-3, step, steps, warmup=20)
        attrs = sample_attributes(batch, gen)
        style_ids = torch.randint(0, len(STYLES), (batch,), generator=gen)
        images = torch.empty(batch, 3, 64, 64)
        for s in style_ids.unique().tolist():
            idx = (style_ids == s).nonzero()[:, 0]
            images[idx] = render(attrs[idx], STYLES[s])
        out = split(judge(corrupt(images, gen)))
        t = targets(attrs)
        loss = (F.cross_entropy(out["style"], style_ids) + F.cross_entropy(out["hair"], t["hair"])
                + F.binary_cross_entropy_with_logits(out["glasses"][:, 0], t["glasses"])
                + F.binary_cross_entropy_with_logits(out["smile"][:, 0], t["smile"])
                + F.binary_cross_entropy_with_logits(out["long_hair"][:, 0], t["long_hair"]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress.update(step, loss=loss.item(), style_acc=(out["style"].argmax(1) == style_ids).float().mean().item())
        ckpt.save({"judge": judge.state_dict(), "opt": opt.state_dict()}, step, steps)
    return judge.eval()

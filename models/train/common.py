"""What every trainer shares: sizes (demo and micro), threads, a progress line with an ETA, resumable checkpoints."""
import os
import sys
import time

import torch

# demo: the bundled pack (64 px); micro: a few steps of everything, for the tests
CONFIGS = {
    "demo": {
        "generator": {"resolution": 64, "latent_dim": 64, "n_mlp": 4,
                      "channels": {4: 128, 8: 128, 16: 64, 32: 48, 64: 24}},
        "encoder": {"input_size": 64, "channels": (16, 32, 48, 64), "blocks": (1, 1, 2, 1), "se_reduction": 8},
        "clip": {"embed_dim": 64, "image_size": 64, "patch": 8, "vision_width": 96, "vision_layers": 3,
                 "vision_heads": 4, "text_width": 96, "text_layers": 2, "text_heads": 4, "context": 32},
        "hypernet_hidden": 256,
        "steps": {"clip": 500, "clip_attributes": 400, "judge": 1200, "generator": 36000, "encoder": 1400,
                  "hypernet": 11500, "nada": 300},
        # (from step, share of the ground-truth loss): the renderer's styles drawn over the generator's own faces
        "hypernet_own_faces": (10500, 0.5),
        "batch": {"clip": 128, "clip_attributes": 64, "judge": 64, "generator": 16, "encoder": 32, "hypernet": 12,
                  "nada": 8},
    },
    "micro": {
        "generator": {"resolution": 16, "latent_dim": 32, "n_mlp": 2, "channels": {4: 16, 8: 16, 16: 8}},
        "encoder": {"input_size": 16, "channels": (4, 8, 16, 32), "blocks": (1, 1, 1, 1), "se_reduction": 4},
        "clip": {"embed_dim": 16, "image_size": 16, "patch": 8, "vision_width": 16, "vision_layers": 1,
                 "vision_heads": 2, "text_width": 16, "text_layers": 1, "text_heads": 2, "context": 32},
        "hypernet_hidden": 16,
        "steps": {"clip": 3, "clip_attributes": 2, "judge": 3, "generator": 3, "encoder": 3, "hypernet": 3,
                  "nada": 2},
        "hypernet_own_faces": (0, 0.5),
        "batch": {"clip": 8, "clip_attributes": 8, "judge": 8, "generator": 4, "encoder": 4, "hypernet": 2,
                  "nada": 2},
    },
}


def setup_threads():
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", os.cpu_count() or 2)))


class Progress:
    """One line per update: stage, step/total, rate, ETA and the latest losses. Written by hand because one
    line of output is all it is (no progress-bar dependency for the trainers)."""

    def __init__(self, stage, total, start=0, every=25):
        self.stage, self.total, self.start, self.every = stage, total, start, every
        self.t0 = time.time()

    def update(self, step, **losses):
        done = step + 1
        if done % self.every and done != self.total:
            return
        elapsed = time.time() - self.t0
        rate = (done - self.start) / max(elapsed, 1e-9)
        eta = (self.total - done) / max(rate, 1e-9)
        text = " ".join(f"{k}={v:.4f}" for k, v in losses.items())
        print(f"[{self.stage}] {done}/{self.total} {rate:.2f} it/s, {elapsed / 60:.1f} min, ETA {eta / 60:.1f} min "
              f"{text}", flush=True)
        sys.stdout.flush()


class Checkpoint:
    """A stage's state saved every `every` steps and at the end; a rerun resumes from it. `done` marks a finished
    stage, whose result later stages load."""

    def __init__(self, work_dir, stage, every=250):
        self.path = os.path.join(work_dir, f"{stage}.pt")
        self.every = every
        os.makedirs(work_dir, exist_ok=True)

    def load(self):
        if os.path.exists(self.path):
            return torch.load(self.path, map_location="cpu")
        return None

    def save(self, state, step, total, force=False):
        if force or (step + 1) % self.every == 0 or step + 1 == total:
            state = dict(state, step=step + 1, done=step + 1 >= total)
            tmp = self.path + ".tmp"
            torch.save(state, tmp)
            os.replace(tmp, self.path)


def resume(checkpoint, modules, optimizers=(), total=None):
    """Load modules/optimizers from a checkpoint; returns (start step, done). With `total`, a stage is done when it
    reached that many steps, so raising a step count in CONFIGS trains a finished stage further. A module or optimizer
    the checkpoint does not have (one added to the stage since) starts fresh."""
    state = checkpoint.load()
    if state is None:
        return 0, False
    for name, module in modules.items():
        if name in state:
            module.load_state_dict(state[name])
    for name, opt in optimizers:
        if name in state:
            opt.load_state_dict(state[name])
    if total is not None:
        return state["step"], state["step"] >= total
    return state["step"], state.get("done", False)


def cosine_lr(optimizer, base, step, total, warmup=100):
    lr = base * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(step / total * 3.14159)).item()))
    for group in optimizer.param_groups:
        group["lr"] = lr

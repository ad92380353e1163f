"""StyleGAN-NADA: a copy of the generator fine-tuned with the CLIP directional loss towards a text (source -> target),
with the paper's adaptive layer freezing: every few steps, the W+ entries that a few steps of a global CLIP loss
move most pick the layers that train. Saved as a NADA checkpoint ({g_ema}) that `--preset nada` imports."""
import copy

import torch
import torch.nn.functional as F

from .clip_train import clip_pixels, tokenize
from .common import Checkpoint, Progress, resume
from .generator_train import synthesize, w_plus


def layers_of_w(gen, index):
    """The modules that read W+ entry `index`: the StyledConv at that position and, for odd entries, a ToRGB."""
    convs = [gen.conv1] + list(gen.convs)
    rgbs = {1: gen.to_rgb1, **{3 + 2 * j: rgb for j, rgb in enumerate(gen.to_rgbs)}}
    mods = [convs[index]] if index < len(convs) else []
    if index in rgbs:
        mods.append(rgbs[index])
    return mods


def choose_layers(gen, ws, embed, text_target, k):
    """Adaptive layer freezing: optimise a copy of W+ for a few steps against the global CLIP loss and return the k
    entries that moved most."""
    ws = ws.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([ws], lr=0.01)
    start = ws.detach().clone()
    for _ in range(2):
        loss = (1 - (embed(synthesize(gen, ws)) * text_target).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    moved = (ws.detach() - start).abs().mean((0, 2))
    return moved.topk(k).indices.tolist()


def train_nada(cfg, work_dir, gen, clip, tokenizer, source, target, name, seed=13, top_k=4):
    frozen = gen.eval()
    trainable = copy.deepcopy(gen)
    for p in list(frozen.parameters()) + list(clip.parameters()):
        p.requires_grad_(False)
    steps, batch = cfg["steps"]["nada"], cfg["batch"]["nada"]
    ckpt = Checkpoint(work_dir, f"nada-{name}", every=50)
    start, done = resume(ckpt, {"generator": trainable}, (), steps)
    if done:
        return trainable.eval()
    size, context = cfg["clip"]["image_size"], cfg["clip"]["context"]

    def embed(images):
        return F.normalize(clip.encode_image(clip_pixels(images, size)), dim=1)

    with torch.no_grad():
        t = F.normalize(clip.encode_text(tokenize(tokenizer, [source, target], context)), dim=1)
    wanted = F.normalize(t[1] - t[0], dim=0)
    rng = torch.Generator().manual_seed(seed + start)
    progress = Progress(f"nada {name}", steps, start, every=10)
    opt = None
    for step in range(start, steps):
        z = torch.randn(batch, gen.style_dim, generator=rng)
        with torch.no_grad():
            ws = w_plus(frozen, z)  # the frozen source mapping, as NADA samples
            before = embed(synthesize(frozen, ws))
        if step % 25 == 0 or opt is None:
            for p in trainable.parameters():
                p.requires_grad_(False)
            chosen = choose_layers(trainable, ws, embed, t[1][None], top_k)
            params = [p for i in chosen for m in layers_of_w(trainable, i) for n, p in m.named_parameters()
                      if "noise" not in n and "modulation" not in n]
            for p in params:
                p.requires_grad_(True)
            opt = torch.optim.Adam(params, lr=2e-3, betas=(0.0, 0.99))
        after = embed(synthesize(trainable, ws))
        moved = F.normalize(after - before, dim=1)
        loss = (1 - (moved * wanted[None]).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress.update(step, loss=loss.item(), layers=float(len(chosen)))
        ckpt.save({"generator": trainable.state_dict()}, step, steps)
    return trainable.eval()

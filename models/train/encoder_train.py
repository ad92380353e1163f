"""An e4e-style encoder (the exporter's Encoder4Editing + latent average) trained on the generator's own (picture,
W+) pairs, and on the renderer's photo of the same face, so that a picture of this world inverts to its latent."""
import torch
import torch.nn.functional as F

from models.export.e4e import Encoder4Editing, EncoderWithAverage

from .common import Checkpoint, Progress, cosine_lr, resume
from .generator_train import synthesize
from .world import attributes_from_z, render


def make_encoder(cfg, gen, w_avg):
    e = cfg["encoder"]
    enc = Encoder4Editing(gen.n_latent, cfg["generator"]["latent_dim"], e["input_size"], e["channels"], e["blocks"],
                          e["se_reduction"])
    return EncoderWithAverage(enc, w_avg)


def train_encoder(cfg, work_dir, gen, w_avg, seed=9):
    for p in gen.parameters():
        p.requires_grad_(False)
    model = make_encoder(cfg, gen, w_avg)
    size = cfg["encoder"]["input_size"]
    steps, batch = cfg["steps"]["encoder"], cfg["batch"]["encoder"]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ckpt = Checkpoint(work_dir, "encoder")
    start, done = resume(ckpt, {"encoder": model}, [("opt", opt)], steps)
    if done:
        return model.eval()
    rng = torch.Generator().manual_seed(seed + start)
    progress = Progress("encoder", steps, start)
    for step in range(start, steps):
        cosine_lr(opt, 1e-3, step, steps, warmup=50)
        z = torch.randn(batch, gen.style_dim, generator=rng)
        with torch.no_grad():
            w = gen.style(z)
            # W+ near W: small per-layer offsets so the encoder sees (and can return) a little layer variation
            ws = w[:, None] + 0.1 * torch.randn(batch, gen.n_latent, w.shape[1], generator=rng) * w.std()
            pictures = synthesize(gen, ws)
            photos = render(attributes_from_z(z), size=gen.size)
        inputs = torch.cat([pictures, photos])
        if inputs.shape[-1] != size:
            inputs = F.interpolate(inputs, size=(size, size), mode="bilinear", align_corners=False)
        predicted = model(inputs)
        latent_loss = F.mse_loss(predicted[:batch], ws) + F.mse_loss(predicted[batch:], w[:, None].expand_as(ws))
        loss = latent_loss
        if step % 4 == 0:  # now and then, through the generator: the picture it gives back is the one it was shown
            k = min(8, batch)
            redrawn = synthesize(gen, predicted[:k])
            loss = loss + 0.5 * F.l1_loss(redrawn, pictures[:k])
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress.update(step, loss=loss.item(), latent=latent_loss.item())
        ckpt.save({"encoder": model.state_dict(), "opt": opt.state_dict()}, step, steps)
    return model.eval()

"""Full-width checkpoints in the official layouts, random weights, for measuring the README's export commands:
a HyperGAN-CLIP g_ema (rosinality generator at SIZE px + `<layer>.conv.hypernet.*` + a c_dim-101 `embedding.*`),
CLIP ViT-B/16 as `clip.load` downloads it (a TorchScript archive at OpenAI's widths), e4e (IR-SE-50, 256 px input)
and a tokenizer. Usage (writes DIR, then prints the export command to time):
  /usr/bin/python3 -m bench.official_export DIR [SIZE]      # SIZE 256 (default) or 1024
  /usr/bin/time -v nice -n 10 <the printed command>"""
import json
import os
import sys

import torch

from models.export.e4e import Encoder4Editing
from models.export.stylegan2 import Generator, layer_table
from models.export.tests.official_fixtures import TracedClip
from models.export.tokenizer import build_tokenizer

STYLE_DIM, EMBED = 512, 512  # rosinality's latent width; ViT-B/16's embedding width


@torch.no_grad()
def hypergan_clip_checkpoint(size, c_dim=101):
    gen = Generator(size, STYLE_DIM, 8)
    sd = dict(gen.state_dict())
    g = torch.Generator().manual_seed(1)
    for layer in layer_table(gen):
        h = f"{layer['name']}.conv.hypernet"
        for part, width, bias in (("out_channel_estimator", layer["cout"], 1.0), ("in_channel_estimator", layer["cin"], 1.0),
                                  ("kernel_estimator", 9, 0.0), ("domain_modulation", layer["cout"], 1.0)):
            sd[f"{h}.{part}.weight"] = 0.01 * torch.randn(width, EMBED, generator=g)
            sd[f"{h}.{part}.bias"] = torch.full((width,), bias)
    for i, width in enumerate((c_dim, STYLE_DIM, STYLE_DIM)):
        sd[f"embedding.{i}.weight"] = torch.randn(STYLE_DIM, width, generator=g)
        sd[f"embedding.{i}.bias"] = torch.zeros(STYLE_DIM)
    return {"g_ema": sd, "g_optim": {}, "latent_avg": torch.zeros(STYLE_DIM), "is_dynagan": True, "human_face": True,
            "embed_mlp": False}, gen.n_latent


def write(out, size):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    ckpt, n_latent = hypergan_clip_checkpoint(size)
    torch.save(ckpt, os.path.join(out, "tge_rbe_final_checkpoint.pt"))
    enc = Encoder4Editing(n_latent, STYLE_DIM, 256)
    dec = {f"decoder.{k}": v for k, v in ckpt["g_ema"].items() if ".hypernet." not in k and not k.startswith("embedding.")}
    torch.save({"state_dict": {**{f"encoder.{k}": v for k, v in enc.state_dict().items()}, **dec},
                "latent_avg": torch.zeros(n_latent, STYLE_DIM), "opts": {"encoder_type": "Encoder4Editing"}},
               os.path.join(out, "e4e_ffhq_encode.pt"))
    clip = TracedClip(EMBED, 224, 12, 768, 16, 77, 49408, 512, 8, 12).eval()
    text = torch.zeros(1, 77, dtype=torch.long)
    text[0, :3] = torch.tensor([49406, 320, 49407])
    with torch.no_grad():
        traced = torch.jit.trace(clip, (torch.randn(1, 3, 224, 224), text), check_trace=False)
    torch.jit.save(traced, os.path.join(out, "ViT-B-16.pt"))
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(build_tokenizer(300).to_json(), f)
    return (f"/usr/bin/python3 -m models.export --preset hypergan-clip --stylegan {out}/tge_rbe_final_checkpoint.pt "
            f"--clip {out}/ViT-B-16.pt --tokenizer {out}/tokenizer.json --e4e {out}/e4e_ffhq_encode.pt --out {out}/pack")


if __name__ == "__main__":
    print(write(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 256))

"""Writes every published layout as a tiny fixture (official_fixtures.py), exports each with the real command line,
and writes beside each pack `expected/*.npy` + expected.json: inputs and the outputs of the independent forward
(official_forward.py). test/parity/official.test.ts runs the engine on these packs and compares.
Usage: /usr/bin/python3 -m models.export.tests.make_official_packs OUT_DIR"""
import contextlib
import io
import json
import os
import sys

import numpy as np
import torch

from models.export.__main__ import main
from models.export.checkpoints import generator_from_state_dict
from models.export.tests import official_fixtures as fx
from models.export.tests import official_forward as ref
from models.export.tokenizer import build_tokenizer

torch.set_grad_enabled(False)


def cli(*argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in argv])
    if code != 0:
        raise SystemExit(f"export failed ({code}): {' '.join(map(str, argv))}: {err.getvalue().strip()}")


def save(out, tensors, meta):
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    for name, t in tensors.items():
        np.save(os.path.join(out, "expected", f"{name}.npy"), t.numpy().astype("<f4"))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(meta, f, indent=1)


def main_(root):
    os.makedirs(root, exist_ok=True)
    files = {}
    ckpt, layers = fx.hypergan_clip_g_ema(4)
    torch.save(ckpt, files.setdefault("hgc", os.path.join(root, "hypergan_clip_g_ema.pt")))
    ffhq, _ = fx.rosinality_checkpoint(4)
    torch.save(ffhq, files.setdefault("ffhq", os.path.join(root, "ffhq.pt")))
    torch.save(fx.e4e_checkpoint(5, 8), files.setdefault("e4e", os.path.join(root, "e4e_ffhq_encode.pt")))
    clips = {"ViT-B/16": fx.clip_torchscript(files.setdefault("clip16", os.path.join(root, "ViT-B-16.pt")), 6, patch=16),
             "ViT-B/32": fx.clip_torchscript(files.setdefault("clip32", os.path.join(root, "ViT-B-32.pt")), 7, patch=32)}
    for da in ("td", "im2im"):
        torch.save(fx.hdn_mapper_checkpoint(layers, da), files.setdefault(da, os.path.join(root, f"mapper_{da}.pt")))
    files["tokenizer"] = os.path.join(root, "tokenizer.json")
    with open(files["tokenizer"], "w") as f:
        json.dump(build_tokenizer(50).to_json(), f)
    fast = ["--style-samples", "256", "--no-reference"]  # tiny fixtures: few StyleCLIP statistics samples
    common = ["--tokenizer", files["tokenizer"], "--e4e", files["e4e"], *fast]
    gen, _ = generator_from_state_dict({k: v for k, v in ckpt["g_ema"].items()
                                        if ".hypernet." not in k and not k.startswith("embedding.")})
    g = torch.Generator().manual_seed(77)
    ws = (0.5 * torch.randn(2, gen.n_latent, gen.style_dim, generator=g))
    embeds = 3 * torch.randn(2, fx.EMBED, generator=g)  # raw CLIP embeddings (norm ~17, like ViT-B/16's ~10)
    pixels = torch.randn(2, 3, 224, 224, generator=g)
    ids = torch.zeros(2, 77, dtype=torch.long)
    ids[:, 0], ids[0, 1:3], ids[1, 1:4], ids[0, 3], ids[1, 4] = 598, torch.tensor([7, 9]), torch.tensor([3, 4, 5]), 599, 599

    def clip_expected(name):
        """What OpenAI's CLIP (the archive's own weights, one head at these sizes) gives for fixed pixels and ids."""
        return {"pixels": pixels, "image_embeds": ref.clip_image(clips[name], pixels, 1), "input_ids": ids.float(),
                "text_embeds": ref.clip_text(clips[name], ids, 1)}

    for formulation in ("residual", "in-weight"):
        out = os.path.join(root, f"hgc-{formulation}")
        cli("--preset", "hypergan-clip", "--stylegan", files["hgc"], "--formulation", formulation,
            "--clip", files["clip16"], "--out", out, *common)
        sd = ckpt["g_ema"]
        cases = {
            "full": ref.hypergan_images(gen, sd, layers, ws, [embeds[:1].repeat(2, 1)], [1.0], formulation),
            "half": ref.hypergan_images(gen, sd, layers, ws, [embeds[:1].repeat(2, 1)], [1.0], formulation, 0.5),
            "blend": ref.hypergan_images(gen, sd, layers, ws, [embeds[:1].repeat(2, 1), embeds[1:].repeat(2, 1)],
                                         [0.5, 0.5], formulation),
        }
        save(out, {"ws": ws, "embeds": embeds, **cases, **clip_expected("ViT-B/16")},
             {"kind": "hypergan-clip", "cases": list(cases)})

    for da in ("td", "im2im"):
        out = os.path.join(root, f"hdn-{da}")
        cli("--preset", "hyperdomainnet", "--stylegan", files["ffhq"], "--hypernet", files[da], "--clip", files["clip32"],
            "--out", out, *common)
        mapper = torch.load(files[da])
        unit = torch.nn.functional.normalize(embeds, dim=1)
        offsets = ref.hdn_mapper(mapper["state_dict"], mapper["mapper_config"], layers, unit)
        gen_ffhq, _ = generator_from_state_dict(ffhq["g_ema"])
        cases = {"full": ref.hdn_images(gen_ffhq, ws, offsets[:1].repeat(2, 1)),
                 "half": ref.hdn_images(gen_ffhq, ws, offsets[:1].repeat(2, 1), 0.5),
                 "blend": ref.hdn_images(gen_ffhq, ws, 0.5 * offsets[:1].repeat(2, 1) + 0.5 * offsets[1:].repeat(2, 1))}
        save(out, {"ws": ws, "embeds": unit, **cases, **clip_expected("ViT-B/32")},
             {"kind": "hyperdomainnet", "cases": list(cases)})
        if da == "td":  # a published single-domain checkpoint (td_checkpoints/*.pt) as a domain vector of this pack
            single = fx.hdn_single_domain_checkpoint(layers)
            torch.save(single, os.path.join(root, "td_anime.pt"))
            cli("--hdn-domain", os.path.join(root, "td_anime.pt"), "--into", out,
                "--out", os.path.join(out, "expected", "single_domain.npy"))
            offsets = torch.cat([v.reshape(-1) for v in single["state_dict"].values()])
            np.save(os.path.join(out, "expected", "single.npy"),
                    ref.hdn_images(gen_ffhq, ws, offsets[None].repeat(2, 1)).numpy().astype("<f4"))

    out = os.path.join(root, "generator-only")
    cli("--stylegan", files["ffhq"], "--clip", files["clip16"], "--tokenizer", files["tokenizer"], "--out", out,
        "--styleclip-relevance", "--relevance-samples", "2", *fast)
    save(out, {"ws": ws, "identity": ref.dense_forward(generator_from_state_dict(ffhq["g_ema"])[0], ws),
               **clip_expected("ViT-B/16")}, {"kind": "generator-only", "cases": []})
    # a NADA generator fine-tuned from ffhq.pt (mapping frozen), imported into the generator-only pack
    nada = {k: (v + 0.05 * torch.randn(v.shape, generator=g)) if k.endswith("conv.weight") and k.startswith("convs.")
            else v for k, v in ffhq["g_ema"].items()}
    torch.save({"g_ema": nada, "g_optim": {}}, os.path.join(root, "nada_sketch.pt"))
    cli("--preset", "nada", "--stylegan", os.path.join(root, "nada_sketch.pt"), "--into", out, "--name", "sketch",
        "--prompt", "pencil sketch")
    np.save(os.path.join(out, "expected", "nada.npy"),
            ref.dense_forward(generator_from_state_dict(nada)[0], ws).numpy().astype("<f4"))


if __name__ == "__main__":
    main_(sys.argv[1])

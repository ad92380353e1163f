"""Loading the official checkpoints (rosinality StyleGAN2 `g_ema`, HyperGAN-CLIP `g_ema` with its hypernetwork,
encoder4editing, OpenAI CLIP) into the export-friendly modules, and adding StyleGAN-NADA generators to a pack."""
import hashlib
import json
import os
import re
import shutil

import torch

from .clip_model import clip_from_state_dict
from .e4e import Encoder4Editing, EncoderWithAverage
from .hypernet import DomainHypernet, OfficialHyperGanClip
from .pack_writer import export_synthesis, file_entry, write_manifest
from .random_models import mean_latent
from .stylegan2 import Generator, layer_table
from .tokenizer import ClipBpe



def load_file(path, role):
    if not path:
        raise ValueError(f"--{role} is required to export from checkpoints (or use --random)")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{role} checkpoint not found: {path}")
    try:
        return torch.load(path, map_location="cpu")
    except Exception:  # OpenAI's CLIP files are TorchScript archives
        try:
            return torch.jit.load(path, map_location="cpu").state_dict()
        except Exception as err:
            raise ValueError(f"{role} checkpoint {path} is neither a torch.save file nor TorchScript: {err}")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def generator_state(ckpt):
    sd = ckpt.get("g_ema", ckpt) if isinstance(ckpt, dict) else ckpt
    if "style.1.weight" not in sd or "conv1.conv.weight" not in sd:
        raise ValueError("not a rosinality stylegan2-pytorch generator: no style.1.weight / conv1.conv.weight "
                         "(expected a .pt with 'g_ema')")
    return sd


def generator_from_state_dict(sd):
    """Builds the Generator whose shapes match `sd` and loads it with strict=True. Hypernetwork keys of a
    HyperGAN-CLIP g_ema are returned apart."""
    n_mlp = len([k for k in sd if re.fullmatch(r"style\.\d+\.weight", k)])
    style_dim = sd["style.1.weight"].shape[0]
    n_rgbs = len({k.split(".")[1] for k in sd if k.startswith("to_rgbs.")})
    channels = {4: sd["conv1.conv.weight"].shape[1]}
    for j in range(n_rgbs):
        channels[2 ** (j + 3)] = sd[f"convs.{2 * j}.conv.weight"].shape[1]
    gen = Generator(2 ** (n_rgbs + 2), style_dim, n_mlp, channels=channels)
    extra = {k: v for k, v in sd.items() if ".hypernet." in k or k.startswith("embedding.")}
    gen.load_state_dict({k: v for k, v in sd.items() if k not in extra}, strict=True)
    return gen.eval(), extra


def hypernet_from_state(sd, gen, method, embed_dim):
    layers = layer_table(gen)
    if "embedding.0.weight" in sd:
        if method != "hypergan-clip":
            raise ValueError("this is a HyperGAN-CLIP hypernetwork; use --preset hypergan-clip")
        c_dim = sd["embedding.0.weight"].shape[1]
        if c_dim != embed_dim:
            raise ValueError(f"the hypernetwork takes {c_dim}-d CLIP embeddings but the CLIP model gives {embed_dim}")
        net = OfficialHyperGanClip(layers, c_dim, gen.style_dim)
        keys = OfficialHyperGanClip.checkpoint_keys([l["name"] for l in layers])
        state = {keys.get(k, k): v for k, v in sd.items() if k in keys or k.startswith("embedding.")}
        net.load_state_dict(state, strict=True)
        return net.eval()
    if "trunk.0.weight" in sd:
        net = DomainHypernet(layers, method, embed_dim, sd["trunk.0.weight"].shape[0])
        net.load_state_dict(sd, strict=True)
        return net.eval()
    raise ValueError("unrecognised hypernetwork checkpoint: expected a HyperGAN-CLIP g_ema (embedding.*, "
                     "<layer>.conv.hypernet.*) or the DomainShift layout (trunk.*, heads.*)")


def encoder_from_checkpoint(ckpt, gen, w_avg):
    sd = ckpt.get("state_dict", ckpt)
    enc_sd = {k[len("encoder."):]: v for k, v in sd.items() if k.startswith("encoder.")}
    if "input_layer.0.weight" not in enc_sd:
        raise ValueError("not an encoder4editing checkpoint: no encoder.input_layer.0.weight")
    # stages start where the block depth changes (IR-SE-50: 3, 4, 14, 3 blocks of 64, 128, 256, 512)
    n_blocks = len({k.split(".")[1] for k in enc_sd if k.startswith("body.")})
    depths = [enc_sd[f"body.{i}.res_layer.1.weight"].shape[0] for i in range(n_blocks)]
    channels, blocks = [], []
    for d in depths:
        if channels and channels[-1] == d:
            blocks[-1] += 1
        else:
            channels.append(d)
            blocks.append(1)
    if len(channels) != 4:
        raise ValueError(f"unsupported e4e backbone: {len(channels)} stages (expected 4)")
    n_styles = len({k.split(".")[1] for k in enc_sd if k.startswith("styles.")})
    if n_styles != gen.n_latent:
        raise ValueError(f"the encoder predicts {n_styles} W+ entries but the generator takes {gen.n_latent}")
    pools = len([k for k in enc_sd if re.fullmatch(r"styles\.0\.convs\.\d+\.weight", k)])
    input_size = 16 * 2 ** pools  # styles.0 reduces c3 (input/16) to 1x1 with one stride-2 conv per halving
    se_reduction = depths[0] // enc_sd["body.0.res_layer.5.fc1.weight"].shape[0]
    enc = Encoder4Editing(n_styles, enc_sd["styles.0.linear.weight"].shape[0], input_size, tuple(channels),
                          tuple(blocks), se_reduction)
    enc.load_state_dict(enc_sd, strict=True)
    latent_avg = ckpt.get("latent_avg") if isinstance(ckpt, dict) else None
    latent_avg = latent_avg if latent_avg is not None else w_avg
    if not e4e_starts_from_latent_avg(ckpt):  # e4e adds latent_avg only when its opts say so
        latent_avg = torch.zeros_like(latent_avg)
    return EncoderWithAverage(enc.eval(), latent_avg), input_size


def e4e_starts_from_latent_avg(ckpt):
    """opts.start_from_latent_avg of an e4e checkpoint (a dict or an argparse Namespace); true when absent, as in
    every released checkpoint."""
    opts = ckpt.get("opts") if isinstance(ckpt, dict) else None
    value = opts.get("start_from_latent_avg") if isinstance(opts, dict) else getattr(opts, "start_from_latent_avg", None)
    return True if value is None else bool(value)


def load_checkpoints(args):
    gen_ckpt = load_file(args.stylegan, "stylegan")
    gen, hyper_extra = generator_from_state_dict(generator_state(gen_ckpt))
    w_avg = gen_ckpt.get("latent_avg") if isinstance(gen_ckpt, dict) else None
    w_avg = w_avg.reshape(-1, gen.style_dim)[0] if w_avg is not None else mean_latent(gen, 10000)
    clip = clip_from_state_dict(load_file(args.clip, "clip")).eval()
    embed_dim = clip.text_projection.shape[1]
    if args.hypernet:
        hyper_ckpt = load_file(args.hypernet, "hypernet")
        hyper_sd = hyper_ckpt.get("g_ema", hyper_ckpt.get("state_dict", hyper_ckpt))
    else:
        hyper_sd = hyper_extra
    hyper = hypernet_from_state(hyper_sd, gen, args.preset, embed_dim)
    encoder, encoder_resolution = encoder_from_checkpoint(load_file(args.e4e, "e4e"), gen, w_avg)
    if not args.tokenizer or not os.path.isfile(args.tokenizer):
        raise FileNotFoundError("real packs need CLIP's own tokenizer.json (--tokenizer), e.g. the one of "
                                "openai/clip-vit-base-patch32; none can be downloaded here")
    tokenizer_json = json.load(open(args.tokenizer, encoding="utf-8"))
    if tokenizer_json.get("model", {}).get("type") != "BPE":
        raise ValueError(f"{args.tokenizer} is not a Hugging Face BPE tokenizer.json")
    tokenizer = ClipBpe.from_json(tokenizer_json)
    if max(tokenizer.vocab.values()) >= clip.token_embedding.num_embeddings:
        raise ValueError(f"{args.tokenizer} has ids past the CLIP model's {clip.token_embedding.num_embeddings}-token vocabulary")
    tokenizer.source_json = tokenizer_json  # written to the pack unchanged
    parts = {"generator": gen, "hypernet": hyper, "encoder": encoder, "clip": clip, "tokenizer": tokenizer,
             "w_avg": w_avg, "encoder_resolution": encoder_resolution, "clip_model": f"ViT (width {clip.visual.conv1.out_channels}, "
             f"patch {clip.visual.conv1.kernel_size[0]})"}
    if isinstance(hyper, OfficialHyperGanClip):  # one raw CLIP embedding, as the official model was trained
        recipe = {"target": "text", "source": "zeros", "normalize": False}
        parts["condition"] = {"text": recipe, "image": dict(recipe, target="image")}
    roles = [("stylegan", args.stylegan), ("hypernet", args.hypernet), ("e4e", args.e4e), ("clip", args.clip),
             ("tokenizer", args.tokenizer)]
    provenance = {"source": "checkpoints", "checkpoints": [
        {"role": role, "file": os.path.basename(path), "sha256": sha256_file(path)} for role, path in roles if path]}
    return parts, provenance


def add_nada_domain(path, pack_dir, name, prompt=None):
    """A StyleGAN-NADA generator becomes `domains/NAME/synthesis.onnx` with the pack's inputs."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name):
        raise ValueError("--name must be lowercase letters, digits, '-' or '_' (at most 64)")
    manifest_path = os.path.join(pack_dir, "pack.json")
    if not os.path.isfile(manifest_path):
        raise FileNotFoundError(f"no pack.json in {pack_dir}")
    manifest = json.load(open(manifest_path, encoding="utf-8"))
    gen, _ = generator_from_state_dict(generator_state(load_file(path, "stylegan")))
    if (gen.size, gen.n_latent, gen.style_dim) != (manifest["resolution"], manifest["numWs"], manifest["latentDim"]):
        raise ValueError(f"the NADA generator ({gen.size} px, {gen.n_latent}×{gen.style_dim}) does not match the "
                         f"pack ({manifest['resolution']} px, {manifest['numWs']}×{manifest['latentDim']})")
    rel = f"domains/{name}/synthesis.onnx"
    if os.path.isdir(os.path.join(pack_dir, "domains", name)):
        shutil.rmtree(os.path.join(pack_dir, "domains", name))
    synth = export_synthesis(gen, manifest["method"], os.path.join(pack_dir, rel))
    if (synth.D, synth.S) != (manifest["domainDim"], manifest["styleDim"]):
        raise ValueError("the NADA generator's layer widths differ from the pack's generator")
    entry = {"name": name, "synthesis": file_entry(pack_dir, rel)}
    if prompt:
        entry["prompt"] = prompt
    manifest["domains"] = [d for d in manifest.get("domains", []) if d["name"] != name] + [entry]
    write_manifest(pack_dir, manifest)
    return entry

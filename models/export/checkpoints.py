"""Loading the official checkpoints (rosinality StyleGAN2 `g_ema`, HyperGAN-CLIP `g_ema` with its hypernetworks,
HyperDomainNet mappers, encoder4editing, OpenAI CLIP) into the export-friendly modules."""
import json
import os
import re

import torch

from .clip_model import clip_from_state_dict, image_size
from .domain_layout import DEFAULT_SLOTS, SLOTTED
from .e4e import Encoder4Editing, EncoderWithAverage
from .hdn import mapper_from_checkpoint
from .hypernet import DomainHypernet, OfficialHyperGanClip
from .loading import clip_name, load_file, sha256_file
from .random_models import mean_latent
from .stylegan2 import Generator, layer_table
from .tokenizer import ClipBpe

HYPERGAN_CLIP = "ViT-B/16"  # every official HyperGAN-CLIP script encodes its conditions with ViT-B/16
HYPERDOMAINNET_CLIP = "ViT-B/32"  # HyperDomainNet's mapper encoder (trainers.py)


def generator_state(ckpt):
    sd = ckpt.get("g_ema", ckpt) if isinstance(ckpt, dict) else ckpt
    if not isinstance(sd, dict) or "style.1.weight" not in sd or "conv1.conv.weight" not in sd:
        raise ValueError("not a rosinality stylegan2-pytorch generator: no style.1.weight / conv1.conv.weight "
                         "(expected a .pt with 'g_ema')")
    return sd


def generator_from_state_dict(sd):
    """Builds the Generator whose shapes match `sd` and loads it with strict=True. Hypernetwork keys of a
    HyperGAN-CLIP g_ema (and its unused `embedding.*`) are returned apart."""
    n_mlp = len([k for k in sd if re.fullmatch(r"style\.\d+\.weight", k)])
    style_dim = sd["style.1.weight"].shape[0]
    n_rgbs = len({k.split(".")[1] for k in sd if k.startswith("to_rgbs.")})
    channels = {4: sd["conv1.conv.weight"].shape[1]}
    for j in range(n_rgbs):
        channels[2 ** (j + 3)] = sd[f"convs.{2 * j}.conv.weight"].shape[1]
    gen = Generator(2 ** (n_rgbs + 2), style_dim, n_mlp, channels=channels)
    extra = {k: v for k, v in sd.items() if ".hypernet." in k or k.startswith("embedding.")}
    try:
        gen.load_state_dict({k: v for k, v in sd.items() if k not in extra}, strict=True)
    except RuntimeError as err:
        raise ValueError(f"the generator's keys are not rosinality's: {str(err).splitlines()[1].strip()[:200]}")
    return gen.eval(), extra


def official_hypergan_clip(sd, gen, embed_dim, formulation, slots):
    layers = layer_table(gen)
    names = [l["name"] for l in layers]
    if any(".hypernet.dom_scale." in k for k in sd):
        raise ValueError("this HyperGAN-CLIP checkpoint uses the 'scaled' hypernet variant (dom_scale), which is not supported")
    if f"{names[0]}.conv.hypernet.out_channel_estimator.weight" not in sd:
        raise ValueError("this HyperGAN-CLIP checkpoint has no residual estimators (trained with no_residual), "
                         "which is not supported")
    scaling = f"{names[0]}.conv.hypernet.domain_modulation.weight" in sd
    width = sd[f"{names[0]}.conv.hypernet.out_channel_estimator.weight"].shape[1]
    if width != embed_dim:
        raise ValueError(f"the HyperGAN-CLIP hypernetworks take {width}-d CLIP embeddings but --clip gives {embed_dim}-d "
                         f"(they were trained with {HYPERGAN_CLIP})")
    net = OfficialHyperGanClip(layers, width, formulation=formulation, scaling=scaling, slots=slots)
    keys = OfficialHyperGanClip.checkpoint_keys(names, scaling)
    missing = [k for k in keys if k not in sd]
    if missing:
        raise ValueError(f"the HyperGAN-CLIP checkpoint lacks {missing[0]} ({len(missing)} hypernet keys missing)")
    try:
        net.load_state_dict({v: sd[k] for k, v in keys.items()}, strict=True)
    except RuntimeError as err:
        raise ValueError(f"the HyperGAN-CLIP hypernetworks do not fit this generator: {str(err).splitlines()[1].strip()[:200]}")
    raw = {"target": "text", "source": "zeros", "normalize": False}
    return net.eval(), {"trainedWith": HYPERGAN_CLIP, "condition": {"text": raw, "image": dict(raw, target="image")}}


def hypernet_from_checkpoint(ckpt, gen, method, embed_dim, formulation="residual", slots=DEFAULT_SLOTS):
    """(module, info): info has the CLIP model it was trained with and the condition recipe, where known."""
    if isinstance(ckpt, dict) and "model_type" in ckpt:  # HyperDomainNet
        if ckpt["model_type"] == "parameterization":
            raise ValueError("this HyperDomainNet checkpoint is one fixed domain, not a mapper: add it to a pack with "
                             "--hdn-domain FILE --into PACK --out FILE.npy")
        if ckpt["model_type"] != "mapper":
            raise ValueError(f"HyperDomainNet model_type {ckpt['model_type']!r} is not supported (mapper or parameterization)")
        if method != "hyperdomainnet":
            raise ValueError("this is a HyperDomainNet mapper; use --preset hyperdomainnet")
        width = ckpt["mapper_config"]["input_dimension"]
        if width != embed_dim:
            raise ValueError(f"the HyperDomainNet mapper takes {width}-d CLIP embeddings but --clip gives {embed_dim}-d")
        target = "image" if ckpt.get("da_type") == "im2im" else "text"
        unit = {"target": target, "source": "zeros", "normalize": True}
        condition = {"text": dict(unit, target="text"), "image": dict(unit, target="image")}
        return mapper_from_checkpoint(ckpt, layer_table(gen)), {
            "trainedWith": ckpt.get("clip_encoder") or HYPERDOMAINNET_CLIP, "condition": condition}
    sd = ckpt.get("g_ema", ckpt.get("state_dict", ckpt)) if isinstance(ckpt, dict) else ckpt
    if not isinstance(sd, dict):
        raise ValueError("unrecognised hypernetwork checkpoint: not a dict of tensors")
    if any(".conv.hypernet." in k for k in sd):
        if method != "hypergan-clip":
            raise ValueError("this is a HyperGAN-CLIP hypernetwork; use --preset hypergan-clip")
        if formulation not in SLOTTED:
            raise ValueError(f"--formulation {formulation} is this project's own; an official HyperGAN-CLIP g_ema runs "
                             "as residual (model.py) or in-weight (model_old.py)")
        return official_hypergan_clip(sd, gen, embed_dim, formulation, slots)
    if "trunk.0.weight" in sd:
        net = DomainHypernet(layer_table(gen), method, embed_dim, sd["trunk.0.weight"].shape[0], slots, formulation)
        try:
            net.load_state_dict(sd, strict=True)
        except RuntimeError as err:
            raise ValueError(f"the DomainShift hypernetwork does not fit: {str(err).splitlines()[1].strip()[:200]}")
        return net.eval(), {}
    raise ValueError("unrecognised hypernetwork checkpoint: expected a HyperGAN-CLIP g_ema (<layer>.conv.hypernet.*), "
                     "a HyperDomainNet mapper (model_type, mapper_config, state_dict) or the DomainShift layout (trunk.*, heads.*)")


def encoder_from_checkpoint(ckpt, gen, w_avg):
    sd = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else {}
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
    try:
        enc.load_state_dict(enc_sd, strict=True)
    except RuntimeError as err:
        raise ValueError(f"the e4e encoder's keys do not fit: {str(err).splitlines()[1].strip()[:200]}")
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


def load_tokenizer(path, clip):
    if not path or not os.path.isfile(path):
        raise FileNotFoundError("real packs need CLIP's own tokenizer.json (--tokenizer), e.g. the one of "
                                "openai/clip-vit-base-patch32; none can be downloaded here")
    try:
        with open(path, encoding="utf-8") as f:
            tokenizer_json = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path} is not a JSON file: {err}")
    if tokenizer_json.get("model", {}).get("type") != "BPE":
        raise ValueError(f"{path} is not a Hugging Face BPE tokenizer.json")
    tokenizer = ClipBpe.from_json(tokenizer_json)
    if max(tokenizer.vocab.values()) >= clip.token_embedding.num_embeddings:
        raise ValueError(f"{path} has ids past the CLIP model's {clip.token_embedding.num_embeddings}-token vocabulary")
    tokenizer.source_json = tokenizer_json  # written to the pack unchanged
    return tokenizer


def load_clip(path):
    sd = load_file(path, "clip")
    if not isinstance(sd, dict) or "visual.conv1.weight" not in sd:
        raise ValueError(f"{path} is not an OpenAI CLIP checkpoint (no visual.conv1.weight)")
    try:
        return clip_from_state_dict(sd).eval()
    except RuntimeError as err:
        raise ValueError(f"{path} does not load as an OpenAI CLIP ViT: {str(err).splitlines()[0][:200]}")


@torch.no_grad()
def image_embedding_norm(gen, clip, w_avg, samples=8, truncation=0.7):
    """Mean length of the CLIP image embeddings of the generator's own samples (fixed seed): the scale at which
    HyperGAN-CLIP's hypernetworks saw their conditions. A text embedding is L2-normalised and scaled to it."""
    from .reference import clip_pixels
    from .stylegan2 import Synthesis

    synth = Synthesis(gen, "hyperdomainnet")
    w = gen.style(torch.randn(samples, gen.style_dim, generator=torch.Generator().manual_seed(0)))
    ws = (w_avg + truncation * (w - w_avg))[:, None].repeat(1, gen.n_latent, 1)
    images = synth(ws, synth.identity()[None].repeat(samples, 1), torch.zeros(samples, synth.S))
    return round(float(clip.encode_image(clip_pixels(images, image_size(clip))).norm(dim=1).mean()), 4)


def load_checkpoints(args):
    gen_ckpt = load_file(args.stylegan, "stylegan")
    gen, hyper_extra = generator_from_state_dict(generator_state(gen_ckpt))
    w_avg = gen_ckpt.get("latent_avg") if isinstance(gen_ckpt, dict) else None
    w_avg = w_avg.reshape(-1, gen.style_dim)[0].float() if w_avg is not None else mean_latent(gen, 10000)
    clip = load_clip(args.clip)
    embed_dim = clip.text_projection.shape[1]
    formulation = getattr(args, "formulation", "residual")
    slots = getattr(args, "blend_slots", DEFAULT_SLOTS)
    hyper_ckpt = load_file(args.hypernet, "hypernet") if args.hypernet else (hyper_extra or None)
    hyper, info = (hypernet_from_checkpoint(hyper_ckpt, gen, args.preset, embed_dim, formulation, slots)
                   if hyper_ckpt is not None else (None, {}))
    name = clip_name(clip)
    trained = info.get("trainedWith")
    if trained and name.startswith("ViT-") and "/" in name and name != trained:
        raise ValueError(f"the hypernetwork was trained with CLIP {trained} but --clip is {name}; give the {trained} "
                         "checkpoint (clip.load downloads it as " f"{trained.replace('/', '-')}.pt)")
    encoder, encoder_resolution = (encoder_from_checkpoint(load_file(args.e4e, "e4e"), gen, w_avg) if args.e4e
                                   else (None, None))
    parts = {"generator": gen, "hypernet": hyper, "encoder": encoder, "clip": clip,
             "tokenizer": load_tokenizer(args.tokenizer, clip), "w_avg": w_avg,
             "encoder_resolution": encoder_resolution, "clip_model": name, "slots": slots, "formulation": formulation}
    if trained:
        parts["hypernet_clip"] = trained
    if "condition" in info:
        parts["condition"] = info["condition"]
        if isinstance(hyper, OfficialHyperGanClip):  # trained on raw image embeddings: text is norm-matched to them
            parts["condition"]["text"] = {"target": "text", "source": "zeros", "normalize": True,
                                          "norm": image_embedding_norm(gen, clip, w_avg)}
    roles = [("stylegan", args.stylegan), ("hypernet", args.hypernet), ("e4e", args.e4e), ("clip", args.clip),
             ("tokenizer", args.tokenizer)]
    provenance = {"source": "checkpoints", "checkpoints": [
        {"role": role, "file": os.path.basename(path), "sha256": sha256_file(path)} for role, path in roles if path]}
    return parts, provenance

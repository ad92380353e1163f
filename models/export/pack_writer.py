"""Writes a pack folder: the ONNX graphs, w_avg.bin, identity_domain.bin, clip/tokenizer.json, reference/ and
pack.json (exactly the schema of src/engine/manifest.ts)."""
import hashlib
import json
import os
import warnings

import numpy as np
import onnx
import torch

from . import EXPORTER_VERSION
from .clip_model import TextTower, VisionTower, image_size
from .configs import CLIP_MEAN, CLIP_STD, DEFAULT_TRUNCATION, fine_layers_from
from .domain_layout import DEFAULT_SLOTS, manifest_layout
from .lean import LeanSynthesis
from .stylegan2 import Mapping, Styles, Synthesis, layer_table

OPSET = 17


def export_onnx(module, args, path, input_names, output_names):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    axes = {name: {0: "batch"} for name in input_names + output_names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about python ints from shapes (static dims)
        torch.onnx.export(module.eval(), args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
    # the exporter's shape inference loses static sizes after some ops: write every output's [batch, ...]
    outputs = module(*args)
    outputs = outputs if isinstance(outputs, (tuple, list)) else [outputs]
    model = onnx.load(path)
    for value, tensor in zip(model.graph.output, outputs):
        dims = value.type.tensor_type.shape.dim
        for i, size in enumerate(tensor.shape):
            if i == 0:
                dims[i].dim_param = "batch"
            else:
                dims[i].dim_value = int(size)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def file_entry(pack_dir, rel):
    with open(os.path.join(pack_dir, rel), "rb") as f:
        data = f.read()
    return {"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_f32(path, tensor):
    np.asarray(tensor.detach().cpu().numpy(), dtype="<f4").tofile(path)


@torch.no_grad()
def export_synthesis(generator, method, path, slots=DEFAULT_SLOTS, formulation="residual", random_noise=False,
                     graph_method=None):
    """Traces lean.LeanSynthesis (the same numbers as stylegan2.Synthesis in a smaller graph; graph_method "none":
    the plain generator, which draws the identity domain) and returns the Synthesis, which the reference uses."""
    synth = Synthesis(generator, method, slots, formulation).eval()
    synth.random_noise = random_noise
    for module in generator.modules():
        if hasattr(module, "freeze_energy"):
            module.freeze_energy()
    ws = torch.randn(2, generator.n_latent, generator.style_dim)
    domain = synth.identity()[None].repeat(2, 1)
    # method "none" reads no domain: the traced graph has only ws and style_delta as inputs
    export_onnx(LeanSynthesis(synth, graph_method).eval(), (ws, domain, torch.zeros(2, synth.S)), path,
                ["ws", "domain", "style_delta"], ["images"])
    return synth


@torch.no_grad()
def export_styles(generator, path):
    ws = torch.randn(2, generator.n_latent, generator.style_dim)
    export_onnx(Styles(generator).eval(), (ws,), path, ["ws"], ["styles"])


@torch.no_grad()
def export_graphs(parts, method, out):
    gen, clip = parts["generator"], parts["clip"]
    e = parts["encoder_resolution"]
    export_onnx(Mapping(gen), (torch.randn(2, gen.style_dim),), f"{out}/mapping.onnx", ["z"], ["w"])
    slots, formulation = parts.get("slots", DEFAULT_SLOTS), parts.get("formulation", "residual")
    synth = export_synthesis(gen, method, f"{out}/synthesis.onnx", slots, formulation)
    # the identity domain's pictures (every "before" row) without the domain branch: inputs ws and style_delta
    export_synthesis(gen, method, f"{out}/synthesis_identity.onnx", slots, formulation, graph_method="none")
    export_styles(gen, f"{out}/styles.onnx")
    emb = clip.text_projection.shape[1]
    if parts["hypernet"] is not None:
        export_onnx(parts["hypernet"], (torch.randn(2, emb), torch.randn(2, emb)), f"{out}/hypernet.onnx",
                    ["target", "source"], ["domain"])
    if parts["encoder"] is not None:
        export_onnx(parts["encoder"], (torch.rand(2, 3, e, e) * 2 - 1,), f"{out}/encoder.onnx", ["images"], ["ws"])
    ids = torch.tensor([parts["tokenizer"].encode("a photo of a face", clip.context_length)] * 2, dtype=torch.int64)
    export_onnx(TextTower(clip), (ids,), f"{out}/clip/text.onnx", ["input_ids"], ["text_embeds"])
    export_onnx(VisionTower(clip), (torch.randn(2, 3, image_size(clip), image_size(clip)),), f"{out}/clip/vision.onnx",
                ["pixel_values"], ["image_embeds"])
    return synth


def write_pack(parts, method, out, *, name, description, random_weights, provenance, subject="faces",
               clip_model="ViT-B/32", encoder_alignment="ffhq", default_source="a photo of a face",
               truncation=DEFAULT_TRUNCATION, reference=True, style_relevance=None, style_stats=None, stats_samples=None,
               relevance_samples=None, styleclip_text=None):
    """style_stats: (mean, std) of the style channels (relevance.style_stats), computed here when not given;
    styleclip_text: pack.json `styleclip.text` (StyleCLIP edit texts in the pack's own words), absent when None."""
    from .nada import mapping_probe  # late imports: these import this module
    from .reference import write_reference
    from .relevance import STATS_SAMPLES, covered_channels, style_stats as compute_stats, styleclip_manifest

    os.makedirs(f"{out}/clip", exist_ok=True)
    gen = parts["generator"]
    synth = export_graphs(parts, method, out)
    layers = layer_table(gen)
    write_f32(f"{out}/w_avg.bin", parts["w_avg"])
    write_f32(f"{out}/identity_domain.bin", synth.identity())
    with open(f"{out}/clip/tokenizer.json", "w", encoding="utf-8") as f:
        tok = parts["tokenizer"]
        json.dump(getattr(tok, "source_json", None) or tok.to_json(), f, ensure_ascii=False)
    files = {"mapping": "mapping.onnx", "synthesis": "synthesis.onnx", "hypernet": "hypernet.onnx",
             "encoder": "encoder.onnx", "clipText": "clip/text.onnx", "clipVision": "clip/vision.onnx",
             "tokenizer": "clip/tokenizer.json", "wAvg": "w_avg.bin", "identityDomain": "identity_domain.bin",
             "styles": "styles.onnx", "styleStats": "style_stats.bin", "synthesisIdentity": "synthesis_identity.onnx"}
    if parts["hypernet"] is None:  # a pack from a generator alone: /edit and imported domains, no /adapt from text
        del files["hypernet"]
    if parts["encoder"] is None:
        del files["encoder"]
    stats_samples = stats_samples or STATS_SAMPLES
    if style_stats is None:
        style_stats = compute_stats(gen, parts["w_avg"], truncation, stats_samples)
    write_f32(f"{out}/style_stats.bin", torch.stack(style_stats))
    if style_relevance is not None:
        write_f32(f"{out}/style_relevance.bin", style_relevance)
        files["styleRelevance"] = "style_relevance.bin"
    if reference:
        write_reference(parts, method, synth, f"{out}/reference", truncation)
    layout = manifest_layout(layers, method, synth.slots, synth.formulation)
    condition = parts.get("condition") or {"text": {"target": "text", "source": "text", "normalize": True},
                                           "image": {"target": "image", "source": "text", "normalize": True}}
    manifest = {
        "contract": 1, "name": name, "method": method, "description": description,
        "randomWeights": random_weights, "subject": subject,
        "resolution": gen.size, "numWs": gen.n_latent, "latentDim": gen.style_dim,
        "domainDim": synth.D, "styleDim": synth.S, "embedDim": int(parts["clip"].text_projection.shape[1]),
        "truncation": truncation, "fineLayersFrom": fine_layers_from(gen.n_latent),
        "defaultSource": default_source,
        "condition": condition,
        "clip": {"model": clip_model, "imageSize": image_size(parts["clip"]),
                 **({"hypernetTrainedWith": parts["hypernet_clip"]} if parts.get("hypernet_clip") else {}),
                 "mean": list(CLIP_MEAN), "std": list(CLIP_STD),
                 "contextLength": parts["clip"].context_length, "textInputs": ["input_ids"], "textOutput": "text_embeds",
                 "imageOutput": "image_embeds"},
        "encoder": {"resolution": parts["encoder_resolution"] or gen.size, "alignment": encoder_alignment},
        "files": {role: file_entry(out, rel) for role, rel in files.items()},
        "domains": [],
        "mappingProbe": mapping_probe(gen),
        **({"domainLayout": layout} if layout else {}),
        "styleclip": styleclip_manifest(stats_samples, truncation, covered_channels(gen),
                                        relevance_samples if style_relevance is not None else None,
                                        text=styleclip_text),
        "provenance": dict(provenance, exporter=f"{EXPORTER_VERSION}; torch {torch.__version__}"),
    }
    write_manifest(out, manifest)
    return manifest


def read_manifest(pack_dir):
    """A pack's pack.json, or a one-line FileNotFoundError naming the folder."""
    path = os.path.join(pack_dir, "pack.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no pack.json in {pack_dir}")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_manifest(out, manifest):
    with open(f"{out}/pack.json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

"""StyleGAN-NADA generators ({g_ema, g_optim}: a whole fine-tuned rosinality generator) as pack domains:
`domains/NAME/synthesis.onnx` with the pack's inputs. NADA samples through the frozen source mapping, so a
generator whose mapping differs from the pack's was trained from another base model and is refused."""
import os
import re
import shutil

import torch

from .checkpoints import generator_from_state_dict, generator_state
from .domain_layout import layout_of
from .loading import load_file
from .pack_writer import export_synthesis, file_entry, read_manifest, write_manifest

PROBE_SEED, PROBE_SAMPLES, PROBE_DIRECTIONS = 1234, 2, 8


@torch.no_grad()
def mapping_probe(gen):
    """16 numbers that identify a mapping network: w of two fixed z, projected on eight fixed directions."""
    g = torch.Generator().manual_seed(PROBE_SEED)
    z = torch.randn(PROBE_SAMPLES, gen.style_dim, generator=g)
    directions = torch.randn(PROBE_DIRECTIONS, gen.style_dim, generator=g) / gen.style_dim ** 0.5
    return [round(float(v), 6) for v in (gen.style(z) @ directions.t()).flatten()]


def same_mapping(probe, other):
    scale = max(1.0, max(abs(v) for v in probe))
    return len(probe) == len(other) and max(abs(a - b) for a, b in zip(probe, other)) <= 1e-4 * scale


def add_nada_domain(path, pack_dir, name, prompt=None, random_noise=False):
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", name):
        raise ValueError("--name must be lowercase letters, digits, '-' or '_' (at most 64)")
    manifest = read_manifest(pack_dir)
    gen, _ = generator_from_state_dict(generator_state(load_file(path, "stylegan")))
    if (gen.size, gen.n_latent, gen.style_dim) != (manifest["resolution"], manifest["numWs"], manifest["latentDim"]):
        raise ValueError(f"the NADA generator ({gen.size} px, {gen.n_latent}×{gen.style_dim}) does not match the "
                         f"pack ({manifest['resolution']} px, {manifest['numWs']}×{manifest['latentDim']})")
    probe = manifest.get("mappingProbe")
    if probe is not None and not same_mapping(probe, mapping_probe(gen)):
        raise ValueError("the NADA generator's mapping network differs from the pack's: it was fine-tuned from "
                         "another base generator (export a pack from that one, or use the NADA file made from this pack's)")
    rel = f"domains/{name}/synthesis.onnx"
    if os.path.isdir(os.path.join(pack_dir, "domains", name)):
        shutil.rmtree(os.path.join(pack_dir, "domains", name))
    slots, formulation = layout_of(manifest)
    synth = export_synthesis(gen, manifest["method"], os.path.join(pack_dir, rel), slots, formulation,
                             random_noise=random_noise)
    if (synth.D, synth.S) != (manifest["domainDim"], manifest["styleDim"]):
        raise ValueError("the NADA generator's layer widths differ from the pack's generator")
    entry = {"name": name, "synthesis": file_entry(pack_dir, rel)}
    if prompt:
        entry["prompt"] = prompt
    if random_noise:
        entry["noise"] = "random"
    manifest["domains"] = [d for d in manifest.get("domains", []) if d["name"] != name] + [entry]
    write_manifest(pack_dir, manifest)
    return entry

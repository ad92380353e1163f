"""The trained parts -> a pack, through the exporter's own writer (the same path as a pack made from official
checkpoints), plus the NADA domain through `--preset nada`'s importer."""
import os

import torch

from models.export.clip_model import image_size
from models.export.nada import add_nada_domain
from models.export.pack_writer import write_manifest, write_pack
from models.export.relevance import STATS_SAMPLES, compute_relevance, eta_printer, style_stats

from .captions import STYLE_PHRASES, styleclip_text, vocabulary
from .world import HELD_OUT_STYLES, RES, TRAINED_STYLES

DESCRIPTION = (
    "The bundled demo pack, trained here from scratch on a procedural world of cartoon faces ({res} px): a small CLIP, "
    "a StyleGAN2 of the 'photo' style, an e4e encoder and a HyperGAN-CLIP hypernetwork, all trained on 2 CPU cores "
    "(models/train). It knows only its world's words: styles {trained} (trained) and {held} (reached through CLIP "
    "alone), faces with hair colours, glasses, smiles. Real photos are outside its world. For real faces export a pack "
    "from the official checkpoints.")


# StyleCLIP relevance with the official recipe (±5σ around the channel mean) on fewer samples than the official 100:
# the world's CLIP is small and the CPU budget is the demo's
RELEVANCE_SAMPLES = {"demo": 24, "micro": 2}
TRUNCATION = 1.0  # a distilled generator draws every z well: no truncation needed
# /edit strength 1 = StyleCLIP α 1.5 on this pack (the engine's default is 3): the world's generator spreads its style
# channels so little that 3 σ-scaled steps restyle the face (docs/demo-pack.md, the edit rows at strengths 0.3-1)
STANDARD_EDIT_ALPHA = 1.5


def export(parts, nada_generator, nada, out, work, config, timings):
    trained = ", ".join(f"'{STYLE_PHRASES[s][0]}'" for s in TRAINED_STYLES)
    held = ", ".join(f"'{STYLE_PHRASES[s][0]}'" for s in HELD_OUT_STYLES)
    provenance = {"source": "trained", "config": config, "trainer": "models/train", "world_resolution": RES,
                  "trained_styles": TRAINED_STYLES, "held_out_styles": HELD_OUT_STYLES,
                  "training_seconds": dict(timings), "checkpoints": []}
    stats = style_stats(parts["generator"], parts["w_avg"], TRUNCATION, STATS_SAMPLES)
    samples = RELEVANCE_SAMPLES[config]
    relevance = compute_relevance(parts, "hypergan-clip", samples, TRUNCATION, stats, progress=eta_printer("relevance"))
    manifest = write_pack(parts, "hypergan-clip", out, name=f"demo-world-{RES}", description=DESCRIPTION.format(
        res=RES, trained=trained, held=held), random_weights=False, provenance=provenance, subject="faces",
        clip_model=f"world CLIP (ViT, {image_size(parts['clip'])} px, trained in models/train)",
        default_source="a photo of a face", truncation=TRUNCATION, reference=True, style_relevance=relevance,
        style_stats=stats, stats_samples=STATS_SAMPLES, relevance_samples=samples, styleclip_text=styleclip_text())
    manifest["vocabulary"] = vocabulary()
    manifest["styleclip"]["alphaPerStrength"] = STANDARD_EDIT_ALPHA
    write_manifest(out, manifest)
    path = os.path.join(work, f"nada-{nada['name']}-g_ema.pt")
    torch.save({"g_ema": nada_generator.state_dict()}, path)
    add_nada_domain(path, out, nada["name"], nada["target"])

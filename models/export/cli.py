"""What each command-line mode does."""
import os

from .configs import DEFAULT_TRUNCATION
from .pack_writer import read_manifest, write_pack

RANDOM_DESCRIPTION = (
    "Random weights ({config}, seed {seed}, {method}): a real StyleGAN2 + hypernetwork + e4e + CLIP pipeline "
    "whose weights were never trained. The pictures are abstract patterns, not faces, and CLIP understands "
    "nothing; the pack exists so that the whole product runs and can be tested without downloading weights. "
    "Real packs are exported from the official checkpoints with the same tool.")


def run(args):
    if args.preset == "nada":
        from .nada import add_nada_domain
        if not (args.stylegan and args.into and args.name):
            raise ValueError("--preset nada needs --stylegan NADA.pt --into PACK --name NAME")
        add_nada_domain(args.stylegan, args.into, args.name, args.prompt, args.random_noise)
        print(f"added domain {args.name!r} to {args.into}")
        return
    if args.hdn_domain:
        from .domain_vectors import write_hdn_domain
        path = write_hdn_domain(args.hdn_domain, args.into, args.out)
        print(f"wrote {path}")
        return
    if args.random and (args.stylegan or args.hypernet or args.e4e or args.clip):
        raise ValueError("--random makes random weights and cannot use --stylegan, --hypernet, --e4e or --clip")
    if args.blend_slots < 1 or args.blend_slots > 16:
        raise ValueError("--blend-slots must be between 1 and 16")
    if args.fp16_synthesis and args.into and not args.out and not args.styleclip_relevance:
        from .fp16 import add_fp16_synthesis
        info = add_fp16_synthesis(args.into)
        print(f"wrote {args.into}/synthesis_fp16.onnx ({info['islands']} nodes kept in fp32)")
        return
    if args.styleclip_relevance and args.into and not args.out:
        from .relevance import add_relevance
        add_relevance(args.into, args.relevance_samples, args.style_samples)
        print(f"wrote {args.into}/styles.onnx, style_stats.bin and style_relevance.bin")
        return
    if not args.preset:
        if args.random or args.hypernet:
            raise ValueError("choose a method: --preset hypergan-clip or --preset hyperdomainnet")
        args.preset = "hyperdomainnet"  # a generator alone: the smallest domain layout (one multiplier a channel)
    if not args.out:
        raise ValueError("--out PACK is required")
    os.makedirs(args.out, exist_ok=True)
    if args.random:
        from .random_models import build_random
        parts = build_random(args.config, args.preset, args.seed, args.formulation, args.blend_slots)
        name = args.name or f"random-{args.config}-{args.preset}"
        description = args.description or RANDOM_DESCRIPTION.format(config=args.config, seed=args.seed,
                                                                     method=args.preset)
        provenance = {"source": "random", "seed": args.seed, "config": args.config, "checkpoints": []}
        random_weights = True
        clip_cfg = parts["clip"].visual
        clip_model = f"random ViT (width {clip_cfg.conv1.out_channels}, patch {clip_cfg.conv1.kernel_size[0]})"
    else:
        from .checkpoints import load_checkpoints
        parts, provenance = load_checkpoints(args)
        name = args.name or f"{args.preset}-{parts['generator'].size}"
        description = args.description or f"{args.preset} exported from official checkpoints."
        random_weights = False
        clip_model = parts.get("clip_model", "ViT-B/32")
        if parts["hypernet"] is None:
            description = args.description or ("Exported from a generator alone: StyleCLIP edits and imported "
                                               "domains, no hypernetwork (no /adapt from text or pictures).")
    from .relevance import compute_relevance, eta_printer, style_stats
    stats = style_stats(parts["generator"], parts["w_avg"], DEFAULT_TRUNCATION, args.style_samples)
    relevance = None
    if args.styleclip_relevance:
        relevance = compute_relevance(parts, args.preset, args.relevance_samples, DEFAULT_TRUNCATION, stats,
                                      progress=eta_printer("StyleCLIP relevance"))
    manifest = write_pack(parts, args.preset, args.out, name=name, description=description,
                          random_weights=random_weights, provenance=provenance, subject=args.subject,
                          reference=not args.no_reference, style_relevance=relevance,
                          style_stats=stats, stats_samples=args.style_samples,
                          relevance_samples=args.relevance_samples,
                          clip_model=clip_model)
    if args.fp16_synthesis:
        from .fp16 import add_fp16_synthesis
        add_fp16_synthesis(args.out)
        manifest = read_manifest(args.out)
    total = sum(f["bytes"] for f in manifest["files"].values())
    print(f"wrote {args.out}: R={manifest['resolution']} N={manifest['numWs']} D={manifest['domainDim']} "
          f"S={manifest['styleDim']} E={manifest['embedDim']}, {total / 1e6:.2f} MB of model files")

"""Command line: `/usr/bin/python3 -m models.export ...` (see --help and docs/pack-format.md)."""
import argparse
import sys

from .cli import run


class OneLineParser(argparse.ArgumentParser):
    """A bad argument is one line on stderr and status 2, like every other refusal (argparse adds its usage)."""

    def error(self, message):
        print(f"error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def parse(argv):
    p = OneLineParser(prog="python3 -m models.export",
                                description="Export a DomainShift model pack (ONNX graphs + pack.json).")
    p.add_argument("--preset", choices=["hypergan-clip", "hyperdomainnet", "nada"],
                   help="method of the pack (or 'nada' to add a StyleGAN-NADA generator to an existing pack)")
    p.add_argument("--random", action="store_true", help="random weights instead of checkpoints")
    p.add_argument("--config", choices=["tiny", "small", "ffhq256"], default="tiny", help="size for --random")
    p.add_argument("--seed", type=int, default=0, help="seed for --random")
    p.add_argument("--stylegan", help="rosinality stylegan2-pytorch checkpoint (.pt with g_ema; a HyperGAN-CLIP g_ema "
                   "brings its hypernetworks) or NADA generator")
    p.add_argument("--hypernet", help="hypernetwork checkpoint (.pt): HyperGAN-CLIP (g_ema), HyperDomainNet mapper, "
                   "or the DomainShift layout; optional: without one the pack serves /edit and imported domains")
    p.add_argument("--e4e", help="encoder4editing checkpoint (.pt); optional (no photo inversion without it)")
    p.add_argument("--clip", help="OpenAI CLIP ViT checkpoint (.pt as clip.load downloads it: TorchScript, or a state_dict)")
    p.add_argument("--formulation", choices=["residual", "in-weight", "additive"], default="residual",
                   help="HyperGAN-CLIP: residual = models/stylegan2/model.py (published), in-weight = model_old.py, "
                   "additive = this project's own (the trained demo pack, models/train)")
    p.add_argument("--blend-slots", type=int, default=4,
                   help="HyperGAN-CLIP: how many domains' residuals one domain vector can hold (blends)")
    p.add_argument("--random-noise", action="store_true",
                   help="--preset nada: fresh noise on every render, as NADA's samplers draw (default: fixed noise)")
    p.add_argument("--hdn-domain", help="a HyperDomainNet single-domain checkpoint (model_type parameterization) to "
                   "write as a domain vector .npy (--into PACK --name NAME)")
    p.add_argument("--tokenizer", help="CLIP tokenizer.json (Hugging Face format) for real packs")
    p.add_argument("--out", help="pack folder to write")
    p.add_argument("--into", help="existing pack folder: for --preset nada, or --styleclip-relevance on a random pack (adds "
                        "styles.onnx, style σ and relevance)")
    p.add_argument("--name", help="pack name, or the domain name for --preset nada")
    p.add_argument("--prompt", help="the text a NADA generator was trained for")
    p.add_argument("--description", help="pack description")
    p.add_argument("--subject", choices=["faces", "other"], default="faces")
    p.add_argument("--no-reference", action="store_true", help="skip reference/ (large packs)")
    p.add_argument("--fp16-synthesis", action="store_true",
                   help="also write synthesis_fp16.onnx (fp16 weights and activations, normalisations in fp32, float32 "
                        "inputs and outputs) for GPUs; with --into PACK alone, add it to an existing pack")
    p.add_argument("--styleclip-relevance", action="store_true",
                   help="also compute StyleCLIP style-channel relevance [S,E] with the pack's CLIP, official recipe "
                        "(forward passes only; progress and ETA on stdout)")
    p.add_argument("--relevance-samples", type=int, default=100,
                   help="latent samples per channel for --styleclip-relevance (official: 100)")
    p.add_argument("--style-samples", type=int, default=100_000,
                   help="latent samples for the style channels' mean and σ (official: 100,000)")
    return p.parse_args(argv)


def main(argv=None):
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_:  # argparse has printed its one-line usage error
        return 2 if exit_.code else 0
    try:
        run(args)
    except (FileNotFoundError, ValueError, KeyError) as err:
        text = str(err).strip().splitlines() or [type(err).__name__]
        print(f"error: {text[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Random-weight models at a named size, scaled so that their outputs are not flat (visible images, a domain
that visibly changes them). Everything is drawn from one seed, so a pack can be regenerated bit for bit."""
import torch

from .clip_model import CLIP
from .configs import CONFIGS
from .domain_layout import DEFAULT_SLOTS
from .e4e import Encoder4Editing, EncoderWithAverage
from .hypernet import DomainHypernet
from .stylegan2 import Generator, Synthesis, identity_domain, layer_table
from .tokenizer import build_tokenizer


@torch.no_grad()
def mean_latent(generator, samples=4096, seed=0):
    z = torch.randn(samples, generator.style_dim, generator=torch.Generator().manual_seed(seed))
    return generator.style(z).mean(0)


@torch.no_grad()
def random_generator(cfg, rng):
    gen = Generator(cfg["resolution"], cfg["latent_dim"], cfg["n_mlp"], channels=cfg["channels"])
    for name, conv in gen.styled_convs():
        conv.noise.weight.fill_(0.1)
        conv.activate.bias.normal_(0, 0.1, generator=rng)
    for to_rgb in [gen.to_rgb1, *gen.to_rgbs]:
        to_rgb.bias.normal_(0, 0.1, generator=rng)
    # scale the ToRGB layers so that images span roughly [-1, 1] (std ~0.5) instead of saturating
    ws = mean_latent(gen, 256, seed=1)[None, None].repeat(4, gen.n_latent, 1)
    ws = ws + 0.7 * torch.randn(4, gen.n_latent, gen.style_dim, generator=rng)
    layers = layer_table(gen)
    synth = Synthesis(gen, "hyperdomainnet")
    images = synth(ws, identity_domain(layers, "hyperdomainnet")[None].repeat(4, 1), torch.zeros(4, synth.S))
    for to_rgb in [gen.to_rgb1, *gen.to_rgbs]:
        to_rgb.conv.weight /= images.std() / 0.5
    return gen


@torch.no_grad()
def random_encoder(cfg, gen, w_avg):
    enc_cfg = cfg["encoder"]
    enc = Encoder4Editing(gen.n_latent, cfg["latent_dim"], enc_cfg["input_size"], enc_cfg["channels"],
                          enc_cfg["blocks"], enc_cfg["se_reduction"])
    for block in enc.styles:  # small codes: inverted latents stay near w_avg, where the generator draws well
        block.linear.weight.mul_(0.1)
    return EncoderWithAverage(enc.eval(), w_avg)


def random_clip(cfg, vocab_size):
    c = cfg["clip"]
    return CLIP(embed_dim=c["embed_dim"], image_resolution=224, vision_layers=c["vision_layers"],
                vision_width=c["vision_width"], vision_patch_size=c["patch"], context_length=77,
                vocab_size=c.get("vocab_size", vocab_size), transformer_width=c["text_width"],
                transformer_heads=c["text_heads"], transformer_layers=c["text_layers"],
                vision_heads=c["vision_heads"]).eval()


def build_random(config, method, seed, formulation="residual", slots=DEFAULT_SLOTS):
    """Returns the parts of a pack: generator, hypernet, encoder (with average), clip, tokenizer, w_avg."""
    if formulation == "in-weight":
        raise ValueError("--formulation in-weight is for official HyperGAN-CLIP checkpoints (model_old.py), not --random")
    cfg = CONFIGS[config]
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed + 1)
    gen = random_generator(cfg, rng).eval()
    w_avg = mean_latent(gen, seed=seed + 2)
    tokenizer = build_tokenizer(cfg["merges"])
    clip = random_clip(cfg, tokenizer.size)
    hyper = DomainHypernet(layer_table(gen), method, cfg["clip"]["embed_dim"], cfg["hypernet_hidden"], slots, formulation)
    hyper.init_random(rng)
    encoder = random_encoder(cfg, gen, w_avg)
    return {"generator": gen, "hypernet": hyper.eval(), "encoder": encoder, "clip": clip,
            "tokenizer": tokenizer, "w_avg": w_avg, "encoder_resolution": cfg["encoder"]["input_size"],
            "formulation": formulation, "slots": slots}

"""Sizes of the packs the exporter can make from random weights. tiny: test fixtures (< 2 MB); small: the
bundled demo (< 20 MB); ffhq256: the real 256-px StyleGAN2/e4e/ViT-B/32 widths, for benchmarks only."""

CONFIGS = {
    "tiny": {
        "resolution": 32, "latent_dim": 32, "n_mlp": 2,
        "channels": {4: 32, 8: 32, 16: 16, 32: 8},
        "encoder": {"input_size": 16, "channels": (4, 8, 16, 32), "blocks": (1, 1, 1, 1), "se_reduction": 4},
        "clip": {"embed_dim": 16, "vision_width": 8, "vision_layers": 1, "vision_heads": 2, "patch": 32,
                 "text_width": 8, "text_layers": 1, "text_heads": 2},
        "hypernet_hidden": 16, "merges": 300,
    },
    "small": {
        "resolution": 128, "latent_dim": 64, "n_mlp": 4,
        "channels": {4: 128, 8: 128, 16: 128, 32: 64, 64: 32, 128: 16},
        "encoder": {"input_size": 64, "channels": (16, 32, 64, 64), "blocks": (1, 1, 2, 1), "se_reduction": 8},
        "clip": {"embed_dim": 64, "vision_width": 64, "vision_layers": 2, "vision_heads": 2, "patch": 32,
                 "text_width": 64, "text_layers": 2, "text_heads": 2},
        "hypernet_hidden": 64, "merges": 300,
    },
    "ffhq256": {
        "resolution": 256, "latent_dim": 512, "n_mlp": 8,
        "channels": None,  # rosinality's table, channel_multiplier 2
        "encoder": {"input_size": 256, "channels": (64, 128, 256, 512), "blocks": (3, 4, 14, 3), "se_reduction": 16},
        "clip": {"embed_dim": 512, "vision_width": 768, "vision_layers": 12, "vision_heads": 12, "patch": 32,
                 "text_width": 512, "text_layers": 12, "text_heads": 8, "vocab_size": 49408},
        "hypernet_hidden": 512, "merges": 300,
    },
}

DEFAULT_TRUNCATION = 0.7  # ψ of pack.json `truncation` and of the StyleCLIP statistics

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def fine_layers_from(num_ws):
    """7 at 256 px and up (the usual coarse/middle split); half of N for smaller generators."""
    return min(7, num_ws // 2)

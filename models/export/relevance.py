"""StyleCLIP global-direction relevance computed with the pack's own CLIP, forward passes only.

For each style channel c (the S channels of style_delta, layer order): generate samples with s_c pushed by
+3σ_c and −3σ_c (σ_c: the channel's standard deviation over random w), embed both with CLIP, and average the
L2-normalised differences of the normalised image embeddings over samples; the mean is normalised again.
The result [S, E] is what StyleCLIP's global directions compare a text direction Δt against. The official
recipe uses ~100 samples per channel on a GPU; `--relevance-samples` trades accuracy for time."""
import torch
import torch.nn.functional as F

from .reference import clip_pixels
from .stylegan2 import Synthesis, identity_domain, layer_table

PUSH = 3.0


@torch.no_grad()
def style_std(gen, samples=512, seed=0):
    z = torch.randn(samples, gen.style_dim, generator=torch.Generator().manual_seed(seed))
    w = gen.style(z)
    return torch.cat([conv.conv.modulation(w).std(0) for _, conv in gen.styled_convs()])


@torch.no_grad()
def compute_relevance(parts, method, samples=16, seed=0, truncation=0.7, channels=None):
    """[S, E] float32; `channels` limits the computation to the first ones (tests)."""
    gen, clip = parts["generator"], parts["clip"]
    synth = Synthesis(gen, method).eval()
    sigma = style_std(gen, seed=seed + 1)
    g = torch.Generator().manual_seed(seed + 2)
    w = gen.style(torch.randn(samples, gen.style_dim, generator=g))
    w_avg = parts["w_avg"]
    ws = (w_avg + truncation * (w - w_avg))[:, None].repeat(1, gen.n_latent, 1)
    domain = identity_domain(layer_table(gen), method)
    rows = []
    per_call = max(1, 128 // (2 * samples))  # channels per forward pass
    for start in range(0, synth.S if channels is None else min(channels, synth.S), per_call):
        chans = list(range(start, min(start + per_call, synth.S if channels is None else channels)))
        n = 2 * samples * len(chans)
        delta = torch.zeros(n, synth.S)
        for j, c in enumerate(chans):  # rows: [+σ samples, −σ samples] per channel
            delta[2 * samples * j:2 * samples * j + samples, c] = PUSH * sigma[c]
            delta[2 * samples * j + samples:2 * samples * (j + 1), c] = -PUSH * sigma[c]
        images = synth(ws.repeat(2 * len(chans), 1, 1), domain[None].repeat(n, 1), delta)
        emb = F.normalize(clip.encode_image(clip_pixels(images)), dim=1).view(len(chans), 2, samples, -1)
        diff = F.normalize(emb[:, 0] - emb[:, 1], dim=2)
        rows.append(F.normalize(diff.mean(1), dim=1))
    return torch.cat(rows)

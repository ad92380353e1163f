"""StyleCLIP global directions written again, for the tests only, straight from the official code's formulas
(orpatashnik/StyleCLIP global_directions: GetCode.GetCodeMS, SingleChannel.py + GetFs, MapTS.GetDt/GetBoundary),
one channel and one sample set at a time in NumPy, with the generator and CLIP used as black boxes. It shares no
code with models/export/relevance.py or src/engine/styleclip.ts except the seeded sampler (so both draw the same w)."""
import numpy as np
import torch
import torch.nn.functional as F

from models.export.configs import CLIP_MEAN, CLIP_STD
from models.export.seeds import gaussian_rows
from models.export.stylegan2 import Synthesis, identity_domain, layer_table


def ws_of(gen, w_avg, seeds, psi):
    w = gen.style(torch.from_numpy(gaussian_rows(list(seeds), gen.style_dim)))
    return (w_avg + psi * (w - w_avg))[:, None].repeat(1, gen.n_latent, 1)


@torch.no_grad()
def styles_per_layer(gen, ws):
    """dlatents as the official code lists them: one [n, Cin] array per StyledConv (conv1 reads ws[0],
    convs.i reads ws[i + 1])."""
    out = [gen.conv1.conv.modulation(ws[:, 0]).numpy().astype(np.float64)]
    for i, conv in enumerate(gen.convs):
        out.append(conv.conv.modulation(ws[:, i + 1]).numpy().astype(np.float64))
    return out


def mean_std(gen, w_avg, psi, samples, seed0):
    layers = styles_per_layer(gen, ws_of(gen, w_avg, range(seed0, seed0 + samples), psi))
    return np.concatenate([x.mean(0) for x in layers]), np.concatenate([x.std(0) for x in layers])


@torch.no_grad()
def clip_features(clip, images):
    """8-bit pictures (convert_images_to_uint8), bicubic to 224, CLIP-normalised, image features."""
    x = np.clip(np.rint((images.numpy() + 1) * 127.5), 0, 255) / 255.0
    x = F.interpolate(torch.from_numpy(x).float(), size=(224, 224), mode="bicubic", align_corners=False,
                      antialias=True).clamp(0, 1)
    x = (x - torch.tensor(CLIP_MEAN)[None, :, None, None]) / torch.tensor(CLIP_STD)[None, :, None, None]
    return clip.encode_image(x).numpy().astype(np.float64)


@torch.no_grad()
def fs3(parts, method, samples, psi, mean, std, channels):
    """GetFs of the single-channel CLIP features: [channels, E]."""
    gen, clip = parts["generator"], parts["clip"]
    synth = Synthesis(gen, method).eval()
    ws = ws_of(gen, parts["w_avg"], range(samples), psi)
    s = np.concatenate(styles_per_layer(gen, ws), 1)
    identity = identity_domain(layer_table(gen), method)[None].repeat(samples, 1)
    rows = []
    for c in range(channels):
        feats = []
        for alpha in (-5, 5):
            delta = np.zeros((samples, synth.S))
            delta[:, c] = mean[c] + alpha * std[c] - s[:, c]  # channel at its mean, then moved by α·σ_c
            feats.append(clip_features(clip, synth(ws, identity, torch.from_numpy(delta).float())))
        fs = np.stack(feats, 1)  # [samples, 2, E]
        fs1 = fs / np.linalg.norm(fs, axis=-1, keepdims=True)
        fs2 = fs1[:, 1] - fs1[:, 0]
        fs2 = fs2 / np.linalg.norm(fs2, axis=-1, keepdims=True)
        m = fs2.mean(0)
        rows.append(m / np.linalg.norm(m))
    return np.stack(rows)


def boundary(fs3_rows, std, dt, alpha, beta):
    """GetBoundary + SplitS(if_std=True) + MSCode: the style offset α·σ·ds_imp."""
    tmp = fs3_rows @ (dt / np.linalg.norm(dt))
    ds_imp = tmp.copy()
    ds_imp[np.abs(tmp) < beta] = 0
    ds_imp /= np.abs(ds_imp).max()
    return alpha * ds_imp * std[:len(ds_imp)]

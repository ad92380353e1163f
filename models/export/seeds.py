"""The engine's seeded latents (src/engine/latents.ts: mulberry32 + Box–Muller), vectorised over seeds, so that the
exporter and the engine draw the same z for the same seed and their StyleCLIP statistics and relevance agree."""
import numpy as np

MASK = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & MASK


def gaussian_rows(seeds, dim):
    """float32 [len(seeds), dim]: row i is `gaussian(seeds[i], dim)` of latents.ts, value for value."""
    state = np.asarray(seeds, dtype=np.uint64) & MASK
    out = np.zeros((len(state), dim + 1), dtype=np.float64)

    def rand():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK
        t = state
        t = _imul(t ^ (t >> 15), t | 1)
        t = t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & MASK)
        return ((t ^ (t >> 14)) & MASK).astype(np.float64) / 4294967296.0

    for i in range(0, dim, 2):
        u1 = np.maximum(rand(), 1e-12)
        u2 = rand()
        r = np.sqrt(-2.0 * np.log(u1))
        out[:, i] = r * np.cos(2 * np.pi * u2)
        out[:, i + 1] = r * np.sin(2 * np.pi * u2)
    return out[:, :dim].astype(np.float32)

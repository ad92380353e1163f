// Latent arithmetic in TypeScript (DESIGN.md: truncation, mixing and W+ happen here, not in the graphs).

/**
 * mulberry32: a 32-bit seeded PRNG (Tommy Ettinger's public-domain recipe). Small, fast and good enough for sampling
 * latents; it is *not* NumPy's Mersenne Twister, so a seed here draws a different z than `np.random.RandomState(seed)`.
 * Parity with PyTorch therefore goes through z files (.npy), never through seeds.
 */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal floats by Box–Muller on mulberry32(seed): z = √(−2 ln u₁)·cos(2πu₂), and the sine for the pair. */
export function gaussian(seed: number, count: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = Math.max(rand(), 1e-12); // never log(0)
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** z [n, dim] for the given seeds; each seed draws its own row, so a seed always gives the same sample. */
export function zFromSeeds(seeds: number[], dim: number): Float32Array {
  const z = new Float32Array(seeds.length * dim);
  seeds.forEach((s, i) => z.set(gaussian(s, dim), i * dim));
  return z;
}

/** w' = w_avg + ψ·(w − w_avg), row by row; ψ = 1 leaves w unchanged. */
export function truncate(w: Float32Array, wAvg: Float32Array, psi: number): Float32Array {
  if (psi === 1) return w;
  const dim = wAvg.length;
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const a = wAvg[i % dim];
    out[i] = a + psi * (w[i] - a);
  }
  return out;
}

/** w [n, dim] to W+ [n, numWs, dim]: the same w in every entry. */
export function broadcastWPlus(w: Float32Array, n: number, numWs: number, dim: number): Float32Array {
  const out = new Float32Array(n * numWs * dim);
  for (let i = 0; i < n; i++) {
    const row = w.subarray(i * dim, (i + 1) * dim);
    for (let k = 0; k < numWs; k++) out.set(row, (i * numWs + k) * dim);
  }
  return out;
}

/** Style mixing: entries [0, crossover) from `coarse`, [crossover, numWs) from `fine`; both [n, numWs, dim]. */
export function mixStyles(
  coarse: Float32Array,
  fine: Float32Array,
  n: number,
  numWs: number,
  dim: number,
  crossover: number,
): Float32Array {
  if (coarse.length !== fine.length) throw new Error('style mixing needs W+ of the same shape');
  const out = new Float32Array(coarse);
  const from = Math.max(0, Math.min(numWs, crossover));
  for (let i = 0; i < n; i++) {
    const start = (i * numWs + from) * dim;
    const end = (i + 1) * numWs * dim;
    out.set(fine.subarray(start, end), start);
  }
  return out;
}

/** Reference-guided synthesis: the reference's W+ (one sample, [numWs, dim]) copied into entries ≥ fineFrom of each sample. */
export function copyFineLayers(
  ws: Float32Array,
  reference: Float32Array,
  n: number,
  numWs: number,
  dim: number,
  fineFrom: number,
): Float32Array {
  const out = new Float32Array(ws);
  for (let i = 0; i < n; i++) {
    for (let k = fineFrom; k < numWs; k++) out.set(reference.subarray(k * dim, (k + 1) * dim), (i * numWs + k) * dim);
  }
  return out;
}

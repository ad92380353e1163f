// StyleCLIP global directions (seed 002) on the pack's own graphs.
//
// Relevance R [S,E]: how each style channel moves the CLIP image embedding. Recipe (forward passes only, after the
// official fs3 computation): for K sampled W+ (seeded), for each channel c render the image with style_delta = −ε·e_c
// and +ε·e_c, embed both with CLIP, L2-normalise each, take the difference, normalise it, average over the K samples
// and normalise again. The official recipe perturbs by ±5σ_c of each channel; the synthesis graph does not expose the
// style values, so σ is unknown here and one ε is used for every channel (RELEVANCE_EPSILON, also used to scale the
// edit). Cost: 2·S·K synthesis + CLIP passes, which is why the result is cached beside the pack.
//
// Edit: Δt = normalise(text(target) − text(neutral)); r_c = R_c·Δt; channels with |r_c| < β are zeroed (disentanglement);
// Δs = strength · ε · r / max|r|.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const RELEVANCE_EPSILON = 1.0;
export const RELEVANCE_CACHE = 'styleclip_relevance.bin';

export interface RelevanceRenderer {
  styleDim: number;
  embedDim: number;
  /** render n images from K-sample-indexed W+ with the given style deltas [n,S] and return their CLIP embeddings */
  embedWithDelta(sampleIndex: number, deltas: Float32Array, n: number): Promise<Float32Array[]>;
}

function normalizeInPlace(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

export async function computeRelevance(r: RelevanceRenderer, samples: number, batch = 32): Promise<Float32Array> {
  const { styleDim: S, embedDim: E } = r;
  const R = new Float32Array(S * E);
  for (let k = 0; k < samples; k++) {
    for (let c0 = 0; c0 < S; c0 += batch) {
      const count = Math.min(batch, S - c0);
      // rows 2j: −ε on channel c0+j, rows 2j+1: +ε
      const deltas = new Float32Array(2 * count * S);
      for (let j = 0; j < count; j++) {
        deltas[2 * j * S + c0 + j] = -RELEVANCE_EPSILON;
        deltas[(2 * j + 1) * S + c0 + j] = RELEVANCE_EPSILON;
      }
      const emb = await r.embedWithDelta(k, deltas, 2 * count);
      for (let j = 0; j < count; j++) {
        const lo = normalizeInPlace(Float32Array.from(emb[2 * j]));
        const hi = normalizeInPlace(Float32Array.from(emb[2 * j + 1]));
        const d = normalizeInPlace(hi.map((x, i) => x - lo[i]));
        const row = (c0 + j) * E;
        for (let e = 0; e < E; e++) R[row + e] += d[e];
      }
    }
  }
  for (let c = 0; c < S; c++) normalizeInPlace(R.subarray(c * E, (c + 1) * E));
  return R;
}

/** Cached relevance beside the pack: raw float32 [S,E] plus a small JSON saying how it was made (key, samples). */
export async function loadCachedRelevance(packDir: string, key: string, S: number, E: number): Promise<{ relevance: Float32Array; samples: number } | null> {
  try {
    const meta = JSON.parse(await readFile(path.join(packDir, RELEVANCE_CACHE + '.json'), 'utf8'));
    if (meta.key !== key || meta.styleDim !== S || meta.embedDim !== E) return null;
    const buf = await readFile(path.join(packDir, RELEVANCE_CACHE));
    if (buf.length !== S * E * 4) return null;
    return { relevance: new Float32Array(new Uint8Array(buf).buffer), samples: Number(meta.samples) };
  } catch {
    return null;
  }
}

/** Best effort: a read-only pack folder keeps the relevance in memory only. */
export async function saveCachedRelevance(packDir: string, key: string, R: Float32Array, S: number, E: number, samples: number): Promise<boolean> {
  try {
    await writeFile(path.join(packDir, RELEVANCE_CACHE), Buffer.from(R.buffer, R.byteOffset, R.byteLength));
    const meta = { key, styleDim: S, embedDim: E, samples, epsilon: RELEVANCE_EPSILON, recipe: 'domainshift styleclip.ts v1' };
    await writeFile(path.join(packDir, RELEVANCE_CACHE + '.json'), JSON.stringify(meta, null, 2));
    return true;
  } catch {
    return false;
  }
}

/** Δs for one edit; returns the offset and how many channels it moves. */
export function globalDirection(R: Float32Array, S: number, E: number, deltaT: Float32Array, strength: number, beta: number): { delta: Float32Array; channels: number } {
  const t = normalizeInPlace(Float32Array.from(deltaT));
  const r = new Float32Array(S);
  let max = 0;
  for (let c = 0; c < S; c++) {
    let dot = 0;
    for (let e = 0; e < E; e++) dot += R[c * E + e] * t[e];
    if (Math.abs(dot) < beta) continue;
    r[c] = dot;
    max = Math.max(max, Math.abs(dot));
  }
  let channels = 0;
  if (max > 0) {
    for (let c = 0; c < S; c++) {
      if (r[c] !== 0) channels++;
      r[c] = (strength * RELEVANCE_EPSILON * r[c]) / max;
    }
  }
  return { delta: r, channels };
}

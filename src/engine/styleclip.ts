// StyleCLIP global directions, the official recipe (docs/pack-format.md "StyleCLIP global directions"; the exporter's
// models/export/relevance.py computes the same numbers with the same seeds).
//
// Statistics: μ_c and σ_c of every style channel over seeded samples at ψ = the pack's truncation.
// Relevance R [S,E]: for the channels of the StyledConvs up to 128 px and K seeded samples, s_c is set to μ_c and the
// picture rendered at μ_c ∓ 5σ_c; both CLIP image embeddings are L2-normalised, their difference (+ minus −)
// normalised, averaged over the samples and normalised again. Other rows stay zero.
// Edit: Δt = normalise(text(target) − text(neutral)), each text the normalised mean of its templated prompts (the 79
// official templates, or the pack's own: styleclip-templates.ts);
// r_c = R_c·Δt; channels with |r_c| < β are zeroed (disentanglement); Δs_c = α·σ_c·r_c / max|r|.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PackManifest } from './manifest.js';

export const RELEVANCE_PUSH = 5;
export const RELEVANCE_MAX_RESOLUTION = 128;
export const DEFAULT_RELEVANCE_SAMPLES = 100;
export const DEFAULT_STATS_SAMPLES = 100_000;
/** σ samples use seeds STATS_SEED + i; relevance samples use seeds 0..K−1 (as models/export/relevance.py) */
export const STATS_SEED = 1_000_000;
export const RECIPE = 'StyleCLIP global directions (official): s_c at its mean, ±5σ_c, normalised CLIP differences averaged';
export const RELEVANCE_CACHE = 'styleclip_relevance.bin';
export const STATS_CACHE = 'styleclip_stats.bin';

export interface StyleStats {
  mean: Float32Array;
  std: Float32Array;
}

/** What the relevance computation needs from the engine. */
export interface RelevanceRenderer {
  styleDim: number;
  embedDim: number;
  /** the style vectors [K,S] of the K samples */
  sampleStyles: Float32Array;
  /** renders sample k[i] with style_delta row i ([n,S]) and returns the CLIP image embeddings */
  embed(samples: Int32Array, deltas: Float32Array): Promise<Float32Array[]>;
}

/** (done, total) after each batch: samples for the statistics, generator + CLIP passes for the relevance */
export type Progress = (done: number, total: number) => void;

function normalizeInPlace<T extends Float32Array | Float64Array>(v: T): T {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/** Mean and population σ from running sums (float64) over `count` samples. */
export function statsFromSums(sum: Float64Array, squares: Float64Array, count: number): StyleStats {
  const mean = new Float32Array(sum.length);
  const std = new Float32Array(sum.length);
  for (let c = 0; c < sum.length; c++) {
    const m = sum[c] / count;
    mean[c] = m;
    std[c] = Math.sqrt(Math.max(0, squares[c] / count - m * m));
  }
  return { mean, std };
}

/**
 * R [S,E] for the first `channels` style channels (the rest zero). Rows are processed channel-major, then sign
 * (−, +), then sample, `batch` renders at a time.
 */
export async function computeRelevance(
  r: RelevanceRenderer,
  stats: StyleStats,
  channels: number,
  batch = 64,
  progress?: Progress,
): Promise<Float32Array> {
  const { styleDim: S, embedDim: E, sampleStyles } = r;
  const K = sampleStyles.length / S;
  const R = new Float32Array(S * E);
  const perChannel = 2 * K;
  const total = perChannel * channels;
  let pending: Float32Array[] = [];
  let done = 0;
  for (let r0 = 0; r0 < total; r0 += batch) {
    const n = Math.min(batch, total - r0);
    const samples = new Int32Array(n);
    const deltas = new Float32Array(n * S);
    for (let i = 0; i < n; i++) {
      const row = r0 + i;
      const c = Math.floor(row / perChannel);
      const sign = Math.floor(row / K) % 2 === 0 ? -1 : 1;
      const k = row % K;
      samples[i] = k;
      deltas[i * S + c] = stats.mean[c] - sampleStyles[k * S + c] + sign * RELEVANCE_PUSH * stats.std[c];
    }
    pending.push(...(await r.embed(samples, deltas)).map((e) => normalizeInPlace(Float32Array.from(e))));
    while (pending.length >= perChannel) {
      const row = R.subarray(done * E, (done + 1) * E);
      for (let k = 0; k < K; k++) {
        const d = normalizeInPlace(pending[K + k].map((x, i) => x - pending[k][i]));
        for (let e = 0; e < E; e++) row[e] += d[e];
      }
      normalizeInPlace(row);
      pending = pending.slice(perChannel);
      done++;
    }
    progress?.(r0 + n, total);
  }
  return R;
}

/** The normalised mean of normalised embeddings (a text through the prompt templates). */
export function meanDirection(embeddings: Float32Array[]): Float32Array {
  const out = new Float32Array(embeddings[0].length);
  for (const e of embeddings) {
    const u = normalizeInPlace(Float32Array.from(e));
    for (let i = 0; i < out.length; i++) out[i] += u[i];
  }
  return normalizeInPlace(out);
}

/**
 * The α of the standard edit: the chat's strength 1 (as a domain at strength 1 is the domain as trained), so
 * /edit's strength s asks for α = s · alphaPerEditStrength(pack). 3 is the step /edit made by default before; a pack
 * whose σ scale makes that too far says its own (pack.json `styleclip.alphaPerStrength`).
 */
export const ALPHA_PER_EDIT_STRENGTH = 3;

export function alphaPerEditStrength(manifest: PackManifest): number {
  return manifest.styleclip?.alphaPerStrength ?? ALPHA_PER_EDIT_STRENGTH;
}

/** Δs for one edit; returns the offset and how many channels it moves. `sigma` null: unit σ (packs without statistics). */
export function globalDirection(
  R: Float32Array,
  S: number,
  E: number,
  deltaT: Float32Array,
  strength: number,
  beta: number,
  sigma: Float32Array | null,
): { delta: Float32Array; channels: number } {
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
      r[c] = (strength * (sigma ? sigma[c] : 1) * r[c]) / max;
    }
  }
  return { delta: r, channels };
}

/** A float32 cache file beside the pack plus a JSON saying what it was made from (`key`). */
export async function loadCached(packDir: string, file: string, key: string, count: number): Promise<Float32Array | null> {
  try {
    const meta = JSON.parse(await readFile(path.join(packDir, file + '.json'), 'utf8'));
    if (meta.key !== key) return null;
    const buf = await readFile(path.join(packDir, file));
    if (buf.length !== count * 4) return null;
    return new Float32Array(new Uint8Array(buf).buffer);
  } catch {
    return null;
  }
}

/** Best effort: a read-only pack folder keeps the result in memory only. */
export async function saveCached(
  packDir: string,
  file: string,
  key: string,
  data: Float32Array,
  info: Record<string, unknown>,
): Promise<boolean> {
  try {
    await writeFile(path.join(packDir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    await writeFile(path.join(packDir, file + '.json'), JSON.stringify({ key, ...info, recipe: RECIPE }, null, 2));
    return true;
  } catch {
    return false;
  }
}

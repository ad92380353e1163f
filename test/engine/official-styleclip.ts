// StyleCLIP global directions written again for the tests, straight from the official code's formulas
// (orpatashnik/StyleCLIP global_directions: GetCodeMS, SingleChannel.py + GetFs, MapTS.GetDt/GetBoundary), in
// float64, one channel at a time, with the pack's ONNX graphs run directly. It shares nothing with
// src/engine/styleclip*.ts but the seeded sampler and CLIP's preprocessing (neither is part of the recipe).
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clipPixels } from '../../src/engine/clip.js';
import { tensorToImages } from '../../src/engine/images.js';
import { zFromSeeds } from '../../src/engine/latents.js';
import type { PackManifest } from '../../src/engine/manifest.js';
import { ort } from '../../src/engine/session.js';

export interface OfficialPack {
  m: PackManifest;
  run(graph: 'mapping' | 'styles' | 'synthesis' | 'clipVision', feeds: Record<string, ort.Tensor>): Promise<Float32Array>;
  close(): Promise<void>;
}

export async function openOfficial(dir: string): Promise<OfficialPack> {
  const m = JSON.parse(await readFile(path.join(dir, 'pack.json'), 'utf8')) as PackManifest;
  const sessions = new Map<string, ort.InferenceSession>();
  for (const g of ['mapping', 'styles', 'synthesis', 'clipVision'] as const) {
    sessions.set(g, await ort.InferenceSession.create(path.join(dir, m.files[g]!.path), { intraOpNumThreads: 1 }));
  }
  return {
    m,
    async run(graph, feeds) {
      const s = sessions.get(graph)!;
      return (await s.run(feeds))[s.outputNames[0]].data as Float32Array;
    },
    async close() {
      for (const s of sessions.values()) await s.release();
    },
  };
}

const t = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** W+ of seeds at ψ (every entry the same w) */
async function wsOf(p: OfficialPack, seeds: number[], psi: number, wAvg: Float32Array): Promise<Float32Array> {
  const { latentDim: L, numWs: N } = p.m;
  const w = await p.run('mapping', { z: t(zFromSeeds(seeds, L), [seeds.length, L]) });
  const ws = new Float32Array(seeds.length * N * L);
  for (let i = 0; i < seeds.length; i++)
    for (let k = 0; k < N; k++) for (let j = 0; j < L; j++) ws[(i * N + k) * L + j] = wAvg[j] + psi * (w[i * L + j] - wAvg[j]);
  return ws;
}

export async function readWAvg(dir: string, m: PackManifest): Promise<Float32Array> {
  return new Float32Array(new Uint8Array(await readFile(path.join(dir, m.files.wAvg.path))).buffer);
}

/** GetCodeMS: per-channel mean and (population) std of the styles of `count` seeds from `seed0`. */
export async function meanStd(
  p: OfficialPack,
  wAvg: Float32Array,
  count: number,
  seed0: number,
): Promise<{ mean: number[]; std: number[] }> {
  const { styleDim: S, numWs: N, latentDim: L } = p.m;
  const sum = new Array(S).fill(0);
  const sq = new Array(S).fill(0);
  for (let s0 = 0; s0 < count; s0 += 2000) {
    const seeds = Array.from({ length: Math.min(2000, count - s0) }, (_, i) => seed0 + s0 + i);
    const styles = await p.run('styles', { ws: t(await wsOf(p, seeds, p.m.truncation, wAvg), [seeds.length, N, L]) });
    styles.forEach((v, i) => {
      sum[i % S] += v;
      sq[i % S] += v * v;
    });
  }
  const mean = sum.map((x) => x / count);
  return { mean, std: sq.map((x, c) => Math.sqrt(x / count - mean[c] ** 2)) };
}

/** fs3 rows of the first `channels` channels over seeds 0..K−1: channel at its mean, ±5σ, GetFs. */
export async function fs3(
  p: OfficialPack,
  wAvg: Float32Array,
  stats: { mean: number[]; std: number[] },
  K: number,
  channels: number,
  identity: Float32Array,
): Promise<number[][]> {
  const { styleDim: S, numWs: N, latentDim: L, domainDim: D } = p.m;
  const ws = await wsOf(
    p,
    Array.from({ length: K }, (_, i) => i),
    p.m.truncation,
    wAvg,
  );
  const styles = await p.run('styles', { ws: t(ws, [K, N, L]) });
  const domain = new Float32Array(K * D);
  for (let k = 0; k < K; k++) domain.set(identity, k * D);
  const rows: number[][] = [];
  for (let c = 0; c < channels; c++) {
    const feats: number[][][] = [];
    for (const alpha of [-5, 5]) {
      const delta = new Float32Array(K * S);
      for (let k = 0; k < K; k++) delta[k * S + c] = stats.mean[c] + alpha * stats.std[c] - styles[k * S + c];
      const images = await p.run('synthesis', { ws: t(ws, [K, N, L]), domain: t(domain, [K, D]), style_delta: t(delta, [K, S]) });
      const pics = tensorToImages(images, [K, 3, p.m.resolution, p.m.resolution]);
      const px = await clipPixels(pics, p.m);
      const emb = await p.run('clipVision', { pixel_values: t(px.data, px.dims) });
      const E = emb.length / K;
      feats.push(Array.from({ length: K }, (_, k) => unit(Array.from(emb.subarray(k * E, (k + 1) * E)))));
    }
    const fs2 = feats[1].map((plus, k) => unit(plus.map((x, e) => x - feats[0][k][e])));
    rows.push(unit(fs2[0].map((_, e) => fs2.reduce((a, v) => a + v[e], 0) / K)));
  }
  return rows;
}

/** GetDt over the templates (embeddings given per template) and GetBoundary + SplitS(if_std) · α */
export function boundary(
  fs3Rows: number[][],
  std: number[],
  target: Float32Array[],
  neutral: Float32Array[],
  alpha: number,
  beta: number,
): number[] {
  const classEmbedding = (embs: Float32Array[]) => unit(embs.map((e) => unit(Array.from(e))).reduce((a, v) => a.map((x, i) => x + v[i])));
  const t1 = classEmbedding(target);
  const t0 = classEmbedding(neutral);
  const dt = unit(t1.map((x, i) => x - t0[i]));
  const tmp = fs3Rows.map((row) => row.reduce((a, x, e) => a + x * dt[e], 0));
  const ds = tmp.map((x) => (Math.abs(x) < beta ? 0 : x));
  const peak = Math.max(...ds.map(Math.abs));
  return ds.map((x, c) => (alpha * x * std[c]) / peak);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** A private copy of a pack without its relevance (and optionally statistics), covering only `channels` channels. */
export async function packWithoutRelevance(src: string, opts: { channels?: number; dropStats?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'styleclip-'));
  await cp(src, dir, {
    recursive: true,
    filter: (f) => !f.includes(`${path.sep}reference`) && !/styleclip_|style_relevance/.test(path.basename(f)),
  });
  const raw = JSON.parse(await readFile(path.join(dir, 'pack.json'), 'utf8'));
  delete raw.files.styleRelevance;
  if (opts.dropStats) delete raw.files.styleStats;
  delete raw.styleclip.relevance;
  if (opts.channels) raw.styleclip.channels = opts.channels;
  await writeFile(path.join(dir, 'pack.json'), JSON.stringify(raw, null, 2));
  return dir;
}

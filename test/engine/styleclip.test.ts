// StyleCLIP global directions: the engine's statistics, relevance and edit vectors, and the exporter's committed ones,
// against the official recipe written independently in official-styleclip.ts (cosine ≥ 0.99), on the tiny-hdn pack.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOnnxPack, type OnnxEngine } from '../../src/engine/index.js';
import { readF32File } from '../../src/engine/pack.js';
import { templated } from '../../src/engine/styleclip-templates.js';
import { boundary, cosine, fs3, meanStd, openOfficial, type OfficialPack, packWithoutRelevance, readWAvg } from './official-styleclip.js';

const hdn = path.resolve(import.meta.dirname, '../fixtures/packs/tiny-hdn');
const K = 8; // the samples behind the committed relevance (pack.json styleclip.relevance.samples)
const CHANNELS = 12; // rows checked (the on-demand copy covers only these)
let official: OfficialPack;
let wAvg: Float32Array;
let stats: { mean: number[]; std: number[] };
let rows: number[][];
let copy: string;
let engine: OnnxEngine;

beforeAll(async () => {
  official = await openOfficial(hdn);
  wAvg = await readWAvg(hdn, official.m);
  stats = await meanStd(official, wAvg, official.m.styleclip!.statsSamples!, 1_000_000);
  const identity = await readF32File(hdn, official.m.files.identityDomain, official.m.domainDim);
  rows = await fs3(official, wAvg, stats, K, CHANNELS, identity);
  copy = await packWithoutRelevance(hdn, { channels: CHANNELS, dropStats: true });
  engine = await openOnnxPack(copy, { provider: 'cpu', threads: 1, relevanceSamples: K });
}, 240_000);
afterAll(async () => {
  await official?.close();
  await engine?.close();
  if (copy) await rm(copy, { recursive: true, force: true });
});

describe('StyleCLIP statistics', () => {
  it('σ and μ of the exporter (style_stats.bin) and of the engine (on demand) are the official ones', async () => {
    const { styleDim: S } = official.m;
    const committed = await readF32File(hdn, official.m.files.styleStats!, 2 * S);
    const onDemand = (await engine.styleclip.styleStats(official.m.styleclip!.statsSamples!))!;
    for (let c = 0; c < S; c++) {
      expect(committed[S + c]).toBeCloseTo(stats.std[c], 4);
      expect(committed[c]).toBeCloseTo(stats.mean[c], 4);
      expect(onDemand.std[c]).toBeCloseTo(stats.std[c], 4);
      expect(onDemand.mean[c]).toBeCloseTo(stats.mean[c], 4);
    }
    expect(Math.min(...stats.std)).toBeGreaterThan(0.1); // a real spread, so σ scaling matters
  });
});

describe('StyleCLIP relevance and edits against the official recipe', () => {
  it("the exporter's committed rows and the engine's on-demand rows match it (cosine ≥ 0.99)", async () => {
    const { styleDim: S, embedDim: E } = official.m;
    const committed = await readF32File(hdn, official.m.files.styleRelevance!, S * E);
    const onDemand = await engine.styleclip.styleRelevance({ force: true });
    for (let c = 0; c < CHANNELS; c++) {
      expect(cosine(committed.subarray(c * E, (c + 1) * E), rows[c])).toBeGreaterThanOrEqual(0.99);
      expect(cosine(onDemand.subarray(c * E, (c + 1) * E), rows[c])).toBeGreaterThanOrEqual(0.99);
    }
    expect(onDemand.subarray(CHANNELS * E).every((v) => v === 0)).toBe(true); // channels not covered stay zero
  }, 120_000);

  it("edit vectors match it: templated texts, neutral = the pack's source text, σ-scaled, β threshold", async () => {
    const target = await engine.embedText(templated('smiling'));
    const neutral = await engine.embedText(templated(official.m.defaultSource));
    for (const beta of [0, 0.2]) {
      const want = boundary(rows, stats.std, target, neutral, 2, beta);
      const { delta } = await engine.editDirection({ target: 'smiling', strength: 2, disentanglement: beta });
      expect(cosine(delta.subarray(0, CHANNELS), want)).toBeGreaterThanOrEqual(0.99);
      // the most relevant channel (largest |Δs_c|/σ_c) moves by exactly α·σ_c, with σ_c the official one
      let top = 0;
      for (let c = 0; c < CHANNELS; c++) if (Math.abs(delta[c]) / stats.std[c] > Math.abs(delta[top]) / stats.std[top]) top = c;
      expect(Math.abs(delta[top])).toBeCloseTo(2 * stats.std[top], 3);
    }
  }, 120_000);
});

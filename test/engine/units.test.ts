// Pure parts of the engine: .npy round trips, latent arithmetic, domain algebra, StyleCLIP direction math, metrics.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { blendDomains, morphSteps, withStrength } from '../../src/engine/domains.js';
import { diversity, semanticScore } from '../../src/engine/evaluate.js';
import { broadcastWPlus, copyFineLayers, gaussian, mixStyles, truncate, zFromSeeds } from '../../src/engine/latents.js';
import { formatNpy, parseNpy, readNpy, writeNpy } from '../../src/engine/npy.js';
import { globalDirection, meanDirection } from '../../src/engine/styleclip.js';
import { PROMPT_TEMPLATES, templated } from '../../src/engine/styleclip-templates.js';
import { parsePrompt } from '../../src/cli/input.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('npy', () => {
  it('round-trips float32 and int64 through its own writer', () => {
    const a = parseNpy(formatNpy(Float32Array.from([1.5, -2, 3.25, 0, 7, 8]), [2, 3]));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, -2, 3.25, 0, 7, 8]);
    const b = parseNpy(formatNpy(BigInt64Array.from([1n, 49407n]), [2]));
    expect(b.shape).toEqual([2]);
    expect(Array.from(b.data as BigInt64Array)).toEqual([1n, 49407n]);
  });

  it('reads what NumPy writes and NumPy reads what it writes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'npy-'));
    dirs.push(dir);
    const fromNumpy = path.join(dir, 'np.npy');
    execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np; np.save(${JSON.stringify(fromNumpy)}, np.arange(12, dtype=np.float32).reshape(3,4) / 4)`,
    ]);
    const a = await readNpy(fromNumpy);
    expect(a.shape).toEqual([3, 4]);
    expect((a.data as Float32Array)[11]).toBeCloseTo(2.75);
    const ours = path.join(dir, 'ours.npy');
    await writeNpy(ours, Float32Array.from([0.5, 1, 2]), [3]);
    const back = execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np; a = np.load(${JSON.stringify(ours)}); print(a.dtype, a.shape, a.sum())`,
    ])
      .toString()
      .trim();
    expect(back).toBe('float32 (3,) 3.5');
  });

  it('names the file and the problem for bad input', async () => {
    expect(() => parseNpy(Buffer.from('not numpy at all'), 'x.npy')).toThrow(/x.npy: not a .npy file/);
    const good = formatNpy(new Float32Array(8), [8]);
    expect(() => parseNpy(good.subarray(0, good.length - 4), 'cut.npy')).toThrow(/cut.npy: truncated/);
  });
});

describe('latents', () => {
  it('draws the same z for the same seed and standard-normal statistics', () => {
    expect(gaussian(7, 16)).toEqual(gaussian(7, 16));
    expect(gaussian(7, 16)).not.toEqual(gaussian(8, 16));
    const big = gaussian(1, 20000);
    const mean = big.reduce((a, b) => a + b, 0) / big.length;
    const variance = big.reduce((a, b) => a + (b - mean) ** 2, 0) / big.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const z = zFromSeeds([3, 4], 8);
    expect(z.subarray(0, 8)).toEqual(gaussian(3, 8));
    expect(z.subarray(8)).toEqual(gaussian(4, 8));
  });

  it('truncates toward w_avg and broadcasts, mixes and copies W+ entries', () => {
    const wAvg = Float32Array.from([1, 1]);
    expect(Array.from(truncate(Float32Array.from([3, -1, 1, 5]), wAvg, 0.5))).toEqual([2, 0, 1, 3]);
    expect(Array.from(truncate(Float32Array.from([3, -1]), wAvg, 0))).toEqual([1, 1]);
    const ws = broadcastWPlus(Float32Array.from([1, 2, 3, 4]), 2, 3, 2);
    expect(Array.from(ws)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    const other = new Float32Array(12).fill(9);
    expect(Array.from(mixStyles(ws, other, 2, 3, 2, 2))).toEqual([1, 2, 1, 2, 9, 9, 3, 4, 3, 4, 9, 9]);
    const ref = Float32Array.from([7, 7, 8, 8, 6, 6]);
    expect(Array.from(copyFineLayers(ws, ref, 2, 3, 2, 1))).toEqual([1, 2, 8, 8, 6, 6, 3, 4, 8, 8, 6, 6]);
  });
});

describe('domains', () => {
  const identity = Float32Array.from([1, 0, 0]);
  const d = Float32Array.from([3, 2, -2]);
  it('strength is linear around identity', () => {
    expect(Array.from(withStrength(d, identity, 0))).toEqual([1, 0, 0]);
    expect(Array.from(withStrength(d, identity, 0.5))).toEqual([2, 1, -1]);
    expect(Array.from(withStrength(d, identity, 2))).toEqual([5, 4, -4]);
  });
  it('blends are weighted sums of offsets, and refuse mismatches', () => {
    const e = Float32Array.from([1, 4, 0]);
    expect(Array.from(blendDomains([d, e], [0.5, 0.5], identity))).toEqual([2, 3, -1]);
    expect(Array.from(blendDomains([d], [1], identity))).toEqual(Array.from(d));
    expect(() => blendDomains([d, e], [1], identity)).toThrow(/2 domains and 1 weights/);
    expect(() => blendDomains([Float32Array.from([1])], [1], identity)).toThrow(/1 values/);
    expect(() => blendDomains([d], [Number.NaN], identity)).toThrow(/finite/);
  });
  it('morphs from identity to the domain', () => {
    const steps = morphSteps(d, identity, 3);
    expect(Array.from(steps[0])).toEqual([1, 0, 0]);
    expect(Array.from(steps[2])).toEqual([3, 2, -2]);
  });
});

describe('StyleCLIP global direction', () => {
  // 3 channels, E = 2: channel 0 aligned with x, channel 1 with y, channel 2 half-way
  const R = Float32Array.from([1, 0, 0, 1, Math.SQRT1_2, Math.SQRT1_2]);
  it('moves channels by their relevance to Δt and zeroes those under β', () => {
    const { delta, channels } = globalDirection(R, 3, 2, Float32Array.from([2, 0]), 1, 0.5, null);
    expect(channels).toBe(2);
    expect(delta[0]).toBeCloseTo(1);
    expect(delta[1]).toBe(0);
    expect(delta[2]).toBeCloseTo(Math.SQRT1_2);
    const strong = globalDirection(R, 3, 2, Float32Array.from([2, 0]), 3, 0.5, null).delta;
    expect(strong[0]).toBeCloseTo(3);
    expect(globalDirection(R, 3, 2, Float32Array.from([0, 1]), 1, 0.99, null).delta[0]).toBe(0);
    expect(globalDirection(R, 3, 2, Float32Array.from([1, 1]), 1, 1.01, null).channels).toBe(0);
  });

  it('moves each channel by α·σ_c·r_c / max|r| (σ known per channel)', () => {
    const sigma = Float32Array.from([2, 0.25, 4]);
    const { delta } = globalDirection(R, 3, 2, Float32Array.from([2, 0]), 1.5, 0, sigma);
    // r = [1, 0, 0.707], max |r| = 1
    expect(delta[0]).toBeCloseTo(1.5 * 2);
    expect(delta[1]).toBeCloseTo(0);
    expect(delta[2]).toBeCloseTo(1.5 * 4 * Math.SQRT1_2);
  });

  it('averages a text over the 79 official prompt templates', () => {
    expect(PROMPT_TEMPLATES).toHaveLength(79);
    expect(PROMPT_TEMPLATES[0]).toBe('a bad photo of a {}.');
    expect(PROMPT_TEMPLATES).not.toContain('a photo of many {}.');
    expect(templated('smiling face')[34]).toBe('a smiling face in a video game.');
    const d = meanDirection([Float32Array.from([3, 0]), Float32Array.from([0, 1])]);
    expect(d[0]).toBeCloseTo(Math.SQRT1_2);
    expect(d[1]).toBeCloseTo(Math.SQRT1_2);
  });
});

describe('seed 004 metrics', () => {
  it('semantic score is the mean cosine; diversity the mean pairwise distance', () => {
    const a = Float32Array.from([1, 0]);
    const b = Float32Array.from([0, 1]);
    expect(semanticScore([a, a], a)).toBeCloseTo(1);
    expect(semanticScore([a, b], a)).toBeCloseTo(0.5);
    expect(diversity([a, a, a])).toBeCloseTo(0);
    expect(diversity([a, b])).toBeCloseTo(1);
    expect(() => diversity([a])).toThrow(/two samples/);
  });
});

describe('CLI prompt parsing', () => {
  it('understands →, ->, " to " and a bare target', () => {
    expect(parsePrompt('a dog → nicolas cage')).toEqual({ source: 'a dog', target: 'nicolas cage' });
    expect(parsePrompt('photo->sketch')).toEqual({ source: 'photo', target: 'sketch' });
    expect(parsePrompt('a human to a zombie')).toEqual({ source: 'a human', target: 'a zombie' });
    expect(parsePrompt('  pixar character ')).toEqual({ target: 'pixar character' });
    expect(() => parsePrompt('a → b → c')).toThrow(/one arrow/);
    expect(() => parsePrompt(' → b')).toThrow(/both sides/);
    expect(() => parsePrompt('   ')).toThrow(/empty/);
  });
});

// synthesis_identity.onnx: a batch whose every row is the identity domain (a "before" row) runs the pack's graph
// without the domain branch, and draws what synthesis.onnx draws for it; any other batch runs synthesis.onnx.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnnxEngine } from '../../src/engine/engine.js';
import { loadPack, releasePack, type LoadedPack } from '../../src/engine/loaded-pack.js';
import { tensorToImages } from '../../src/engine/images.js';
import { f32, runF32 } from '../../src/engine/session.js';
import { tinyPack } from '../parity/packs.js';

let pack: LoadedPack;
let engine: OnnxEngine;
beforeAll(async () => {
  pack = await loadPack(tinyPack(), { provider: 'cpu', threads: 1 });
  engine = new OnnxEngine(pack, async () => undefined, {});
}, 120_000);
afterAll(async () => {
  if (pack) await releasePack(pack.sessions);
});

function meanAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

describe('the identity graph of the tiny pack', () => {
  it('is in the pack and takes ws and style_delta only', () => {
    expect(pack.manifest.files.synthesisIdentity?.path).toBe('synthesis_identity.onnx');
    expect([...(pack.sessions.synthesisIdentity?.inputNames ?? [])].sort()).toEqual(['style_delta', 'ws']);
  });

  it('draws an identity batch, style delta included, as synthesis.onnx does with the identity domain', async () => {
    const { numWs: N, latentDim: L, domainDim: D, styleDim: S, resolution: R } = pack.manifest;
    const n = 2;
    const { ws } = await engine.samplesToWs({ seeds: [3, 4] });
    const delta = Float32Array.from({ length: n * S }, (_, i) => 0.2 * Math.sin(i));
    const plainRun = vi.spyOn(pack.sessions.synthesisIdentity!, 'run');
    const fullRun = vi.spyOn(pack.sessions.synthesis, 'run');
    const images = await engine.synthesize(ws, n, pack.identity, [delta.slice(0, S), delta.slice(S)]);
    expect(plainRun).toHaveBeenCalledTimes(1);
    expect(fullRun).not.toHaveBeenCalled();
    const domain = new Float32Array(n * D);
    domain.set(pack.identity, 0);
    domain.set(pack.identity, D);
    const full = await runF32(
      pack.sessions.synthesis,
      { ws: f32(ws, [n, N, L]), domain: f32(domain, [n, D]), style_delta: f32(delta, [n, S]) },
      'images',
    );
    expect(full.dims).toEqual([n, 3, R, R]);
    const want = tensorToImages(full.data, full.dims).flatMap((img) => Array.from(img.data));
    const got = images.flatMap((img) => Array.from(img.data));
    expect(meanAbs(Float32Array.from(got), Float32Array.from(want))).toBeLessThanOrEqual(0.5);
    plainRun.mockRestore();
    fullRun.mockRestore();
  });

  it('leaves a batch with any other domain to synthesis.onnx', async () => {
    const { ws } = await engine.samplesToWs({ seeds: [3, 4] });
    const other = pack.identity.map((v, i) => v + 0.1 * Math.cos(i));
    const plainRun = vi.spyOn(pack.sessions.synthesisIdentity!, 'run');
    const fullRun = vi.spyOn(pack.sessions.synthesis, 'run');
    await engine.synthesize(ws, 2, [pack.identity, other]);
    expect(plainRun).not.toHaveBeenCalled();
    expect(fullRun).toHaveBeenCalledTimes(1);
    plainRun.mockRestore();
    fullRun.mockRestore();
  });
});

// The engine in worker threads: the same pictures and vectors as in the caller's thread, errors that keep their
// meaning, calls spread over the threads, and a thread that dies is replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOnnxPack, type OnnxEngine } from '../../../src/engine/index.js';
import { ThreadedEngine } from '../../../src/engine/threads/threaded-engine.js';
import { userMessageOf } from '../../../src/core/errors.js';
import { tinyPack } from '../../parity/packs.js';

let local: OnnxEngine;
let threaded: ThreadedEngine;
beforeAll(async () => {
  local = await openOnnxPack(tinyPack(), { provider: 'cpu', threads: 1 });
  threaded = await ThreadedEngine.open(tinyPack(), { provider: 'cpu', threads: 1, verifyHashes: true });
});
afterAll(async () => {
  await threaded?.close();
  await local?.close();
});

describe('ThreadedEngine', () => {
  it('reports the pack as the engine opened it in its thread', () => {
    expect(threaded.manifest).toEqual(local.manifest);
    expect(threaded.provider).toBe('cpu');
    expect(threaded.identityDomain()).toEqual(local.identityDomain());
  });

  it('renders the same pixels as the engine in this thread, as Buffers', async () => {
    const domain = await local.domainFromText({ target: 'a pixar character' });
    const remoteDomain = await threaded.domainFromText({ target: 'a pixar character' });
    expect(remoteDomain).toEqual(domain);
    const a = await local.generate({ samples: { seeds: [1, 2] }, domain, strength: 0.7 });
    const b = await threaded.generate({ samples: { seeds: [1, 2] }, domain, strength: 0.7 });
    expect(Buffer.isBuffer(b.images[0].data)).toBe(true);
    expect(b.images.map((img, i) => img.data.equals(a.images[i].data))).toEqual([true, true]);
    expect(b.ws).toEqual(a.ws);
  });

  it('keeps user-facing engine errors user-facing across the thread boundary', async () => {
    const err = await threaded.generate({ samples: { seeds: [-1] } }).catch((e) => e);
    expect(err.name).toBe('EngineInputError');
    expect(userMessageOf(err)).toMatch(/seed must be an integer/);
    const bad = await threaded.embedImage([Buffer.from('not a picture')]).catch((e) => e);
    expect(bad.name).toBe('ImageInputError');
  });

  it('blends on the calling thread like the engine does', () => {
    const id = local.identityDomain();
    const d = id.map((v, i) => v + (i % 3));
    expect(threaded.blend([d, id], [0.5, 0.5])).toEqual(local.blend([d, id], [0.5, 0.5]));
    expect(() => threaded.blend([], [])).toThrow(/at least one/);
  });

  // two threads each open the pack: slow on a loaded machine
  it('spreads concurrent calls over its threads and survives a thread that dies', { timeout: 300_000 }, async () => {
    const two = await ThreadedEngine.open(tinyPack(), { provider: 'cpu', workers: 2 });
    try {
      const results = await Promise.all([1, 2, 3, 4].map((s) => two.generate({ samples: { seeds: [s] } })));
      expect(results).toHaveLength(4);
      // kill one thread from outside: its replacement serves the next calls
      const pool = (two as unknown as { pool: Array<{ worker: { terminate(): Promise<number> } }> }).pool;
      await pool[0].worker.terminate();
      expect(two.liveWorkers).toBe(1);
      const again = await Promise.all([5, 6].map((s) => two.generate({ samples: { seeds: [s] } })));
      expect(again.map((r) => r.images.length)).toEqual([1, 1]);
      expect(two.liveWorkers).toBe(2);
    } finally {
      await two.close();
    }
    await expect(two.generate({ samples: { seeds: [1] } })).rejects.toThrow(/closed/);
  });
});

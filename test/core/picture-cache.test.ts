import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPack } from '../../src/engine/index.js';
import type { Engine, RgbImage } from '../../src/engine/types.js';
import { PictureCache, renderKey } from '../../src/core/picture-cache.js';
import { TINY_PACK } from './helpers.js';

const picture = (bytes: number, fill = 0): RgbImage => ({ width: 1, height: bytes / 3, data: Buffer.alloc(bytes, fill) });
const row = (bytes: number, fill = 0) => ({ images: [picture(bytes, fill)], ws: new Float32Array(0) });

let engine: Engine;
beforeAll(async () => {
  engine = await openPack(TINY_PACK);
});
afterAll(async () => engine?.close());

describe('PictureCache', () => {
  it('stays within its byte bound, dropping the least recently used row first', () => {
    const cache = new PictureCache(300);
    cache.set('a', row(120, 1));
    cache.set('b', row(120, 2));
    expect(cache.get('a')?.images[0].data[0]).toBe(1); // a is now the most recently used
    cache.set('c', row(120, 3));
    expect(cache.usedBytes).toBeLessThanOrEqual(300);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    cache.set('huge', row(600));
    expect(cache.get('huge')).toBeUndefined(); // larger than the whole bound: not kept
    expect(cache.size).toBe(2);
  });

  it('renders once per key through through()', async () => {
    const cache = new PictureCache(1000);
    let renders = 0;
    const render = async () => (renders++, row(30));
    await cache.through('k', render);
    await cache.through('k', render);
    await cache.through('other', render);
    expect(renders).toBe(2);
  });

  it('keys a render by pack, samples, ψ and domain', async () => {
    const seeds = { samples: { seeds: [1, 2] } };
    const k = renderKey(engine, seeds);
    expect(renderKey(engine, { samples: { seeds: [1, 2] }, truncation: engine.manifest.truncation })).toBe(k); // ψ default spelled out
    expect(renderKey(engine, { samples: { seeds: [1, 3] } })).not.toBe(k);
    expect(renderKey(engine, { ...seeds, truncation: 0.5 })).not.toBe(k);
    const d = engine.identityDomain().map((v, i) => v + (i % 3) * 0.01);
    expect(renderKey(engine, { ...seeds, domain: d })).not.toBe(k);
    expect(renderKey(engine, { ...seeds, domain: d, strength: 0.5 })).not.toBe(renderKey(engine, { ...seeds, domain: d }));
    const ws = new Float32Array(engine.manifest.numWs * engine.manifest.latentDim);
    expect(renderKey(engine, { samples: { ws, n: 1 } })).toBe(renderKey(engine, { samples: { ws: ws.slice(), n: 1 } }));
    ws[0] = 1;
    expect(renderKey(engine, { samples: { ws, n: 1 } })).not.toBe(
      renderKey(engine, { samples: { ws: new Float32Array(ws.length), n: 1 } }),
    );
  });
});

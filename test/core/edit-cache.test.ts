// The bot's cache of StyleCLIP edit directions (src/core/cache.ts) on a real SQLite store and real packs: two packs with
// the same files but different edit-text settings (pack.json `styleclip.text`, which no file hash covers) never share
// an entry, so settings added to a pack take effect at once.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineCache } from '../../src/core/cache.js';
import { Stores } from '../../src/core/stores.js';
import { openOnnxPack, type OnnxEngine } from '../../src/engine/index.js';
import { tinyPack } from '../parity/packs.js';

let dir: string;
let stores: Stores;
let plain: OnnxEngine;
let own: OnnxEngine;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'edit-cache-'));
  const copy = path.join(dir, 'pack');
  await cp(tinyPack(), copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}reference`) && !src.includes('styleclip_') });
  const m = JSON.parse(await readFile(path.join(copy, 'pack.json'), 'utf8'));
  m.styleclip.text = { templates: ['a photo of {}', 'a sketch of {}'], neutral: 'a face', phrase: { subjects: ['a face'] } };
  await writeFile(path.join(copy, 'pack.json'), JSON.stringify(m));
  stores = await Stores.open(`sqlite://${path.join(dir, 'bot.sqlite')}`);
  plain = await openOnnxPack(tinyPack(), { provider: 'cpu', threads: 1 });
  own = await openOnnxPack(copy, { provider: 'cpu', threads: 1 });
});
afterAll(async () => {
  await plain?.close();
  await own?.close();
  await stores?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cached edit directions', () => {
  it("follow the pack's edit-text settings, not only its files", async () => {
    expect(own.manifest.name).toBe(plain.manifest.name);
    const cache = new EngineCache(stores);
    const official = await cache.editDirection(plain, 'glasses', undefined, 3);
    const mine = await cache.editDirection(own, 'glasses', undefined, 3);
    expect(Array.from(mine)).toEqual(Array.from((await own.editDirection({ target: 'glasses', strength: 3 })).delta));
    expect(Array.from(mine)).not.toEqual(Array.from(official));
    // a repeat is a hit: the same values again
    expect(Array.from(await cache.editDirection(own, 'glasses', undefined, 3))).toEqual(Array.from(mine));
  });
});

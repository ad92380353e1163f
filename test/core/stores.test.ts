import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stores } from '../../src/core/stores.js';
import { UserError } from '../../src/core/platform.js';
import { base64ToFloats, domainId, floatsToBase64 } from '../../src/core/encoding.js';
import { SqliteBackend } from '../../src/core/store-sqlite.js';

let dir: string;
let url: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-stores-'));
  url = `sqlite://${join(dir, 'sub', 'bot.sqlite')}`;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const vec = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

describe('Stores on a real SQLite file', () => {
  it('round-trips Float32Array through base64 exactly', () => {
    const v = vec(17, (i) => Math.sin(i) * 1e-3 + i);
    expect(Array.from(base64ToFloats(floatsToBase64(v)))).toEqual(Array.from(v));
    const sub = v.subarray(3, 9); // a view with an offset
    expect(Array.from(base64ToFloats(floatsToBase64(sub)))).toEqual(Array.from(sub));
  });

  it('keeps saved domains, votes, results, caches and settings across a restart', async () => {
    const a = await Stores.open(url);
    expect(existsSync(join(dir, 'sub', 'bot.sqlite'))).toBe(true);
    const d = vec(8, (i) => i / 7);
    await a.saveDomain({
      name: 'Pixar Faces',
      serverId: 's1',
      pack: 'tiny',
      domain: floatsToBase64(d),
      domainId: 'abc',
      prompt: 'pixar',
      creatorId: 'u1',
      creatorName: 'Ada',
      createdAt: 1,
    });
    await a.vote('s1', 'abc', 'u1', 1);
    await a.vote('s1', 'abc', 'u2', 1);
    const changed = await a.vote('s1', 'abc', 'u2', -1); // changing a vote replaces it
    expect(changed).toEqual({ up: 1, down: 1, mine: -1 });
    await a.setEmbedding(
      'tiny',
      'text:x',
      vec(4, (i) => i + 0.5),
    );
    await a.setDomain('tiny', 'text:y', d);
    await a.putResult({
      id: 'r1',
      kind: 'adapt',
      serverId: 's1',
      channelId: 'c1',
      ownerId: 'u1',
      pack: 'tiny',
      prompt: 'p',
      seeds: [1, 2],
      strength: 1,
      createdAt: 2,
    });
    await a.updateSettings('s1', { blocklist: ['bad'], userJobCap: 5 });
    await a.close();

    const b = await Stores.open(url);
    const saved = await b.getSaved('s1', 'pixar-faces');
    expect(saved?.name).toBe('pixar-faces');
    expect(Array.from(base64ToFloats(saved!.domain))).toEqual(Array.from(d));
    expect(await b.tally('s1', 'abc')).toEqual({ up: 1, down: 1 });
    expect(await b.tally('s2', 'abc')).toEqual({ up: 0, down: 0 }); // per server
    expect(Array.from((await b.getEmbedding('tiny', 'text:x'))!)).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(await b.getEmbedding('other-pack', 'text:x')).toBeUndefined();
    expect(Array.from((await b.getDomain('tiny', 'text:y'))!)).toEqual(Array.from(d));
    expect((await b.latestResult('s1', 'c1'))?.seeds).toEqual([1, 2]);
    expect(await b.latestResult('s1', 'c2')).toBeUndefined();
    const settings = await b.getSettings('s1');
    expect(settings.blocklist).toEqual(['bad']);
    expect(settings.userJobCap).toBe(5);
    expect((await b.getSettings('s2')).userJobCap).toBe(3);
    await b.close();
  });

  it('writes a domain vector once: the prompt cache and the results refer to it by id', async () => {
    const a = await Stores.open(url);
    const d = vec(64, (i) => Math.cos(i));
    const id = domainId(d);
    await a.setDomain('tiny', 'text:prompt', d);
    const rec = {
      kind: 'adapt' as const,
      serverId: 's1',
      channelId: 'c1',
      ownerId: 'u1',
      pack: 'tiny',
      prompt: 'p',
      seeds: [1],
      strength: 1,
      createdAt: 1,
      domain: floatsToBase64(d),
      domainId: id,
    };
    await a.putResult({ ...rec, id: 'r1' });
    await a.putResult({ ...rec, id: 'r2', strength: 1.5 });
    await a.close();
    // what is in the file, read through the backend directly
    const raw = await SqliteBackend.open(url.replace(/^sqlite:\/\//, ''));
    const results = raw.keyv('results');
    const domains = raw.keyv('domains');
    expect(Object.keys((await results.get('s1:r1')) as object)).not.toContain('domain');
    expect(await domains.get('tiny:text:prompt')).toBe(`@${id}`);
    expect(await domains.get(`tiny:id:${id}`)).toBe(floatsToBase64(d));
    await raw.close();
    const b = await Stores.open(url);
    expect(Array.from(base64ToFloats((await b.getResult('s1', 'r2'))!.domain!))).toEqual(Array.from(d));
    expect(Array.from((await b.getDomain('tiny', 'text:prompt'))!)).toEqual(Array.from(d));
    // a record whose domainId is not its vector's hash keeps the vector inline
    await b.putResult({ ...rec, id: 'r3', domainId: 'not-a-hash' });
    expect((await b.getResult('s1', 'r3'))!.domain).toBe(floatsToBase64(d));
    await b.close();
  });

  it('votes once per user; the same vote again withdraws it; concurrent votes are all counted', async () => {
    const s = await Stores.open(url);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.vote('s1', 'd', `u${i}`, i % 4 === 0 ? -1 : 1)));
    expect(await s.tally('s1', 'd')).toEqual({ up: 15, down: 5 });
    expect(await s.vote('s1', 'd', 'u1', 1)).toEqual({ up: 14, down: 5, mine: 0 });
    await s.close();
  });

  it('renames and deletes saved domains; refuses duplicates and bad names', async () => {
    const s = await Stores.open(url);
    const changed: string[] = [];
    s.changes.on('saved', (serverId: string) => changed.push(serverId));
    const base = { serverId: 's1', pack: 'tiny', domain: '', domainId: 'x', prompt: 'p', creatorId: 'u1', creatorName: 'A', createdAt: 0 };
    await s.saveDomain({ ...base, name: 'one' });
    await s.saveDomain({ ...base, name: 'two' });
    await expect(s.saveDomain({ ...base, name: 'ONE' })).rejects.toBeInstanceOf(UserError);
    await expect(s.saveDomain({ ...base, name: 'no/slashes' })).rejects.toThrow(/1–32 letters/);
    await expect(s.renameSaved('s1', 'one', 'two')).rejects.toThrow(/already exists/);
    await s.renameSaved('s1', 'one', 'three');
    expect((await s.listSaved('s1')).map((d) => d.name)).toEqual(['three', 'two']);
    expect(await s.deleteSaved('s1', 'two')).toBe(true);
    expect(await s.deleteSaved('s1', 'two')).toBe(false);
    expect((await s.listSaved('s1')).map((d) => d.name)).toEqual(['three']);
    // the views of saved domains (the playground's gallery panel) hear of each change that was written
    expect(changed).toEqual(['s1', 's1', 's1', 's1']);
    await s.close();
  });

  it('says clearly when a store cannot be reached or its scheme is unknown', async () => {
    await expect(Stores.open('redis://127.0.0.1:1')).rejects.toThrow(/Could not reach the Redis store at redis:\/\/127.0.0.1:1/);
    await expect(Stores.open('mongo://x')).rejects.toThrow(/unsupported storeUrl/);
  });
});

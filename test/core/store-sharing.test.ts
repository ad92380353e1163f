// The store's promises with real backends and real separate processes: Redis shared by two bot processes loses
// nothing; a SQLite file is owned by one process and refuses a second; a corrupt or foreign file stops the start;
// a write that fails is reported as not saved.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreOpenError } from '../../src/core/store-backend.js';
import { Stores, StoreWriteError } from '../../src/core/stores.js';
import { UserError } from '../../src/core/platform.js';
import { type RedisHandle, startRedis } from '../../scripts/processes.js';

const run = promisify(execFile);
const script = resolve(import.meta.dirname, '../helpers/store-process.ts');
const silent = { info: () => {}, error: () => {} };

/** Runs one store process to completion; its JSON line. */
async function storeProcess(...args: string[]): Promise<{ ok?: boolean; error?: string }> {
  const out = await run(process.execPath, ['--import', 'tsx', script, ...args]).catch((e: { stdout?: string }) => ({
    stdout: e.stdout ?? '',
  }));
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds-store-sharing-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Redis store shared by several processes', () => {
  let redis: RedisHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('counts 100 votes split across two processes as 100, and keeps all 20 saves of two processes', async () => {
    const [a, b] = await Promise.all([storeProcess(redis.url, 'vote', '0', '50'), storeProcess(redis.url, 'vote', '50', '50')]);
    expect([a, b]).toEqual([{ ok: true }, { ok: true }]);
    const [c, d] = await Promise.all([storeProcess(redis.url, 'save', '0', '10'), storeProcess(redis.url, 'save', '10', '10')]);
    expect([c, d]).toEqual([{ ok: true }, { ok: true }]);
    const [e, f] = await Promise.all([storeProcess(redis.url, 'settings', 'a'), storeProcess(redis.url, 'settings', 'b')]);
    expect([e, f]).toEqual([{ ok: true }, { ok: true }]);

    const stores = await Stores.open(redis.url, { log: silent });
    expect(await stores.tally('s1', 'domain-1')).toEqual({ up: 100, down: 0 });
    expect((await stores.listSaved('s1')).length).toBe(20);
    const settings = await stores.getSettings('s1');
    expect([settings.blocklist, settings.userJobCap]).toEqual([['from-a'], 7]); // both processes' changes stay
    // the same vote again withdraws it, also across processes
    expect(await stores.vote('s1', 'domain-1', 'user-3', 1)).toEqual({ up: 99, down: 0, mine: 0 });
    await stores.close();
  });

  it('keeps everything the SQLite store keeps: results, caches, rename, delete, duplicate refusal', async () => {
    const s = await Stores.open(redis.url, { log: silent });
    await s.putResult({
      id: 'r1',
      kind: 'adapt',
      serverId: 's2',
      channelId: 'c1',
      ownerId: 'u1',
      pack: 'p',
      prompt: 'x',
      seeds: [4],
      strength: 1,
      createdAt: 1,
    });
    expect((await s.latestResult('s2', 'c1'))?.seeds).toEqual([4]);
    await s.setEmbedding('p', 'text:k', Float32Array.of(0.5, 1.5));
    expect(Array.from((await s.getEmbedding('p', 'text:k'))!)).toEqual([0.5, 1.5]);
    const base = { serverId: 's2', pack: 'p', domain: '', domainId: 'x', prompt: 'p', creatorId: 'u', creatorName: 'U', createdAt: 0 };
    await s.saveDomain({ ...base, name: 'one' });
    await expect(s.saveDomain({ ...base, name: 'One' })).rejects.toThrow(/already exists/);
    await s.renameSaved('s2', 'one', 'two');
    expect((await s.listSaved('s2')).map((d) => d.name)).toEqual(['two']);
    expect(await s.deleteSaved('s2', 'two')).toBe(true);
    expect(await s.listSaved('s2')).toEqual([]);
    await s.close();
  });

  it('tells "not saved, try again" when Redis goes away, never "saved"', async () => {
    const own = await startRedis();
    const s = await Stores.open(own.url, { log: silent });
    await s.vote('s1', 'd', 'u1', 1);
    await own.stop();
    const failed = s.vote('s1', 'd', 'u2', 1);
    await expect(failed).rejects.toBeInstanceOf(StoreWriteError);
    await expect(failed).rejects.toBeInstanceOf(UserError); // so the bot shows it to the user as it is
    await expect(failed).rejects.toThrow(/Not saved.*try again/);
    await expect(s.updateSettings('s1', { blocklist: ['x'] })).rejects.toThrow(/Not saved/);
    await s.close();
  });
});

describe('SQLite store file', () => {
  it('refuses a second process on the same file with a message naming the file, and serves again once released', async () => {
    const file = join(dir, 'owned.sqlite');
    const owner = await Stores.open(`sqlite://${file}`, { log: silent });
    await owner.vote('s1', 'd', 'u1', 1);
    const second = await storeProcess(`sqlite://${file}`, 'vote', '0', '1');
    expect(second.error).toContain(`The store file ${file} is in use by another process`);
    await owner.close();
    expect(await storeProcess(`sqlite://${file}`, 'vote', '0', '1')).toEqual({ ok: true });
    const again = await Stores.open(`sqlite://${file}`, { log: silent });
    expect(await again.tally('s1', 'd')).toEqual({ up: 1, down: 0 }); // u1 from the first owner; user-0 from the second process
    expect(await again.tally('s1', 'domain-1')).toEqual({ up: 1, down: 0 });
    await again.close();
  });

  it('stops the start on a file that is not SQLite, or a truncated one, naming the file', async () => {
    const foreign = join(dir, 'notes.sqlite');
    writeFileSync(foreign, 'these are my notes, not a database\n'.repeat(200));
    const err = await Stores.open(`sqlite://${foreign}`, { log: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as Error).message).toContain(`The store file ${foreign} is not a readable SQLite database`);

    const good = join(dir, 'good.sqlite');
    const s = await Stores.open(`sqlite://${good}`, { log: silent });
    for (let i = 0; i < 200; i++) await s.setEmbedding('p', `k${i}`, new Float32Array(256).fill(i));
    await s.close();
    const cut = join(dir, 'cut.sqlite');
    copyFileSync(good, cut);
    truncateSync(cut, 6000);
    await expect(Stores.open(`sqlite://${cut}`, { log: silent })).rejects.toThrow(
      `The store file ${cut} is not a readable SQLite database`,
    );
  });
});

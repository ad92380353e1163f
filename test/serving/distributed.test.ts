// Distributed mode with real processes: redis-server, two front ends (npm start with QUEUE_URL, the playground)
// and two render workers (src/worker.ts) on the tiny fixture pack. Every job is delivered exactly once; a
// worker killed with SIGKILL mid-job loses nothing (its job completes on the other worker); a front end killed
// with SIGKILL mid-job loses nothing (the other front end delivers its results, once). The front ends share one
// Redis store, as a deployment of several front ends must: 100 votes split across them count as 100.
import { Redis } from 'ioredis';
import { Stores } from '../../src/core/stores.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, startFrontEnd, startRedis, startWorker, type FrontEnd, type Proc } from '../../scripts/processes.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
const procs: Proc[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const p of procs.reverse()) await p.kill('SIGKILL').catch(() => undefined);
  await redis?.proc.kill('SIGKILL');
});

/** results (one "**Domain:** <prompt>" message each) by prompt, over every front end's channel */
async function resultsByPrompt(frontEnds: FrontEnd[], prefix: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const fe of frontEnds)
    for (const m of await fe.messages()) {
      const prompt = /^\*\*Domain:\*\* (\S+)/.exec(m.text)?.[1];
      if (prompt?.startsWith(prefix)) counts.set(prompt, (counts.get(prompt) ?? 0) + 1);
    }
  return counts;
}

async function failures(frontEnds: FrontEnd[]): Promise<string[]> {
  const out: string[] = [];
  for (const fe of frontEnds) for (const m of await fe.messages()) if (/❌|Something went wrong/.test(m.text)) out.push(m.text);
  return out;
}

describe('distributed mode (BullMQ on a real redis-server)', () => {
  it('two front ends and two workers deliver 200 jobs from 20 users, each exactly once', async () => {
    const [w1, w2] = await Promise.all([startWorker(redis.url, 'worker-1'), startWorker(redis.url, 'worker-2')]);
    procs.push(w1, w2);
    const store = { STORE_URL: redis.url };
    const [a, b] = await Promise.all([startFrontEnd(redis.url, 'front-a', store), startFrontEnd(redis.url, 'front-b', store)]);
    procs.push(a, b);

    // room for every job at once: 10 per user, 200 per server (asked on each front end; the store is shared)
    for (const fe of [a, b]) {
      await fe.command('admin', '/settings caps user: 10 server: 200', true);
      await expect
        .poll(async () => (await fe.messages('admin')).some((m) => /10 jobs per user, 200 per server|user 10|200/.test(m.text)), {
          timeout: 120_000,
        })
        .toBe(true);
    }
    const sent: string[] = [];
    for (let j = 0; j < 10; j++)
      for (let u = 0; u < 20; u++) {
        const prompt = `bulk-u${u}-j${j}`;
        sent.push(prompt);
        await (u % 2 ? a : b).command(`user${u}`, `/adapt prompt: ${prompt} count: 1 seed: ${u * 10 + j}`);
      }
    await expect
      .poll(async () => [...(await resultsByPrompt([a, b], 'bulk-')).values()].reduce((s, n) => s + n, 0), {
        timeout: 300_000,
        interval: 2000,
      })
      .toBe(200);
    const counts = await resultsByPrompt([a, b], 'bulk-');
    expect([...counts.keys()].sort()).toEqual([...sent].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await failures([a, b])).toEqual([]);
    // both workers took jobs, and no job ran twice
    const started = [w1, w2].map((w) =>
      logLines(w)
        .filter((l) => / started: /.test(l.msg))
        .map((l) => l.jobId),
    );
    expect(started[0].length).toBeGreaterThan(0);
    expect(started[1].length).toBeGreaterThan(0);
    expect(new Set(started.flat()).size).toBe(200);
  }, 480_000);

  it('a worker killed with SIGKILL mid-job: the job completes on the other worker and is delivered once', async () => {
    const fe = procs.find((p): p is FrontEnd => 'base' in p)!;
    const [w1, w2] = procs.filter((p) => !('base' in p));
    // a long job (8 samples) on a queue with one job: whichever worker takes it is frozen (SIGSTOP) as soon as it says
    // so, then killed. A tiny-pack job can finish before the signal lands (a loaded machine, fast graphs): then the
    // worker is thawed and a new job tried, so that the kill always lands mid-job
    let victim: Proc | undefined;
    let other: Proc | undefined;
    let jobId = '';
    let attempt = 0;
    while (!victim) {
      attempt++;
      expect(attempt, 'a job frozen before it was done').toBeLessThanOrEqual(5);
      const user = `killer${attempt}`;
      await fe.command(user, `/adapt prompt: survivor-${attempt} count: 8 seed: 5`);
      const started = new RegExp(`started: render for user ${user}\\b`);
      const which = await Promise.race([w1.waitFor(started), w2.waitFor(started)].map((p, i) => p.then(() => i)));
      const taker = which === 0 ? w1 : w2;
      process.kill(-taker.child.pid!, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 300)); // what it wrote before the stop reaches its log
      jobId = logLines(taker).find((l) => started.test(l.msg))!.jobId!;
      if (logLines(taker).some((l) => l.jobId === jobId && / done /.test(l.msg))) process.kill(-taker.child.pid!, 'SIGCONT');
      else [victim, other] = [taker, which === 0 ? w2 : w1];
    }
    await victim.kill('SIGKILL');
    await other!.waitFor(new RegExp(`"jobId":"${jobId}".*done|job ${jobId} done`), 120_000);
    const prompt = `survivor-${attempt}`;
    await expect.poll(async () => (await resultsByPrompt([fe], 'survivor-')).get(prompt), { timeout: 60_000 }).toBe(1);
    // a while later it is still there once (a late second completion would add another)
    await new Promise((r) => setTimeout(r, 3000));
    expect((await resultsByPrompt([fe], 'survivor-')).get(prompt)).toBe(1);
    expect(await failures([fe])).toEqual([]);
  }, 300_000);

  it('100 votes split across the two front ends count as 100 in the shared store', async () => {
    const [a, b] = procs.filter((p): p is FrontEnd => 'base' in p);
    // the same prompt on both: the same domain, which is what votes count toward
    for (const fe of [a, b]) await fe.command('voter', '/adapt prompt: vote-same count: 1 seed: 3');
    const resultOn = async (fe: FrontEnd) => (await fe.messages('voter')).find((m) => m.text.startsWith('**Domain:** vote-same'));
    await expect.poll(async () => Boolean((await resultOn(a)) && (await resultOn(b))), { timeout: 120_000 }).toBe(true);
    const [ma, mb] = [(await resultOn(a))!, (await resultOn(b))!];
    const up = (m: NonNullable<typeof ma>) => m.buttons!.flat().find((x) => /:vote:.*:up$/.test(x.id))!.id;
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a.press(`v${i}`, ma.id, up(ma)) : b.press(`v${i}`, mb.id, up(mb)))));
    const stores = await Stores.open(redis.url, { log: { info: () => undefined, error: () => undefined } });
    try {
      const rec = await stores.latestResult('playground', 'general');
      expect(rec?.domainId).toBeTruthy();
      await expect.poll(() => stores.tally('playground', rec!.domainId!), { timeout: 60_000 }).toEqual({ up: 100, down: 0 });
    } finally {
      await stores.close();
    }
  }, 300_000);

  it('a front end killed with SIGKILL mid-job: the other front end delivers its results, each once', async () => {
    const [a, b] = procs.filter((p): p is FrontEnd => 'base' in p);
    const workers = procs.filter((p) => !('base' in p) && p.child.exitCode === null && p.child.signalCode === null);
    const frontEndId = (fe: FrontEnd) => /front end (fe-[\w-]+):/.exec(fe.output())![1];
    const signal = (sig: NodeJS.Signals) => workers.forEach((w) => process.kill(-w.child.pid!, sig));
    const redisClient = new Redis(redis.url);
    try {
      const owned = async () =>
        Object.entries(await redisClient.hgetall('domainshift:delivery-owners'))
          .filter(([, o]) => o === frontEndId(a))
          .map(([id]) => id);
      const before = new Set(await owned());
      // the first job starts on a worker, which is then frozen (SIGSTOP): the job is mid-job, the other two queued
      await a.command('orphan0', '/adapt prompt: orphan-0 count: 4 seed: 1');
      await Promise.race(workers.map((w) => w.waitFor(/started: render for user orphan0/)));
      signal('SIGSTOP');
      for (let k = 1; k < 3; k++) await a.command(`orphan${k}`, `/adapt prompt: orphan-${k} count: 4 seed: ${k}`);
      const fresh = async () => (await owned()).filter((id) => !before.has(id));
      await expect.poll(async () => (await fresh()).length, { timeout: 60_000 }).toBe(3);
      const jobIds = await fresh();
      await a.kill('SIGKILL');
      signal('SIGCONT');
      // every job is claimed for delivery once, by b, after a's lease ran out
      const claims = async () => Promise.all(jobIds.map((id) => redisClient.get(`domainshift:delivered:${id}`)));
      await expect.poll(async () => (await claims()).every((c) => c !== null), { timeout: 180_000, interval: 1000 }).toBe(true);
      expect(await claims()).toEqual(jobIds.map(() => frontEndId(b)));
      expect(logLines(b).filter((l) => /^adopted job /.test(l.msg)).length).toBe(3);
      // b's page takes them from the mailbox: each result once, nothing failed
      await expect
        .poll(async () => [...(await resultsByPrompt([b], 'orphan-')).keys()].sort(), { timeout: 30_000 })
        .toEqual(['orphan-0', 'orphan-1', 'orphan-2']);
      await new Promise((r) => setTimeout(r, 3000));
      expect([...(await resultsByPrompt([b], 'orphan-')).values()]).toEqual([1, 1, 1]);
      expect(await failures([b])).toEqual([]);
      // their delivery records went with the claims
      for (const id of jobIds) expect(await redisClient.hexists('domainshift:delivery-owners', id)).toBe(0);
    } finally {
      signal('SIGCONT');
      redisClient.disconnect();
    }
  }, 300_000);
});

import { describe, expect, it } from 'vitest';
import { InProcessJobQueue, CancelledError, type JobQueue } from '../../src/core/jobs.js';
import { UserError } from '../../src/core/platform.js';

/** a job that records when it started and finishes when released */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

describe('InProcessJobQueue', () => {
  it('implements the asynchronous JobQueue interface', async () => {
    const q: JobQueue = new InProcessJobQueue();
    const job = await q.submit({ userId: 'u', serverId: 's', kind: 't', description: 'd', run: async () => 7 });
    expect(await job.result).toBe(7);
    expect(await q.position(job.id)).toBeUndefined();
    expect(await q.list()).toEqual([]);
    expect(await q.cancel(job.id, { userId: 'u', serverId: 's', isManager: false })).toBe(false);
    await expect(q.submit({ userId: 'u', serverId: 's', kind: 't', description: 'd', run: async () => 1 }, { userCap: 0 })).rejects.toBeInstanceOf(UserError);
  });

  it('is fair between users: round robin, not first come first served', async () => {
    const q = new InProcessJobQueue({ concurrency: 1, defaultUserCap: 10 });
    const order: string[] = [];
    const first = gate();
    const job = (user: string, tag: string, wait?: Promise<void>) =>
      q.submitNow({ userId: user, serverId: 's', kind: 't', description: tag, run: async () => { order.push(tag); await wait; return tag; } });
    const blocker = job('alice', 'a0', first.p); // runs at once and holds the device
    const alice = [1, 2, 3, 4].map((i) => job('alice', `a${i}`));
    const bob = [1, 2].map((i) => job('bob', `b${i}`));
    expect(blocker.position).toBe(0);
    // positions before anything else starts: alice's four, bob's two, interleaved
    expect(q.listNow().filter((j) => j.state === 'queued').map((j) => j.description)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4']);
    expect(q.positionNow(bob[0].id)).toBe(2);
    expect(q.positionNow(alice[3].id)).toBe(6);
    first.open();
    await Promise.all([blocker.result, ...alice.map((j) => j.result), ...bob.map((j) => j.result)]);
    expect(order).toEqual(['a0', 'a1', 'b1', 'a2', 'b2', 'a3', 'a4']);
    expect(q.positionNow(bob[0].id)).toBeUndefined();
  });

  it('enforces caps per user and per server with a clear UserError', async () => {
    const q = new InProcessJobQueue({ concurrency: 1 });
    const g = gate();
    const run = async () => g.p;
    const jobs = [1, 2].map(() => q.submitNow({ userId: 'u', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 }));
    expect(() => q.submitNow({ userId: 'u', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 })).toThrow(/limit is 2/);
    jobs.push(q.submitNow({ userId: 'v', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 }));
    let err: unknown;
    try {
      q.submitNow({ userId: 'w', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/This server already has 3 jobs/);
    // another server is not affected
    jobs.push(q.submitNow({ userId: 'w', serverId: 's2', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 }));
    g.open();
    await Promise.all(jobs.map((j) => j.result));
    // finished jobs free the caps
    await q.submitNow({ userId: 'u', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 }).result;
  });

  it('cancels queued jobs (own, or any as manager) and running jobs through their signal', async () => {
    const q = new InProcessJobQueue({ concurrency: 1, defaultUserCap: 5 });
    const g = gate();
    const ran: string[] = [];
    const running = q.submitNow({
      userId: 'u', serverId: 's', kind: 't', description: 'long',
      run: async (job) => {
        job.progress(0.5, 'half');
        await g.p;
        job.throwIfCancelled();
        ran.push('long');
      },
    });
    const queued = q.submitNow({ userId: 'u', serverId: 's', kind: 't', description: 'q', run: async () => void ran.push('q') });
    const other = q.submitNow({ userId: 'v', serverId: 's', kind: 't', description: 'o', run: async () => void ran.push('o') });
    const resultQueued = queued.result.catch((e) => e);
    const resultRunning = running.result.catch((e) => e);
    expect(() => q.cancelNow(queued.id, { userId: 'v', serverId: 's', isManager: false })).toThrow(/your own jobs/);
    expect(q.cancelNow(queued.id, { userId: 'v', serverId: 'other', isManager: true })).toBe(false); // not that server's job
    expect(q.cancelNow(queued.id, { userId: 'u', serverId: 's', isManager: false })).toBe(true);
    expect(await resultQueued).toBeInstanceOf(CancelledError);
    expect(q.listNow().map((j) => j.description)).toEqual(['long', 'o']);
    expect(q.listNow()[0].progress).toBe(0.5);
    expect(q.cancelNow(running.id, { userId: 'boss', serverId: 's', isManager: true })).toBe(true);
    g.open();
    expect(await resultRunning).toBeInstanceOf(CancelledError);
    await other.result;
    expect(ran).toEqual(['o']);
    expect(q.cancelNow('nope', { userId: 'u', serverId: 's', isManager: true })).toBe(false);
  });

  it('reports progress and start to the submitter', async () => {
    const q = new InProcessJobQueue();
    const events: string[] = [];
    const j = q.submitNow(
      { userId: 'u', serverId: 's', kind: 't', description: '', run: async (job) => { job.progress(0.25, 'a'); job.progress(2, 'b'); return 42; } },
      { onStart: () => events.push('start'), onProgress: (f, n) => events.push(`${f}:${n}`) },
    );
    expect(await j.result).toBe(42);
    expect(events).toEqual(['start', '0.25:a', '1:b']);
  });
});

import { describe, expect, it } from 'vitest';
import { InProcessJobQueue } from '../../src/core/in-process-queue.js';
import { CancelledError, type JobQueue } from '../../src/core/jobs.js';
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
    await expect(
      q.submit({ userId: 'u', serverId: 's', kind: 't', description: 'd', run: async () => 1 }, { userCap: 0 }),
    ).rejects.toBeInstanceOf(UserError);
  });

  it('is fair between users: round robin, not first come first served', async () => {
    const q = new InProcessJobQueue({ concurrency: 1, defaultUserCap: 10 });
    const order: string[] = [];
    const first = gate();
    const job = (user: string, tag: string, wait?: Promise<void>) =>
      q.submitNow({
        userId: user,
        serverId: 's',
        kind: 't',
        description: tag,
        run: async () => {
          order.push(tag);
          await wait;
          return tag;
        },
      });
    const blocker = job('alice', 'a0', first.p); // runs at once and holds the device
    const alice = [1, 2, 3, 4].map((i) => job('alice', `a${i}`));
    const bob = [1, 2].map((i) => job('bob', `b${i}`));
    expect(blocker.position).toBe(0);
    // positions before anything else starts: alice's four, bob's two, interleaved
    expect(
      q
        .listNow()
        .filter((j) => j.state === 'queued')
        .map((j) => j.description),
    ).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4']);
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
    const jobs = [1, 2].map(() =>
      q.submitNow({ userId: 'u', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 }),
    );
    expect(() => q.submitNow({ userId: 'u', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 })).toThrow(
      /limit is 2/,
    );
    jobs.push(q.submitNow({ userId: 'v', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 }));
    // the server is full: the next jobs wait for a slot, up to as many again as the cap, then a clear refusal
    for (const user of ['w', 'x', 'y'])
      jobs.push(q.submitNow({ userId: user, serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 }));
    expect(jobs.slice(3).map((j) => j.position)).toEqual([3, 4, 5]);
    let err: unknown;
    try {
      q.submitNow({ userId: 'z', serverId: 's', kind: 't', description: '', run }, { userCap: 2, serverCap: 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/This server already has 3 jobs running or queued and 3 more waiting/);
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
      userId: 'u',
      serverId: 's',
      kind: 't',
      description: 'long',
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

  it('admits fairly when a server is at its cap: the next slot goes to the user with fewer jobs', async () => {
    const q = new InProcessJobQueue({ concurrency: 1 });
    const gates = new Map<string, ReturnType<typeof gate>>();
    const started: string[] = [];
    const job = (user: string, tag: string) => {
      const g = gate();
      gates.set(tag, g);
      return q.submitNow(
        {
          userId: user,
          serverId: 's',
          kind: 't',
          description: tag,
          run: async () => {
            started.push(tag);
            await g.p;
            return tag;
          },
        },
        { userCap: 3, serverCap: 8 },
      );
    };
    // four users hold two slots each: the server's cap of 8 is reached
    const held = ['a', 'b', 'c', 'd'].flatMap((u) => [job(u, `${u}1`), job(u, `${u}2`)]);
    // a third job of a heavy user first, then the first job of a fifth user: both wait, neither is refused
    const heavy = job('a', 'a3');
    const newcomer = job('e', 'e1');
    expect(
      q
        .listNow({ serverId: 's' })
        .map((j) => j.description)
        .slice(-2),
    ).toEqual(['e1', 'a3']);
    expect(q.positionNow(newcomer.id)).toBeLessThan(q.positionNow(heavy.id)!);
    // one slot frees: the newcomer (0 jobs) gets it before the heavy user (2 jobs), although it came later
    gates.get('a1')!.open();
    await held[0].result;
    expect(q.listNow({ serverId: 's' }).map((j) => j.description)).toContain('e1');
    expect(q.positionNow(heavy.id)).toBe(q.listNow().length);
    for (const g of gates.values()) g.open();
    await Promise.all([...held, heavy, newcomer].map((j) => j.result));
    expect(started.indexOf('e1')).toBeLessThan(started.indexOf('a3'));
  });

  it('a cancelled running job never delivers its result, even when its last stage ignored the signal', async () => {
    const q = new InProcessJobQueue({ concurrency: 1 });
    const g = gate();
    // the last stage of a render: no look at the signal after the work
    const j = q.submitNow({
      userId: 'u',
      serverId: 's',
      kind: 't',
      description: '',
      run: async () => {
        await g.p;
        return 'picture';
      },
    });
    const outcome = j.result.catch((e) => e);
    await new Promise((r) => setTimeout(r, 0));
    expect(q.cancelNow(j.id, { userId: 'u', serverId: 's', isManager: false })).toBe(true);
    g.open();
    expect(await outcome).toBeInstanceOf(CancelledError);
    // a waiting job of a full server is cancelled like a queued one
    const block = gate();
    const a = q.submitNow({ userId: 'u', serverId: 's', kind: 't', description: '', run: () => block.p }, { serverCap: 1 });
    const w = q.submitNow({ userId: 'v', serverId: 's', kind: 't', description: 'waiting', run: async () => 'no' }, { serverCap: 1 });
    const waited = w.result.catch((e) => e);
    expect(q.cancelNow(w.id, { userId: 'v', serverId: 's', isManager: false })).toBe(true);
    expect(await waited).toBeInstanceOf(CancelledError);
    block.open();
    await a.result;
    expect(q.listNow()).toEqual([]);
  });

  it('tells waiting jobs their new place whenever it changes', async () => {
    const q = new InProcessJobQueue({ concurrency: 1 });
    const g = gate();
    const told: number[] = [];
    const first = q.submitNow({ userId: 'a', serverId: 's', kind: 't', description: '', run: () => g.p });
    const second = q.submitNow({ userId: 'b', serverId: 's', kind: 't', description: '', run: () => g.p });
    const third = q.submitNow(
      { userId: 'c', serverId: 's', kind: 't', description: '', run: async () => 'done' },
      { onPosition: (n) => told.push(n) },
    );
    expect(third.position).toBe(2);
    q.cancelNow(second.id, { userId: 'b', serverId: 's', isManager: false });
    expect(told).toEqual([1]);
    g.open();
    await Promise.allSettled([first.result, second.result]);
    expect(await third.result).toBe('done');
    expect(told).toEqual([1]); // starting is told by onStart, not as a position
  });

  it('reports progress and start to the submitter', async () => {
    const q = new InProcessJobQueue();
    const events: string[] = [];
    const j = q.submitNow(
      {
        userId: 'u',
        serverId: 's',
        kind: 't',
        description: '',
        run: async (job) => {
          job.progress(0.25, 'a');
          job.progress(2, 'b');
          return 42;
        },
      },
      { onStart: () => events.push('start'), onProgress: (f, n) => events.push(`${f}:${n}`) },
    );
    expect(await j.result).toBe(42);
    expect(events).toEqual(['start', '0.25:a', '1:b']);
  });
});

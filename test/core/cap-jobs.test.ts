// The operator's job caps (MAX_JOBS_PER_USER / MAX_JOBS_PER_SERVER) as ceilings over a server's own settings,
// on the real in-process queue.
import { describe, expect, it } from 'vitest';
import { InProcessJobQueue } from '../../src/core/in-process-queue.js';
import { capJobs } from '../../src/core/jobs.js';

const hold = () => {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { done, release };
};

describe('capJobs', () => {
  it('keeps a server under the operator’s caps, even when its settings allow more', async () => {
    const queue = capJobs(new InProcessJobQueue({ concurrency: 1 }), { jobsPerUser: 1, jobsPerServer: 2 });
    const gate = hold();
    const job = (userId: string) => ({ userId, serverId: 's1', kind: 'adapt', description: 'test', run: () => gate.done });
    const first = await queue.submit(job('ann'), { userCap: 5, serverCap: 10 });
    await expect(queue.submit(job('ann'), { userCap: 5, serverCap: 10 })).rejects.toThrow('the limit is 1');
    const second = await queue.submit(job('ben'), { userCap: 5, serverCap: 10 });
    expect(second.position).toBe(1);
    // the server is full at 2: a third user's job waits for a slot (fair admission), and the line is bounded by the cap
    const waiting = await queue.submit(job('cat'), { userCap: 5, serverCap: 10 });
    expect(waiting.position).toBe(2);
    await queue.submit(job('dan'), { userCap: 5, serverCap: 10 });
    await expect(queue.submit(job('eve'), { userCap: 5, serverCap: 10 })).rejects.toThrow(
      /This server already has 2 jobs running or queued and 2 more waiting/,
    );
    // a server that set lower caps keeps them
    await expect(queue.submit({ ...job('dan'), serverId: 's2' }, { userCap: 0 })).rejects.toThrow('the limit is 0');
    gate.release();
    await Promise.all([first.result, second.result, waiting.result]);
    await queue.onIdle();
    expect(await queue.list()).toEqual([]);
  });
});

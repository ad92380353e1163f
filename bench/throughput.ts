// Distributed-mode throughput: a real redis-server, N render workers (src/worker.ts, separate processes) and a
// BullMQ front end in this process submitting /adapt jobs (CLIP, hypernet, two syntheses, PNG); jobs per minute
// with 1 worker, then 2. Prints the load average beside each number: on a shared machine it moves a lot.
//   npx tsx bench/throughput.ts [--jobs 40] [--pack models/demo] [--samples 4] [--workers 1,2]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openPack } from '../src/engine/index.js';
import { consoleLogger } from '../src/core/log.js';
import { BullMQJobQueue } from '../src/core/queue/bullmq-queue.js';
import type { RenderTask } from '../src/core/render-tasks.js';
import { startRedis, startWorker } from '../scripts/processes.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '40' },
    pack: { type: 'string', default: 'models/demo' },
    samples: { type: 'string', default: '4' },
    workers: { type: 'string', default: '1,2' },
  },
});

const redis = await startRedis();
const url = redis.url;
const engine = await openPack(args.pack, { provider: 'cpu', threads: 1 });
const log = consoleLogger({ log: () => undefined, error: (l: string) => console.error(l) });
const queue = await BullMQJobQueue.open({
  url,
  engines: new Map([[engine.manifest.name, engine]]),
  log,
  defaultUserCap: 1000,
  defaultServerCap: 1000,
});
const n = Number(args.jobs);
const seedsPer = Number(args.samples);

try {
  console.log(`throughput: ${n} /adapt jobs of ${seedsPer} samples each, pack ${args.pack}, CPU`);
  for (const workers of args.workers.split(',').map(Number)) {
    // ONNX Runtime at its default thread count, BullMQ's default 30 s lock
    const procs = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        startWorker(url, `worker-${i + 1}`, { PACK_DIR: args.pack, ORT_THREADS: '0', WORKER_LOCK_MS: '' }),
      ),
    );
    const load0 = loadavg()[0];
    const t0 = performance.now();
    const results = [];
    for (let j = 0; j < n; j++) {
      const task: RenderTask = {
        name: 'result',
        pack: engine.manifest.name,
        rec: {
          id: `b${j}`,
          kind: 'adapt',
          serverId: 's',
          channelId: 'c',
          ownerId: `u${j % 10}`,
          pack: engine.manifest.name,
          prompt: `t${j}`,
          seeds: Array.from({ length: seedsPer }, (_, i) => j * 10 + i),
          strength: 1,
          createdAt: Date.now(),
        },
        domainFromText: { target: `a marble statue ${j}` },
      };
      const submitted = await queue.submit({
        userId: `u${j % 10}`,
        serverId: 's',
        kind: 'render',
        description: 'bench',
        task,
        run: () => Promise.reject(new Error('runs on a worker')),
      });
      results.push(submitted.result);
    }
    await Promise.all(results);
    const minutes = (performance.now() - t0) / 60_000;
    console.log(
      `${workers} worker(s): ${(n / minutes).toFixed(1)} jobs/min (${(minutes * 60).toFixed(1)} s for ${n}); load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
    );
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
  }
} finally {
  await queue.close();
  await engine.close();
  await redis.stop();
}

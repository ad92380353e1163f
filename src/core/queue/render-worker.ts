// A render worker: takes jobs from BullMQ, checks that it holds the same packs as the front end that queued
// them, runs the RenderTask on its engines and hands back the result (size-limited) or a failure whose name
// says whether the user may see it. A worker that dies mid-job loses its lock; BullMQ gives the job to
// another worker once (maxStalledCount 1), and a job completes at most once, so it is delivered at most once.
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Engine } from '../../engine/types.js';
import type { EngineCache } from '../cache.js';
import type { PictureCache } from '../picture-cache.js';
import { CancelledError, type JobControl } from '../jobs.js';
import type { Logger } from '../log.js';
import { runRenderTask, type RenderTask } from '../render-tasks.js';
import { decodeValue, encodeLimited, errorToReason } from './codec.js';
import { fingerprints, packMismatch } from './pack-check.js';
import { CANCEL_CHANNEL, cancelledKey, DEFAULT_RESULT_BYTES, RENDER_QUEUE, type RenderJobData, type RenderProgress } from './names.js';

export interface RenderWorkerOptions {
  url: string;
  engines: Map<string, Engine>;
  cache: EngineCache;
  pictures?: PictureCache;
  /** jobs at once (one per engine thread / GPU) */
  concurrency: number;
  /** how long a job's lock lasts without renewal: a dead worker's job is taken up after about this long */
  lockMs?: number;
  maxResultBytes?: number;
  log: Logger;
}

export interface RunningWorker {
  readonly worker: Worker<RenderJobData>;
  close(): Promise<void>;
}

export async function startRenderWorker(options: RenderWorkerOptions): Promise<RunningWorker> {
  const { log } = options;
  const held = fingerprints(options.engines);
  const redis = new Redis(options.url, { maxRetriesPerRequest: null });
  const subscriber = redis.duplicate();
  const lockMs = options.lockMs ?? 30_000;

  const processor = async (job: Job<RenderJobData>, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const id = job.id!;
    const started = Date.now();
    log.info(
      `job ${id} started: ${job.data.kind} for user ${job.data.userId} (attempt ${job.attemptsStarted}, stalled ${job.stalledCounter})`,
      { jobId: id },
    );
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort());
    try {
      if (await redis.exists(cancelledKey(id))) throw new CancelledError();
      const mismatch = packMismatch(job.data.packs, held);
      if (mismatch) throw new Error(`${mismatch}; give every front end and worker the same pack files`);
      const control: JobControl = {
        id,
        signal: abort.signal,
        progress: (fraction, note) => void job.updateProgress({ fraction, note } satisfies RenderProgress).catch(() => undefined),
        throwIfCancelled: () => {
          if (abort.signal.aborted) throw new CancelledError();
        },
      };
      const task = decodeValue(job.data.task) as RenderTask;
      const out = await runRenderTask(task, { engines: options.engines, cache: options.cache, pictures: options.pictures }, control);
      control.throwIfCancelled();
      const encoded = encodeLimited(out, options.maxResultBytes ?? DEFAULT_RESULT_BYTES, 'The result');
      log.info(`job ${id} done in ${Date.now() - started} ms`, { jobId: id });
      return encoded;
    } catch (e) {
      const err = abort.signal.aborted || e instanceof CancelledError ? Object.assign(new CancelledError(), { name: 'CancelledError' }) : e;
      if (err instanceof CancelledError) log.info(`job ${id} cancelled`, { jobId: id });
      else log.error(`job ${id} failed`, e, { jobId: id });
      throw new Error(errorToReason(err));
    }
  };

  // BullMQ leaves a connection it was given open on close: closed in close() below
  const workerConnection = redis.duplicate();
  const worker = new Worker<RenderJobData>(RENDER_QUEUE, processor, {
    connection: workerConnection,
    concurrency: options.concurrency,
    maxStalledCount: 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
  });
  worker.on('error', (e) => log.error('worker: queue connection error', e));
  worker.on('stalled', (jobId) => log.info(`job ${jobId} stalled (its worker stopped); another worker takes it up`, { jobId }));

  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel, jobId: string) => {
    if (worker.cancelJob(jobId, 'cancelled by the user')) log.info(`job ${jobId}: cancel requested`, { jobId });
  });
  await worker.waitUntilReady();
  log.info(
    `render worker: ${options.concurrency} at once, packs ${Object.entries(held)
      .map(([n, sha]) => `${n} (${sha.slice(0, 12)})`)
      .join(', ')}`,
  );

  return {
    worker,
    async close() {
      await worker.close();
      workerConnection.disconnect();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}

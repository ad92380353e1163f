// The JobQueue of a front end in distributed mode: jobs go to Redis through BullMQ, render workers anywhere
// take them (`domainshift worker`), and progress, start, results and failures come back as BullMQ events.
// Fairness is BullMQ's priority: a user's k-th outstanding job gets priority k, so round k serves every user's
// k-th job before anyone's (k+1)-th, as the in-process queue does. Caps are counted over the whole queue.
// Every delivery is claimed in the ledger first (delivery-ledger.ts), so a job another front end adopted after
// this one stalled past its lease is not delivered twice.
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Engine } from '../../engine/types.js';
import { reviveError } from '../../engine/errors.js';
import { StoreWriteError } from '../stores.js';
import {
  CancelledError,
  type Delivery,
  type JobInfo,
  type JobQueue,
  type JobRequest,
  type SubmitOptions,
  type SubmittedJob,
} from '../jobs.js';
import type { Logger } from '../log.js';
import { UserError } from '../platform.js';
import { packsOf } from '../render-tasks.js';
import { decodeValue, encodeLimited, errorFromReason, PayloadTooLarge } from './codec.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { Mailbox } from './mailbox.js';
import { packFingerprint } from './pack-check.js';
import {
  CANCEL_CHANNEL,
  CANCEL_MARK_SECONDS,
  cancelledKey,
  DEFAULT_JOB_BYTES,
  newJobId,
  RENDER_QUEUE,
  type RenderJobData,
  type RenderProgress,
} from './names.js';

interface Waiting {
  opts: SubmitOptions;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const PENDING_STATES = ['prioritized', 'waiting'] as const;

/** where a job stands, for whoever delivers it */
export type JobEnd = { state: 'completed'; value: unknown } | { state: 'failed'; error: Error } | { state: 'pending' };
/** how often jobs this front end waits on are looked up directly, in case an event was missed (a reconnect) */
const SWEEP_MS = 5000;

/** A failure as the worker reported it, rebuilt so that userMessageOf and progress.ts treat it as before. */
export function failure(reason: string | undefined): Error {
  const { name, message } = errorFromReason(reason);
  return reviveError(name, message, { UserError, CancelledError, StoreWriteError });
}

export interface BullMQQueueOptions {
  url: string;
  engines: Map<string, Engine>;
  defaultUserCap?: number;
  defaultServerCap?: number;
  maxJobBytes?: number;
  log: Logger;
  /** how long this front end's lease lasts without a refresh (delivery-ledger.ts) */
  leaseMs?: number;
}

export class BullMQJobQueue implements JobQueue {
  private readonly waiting = new Map<string, Waiting>();
  private readonly sweep: NodeJS.Timeout;
  /** answers for playground pages whose front end died */
  readonly mailbox: Mailbox;

  private constructor(
    private readonly queue: Queue<RenderJobData>,
    private readonly events: QueueEvents,
    private readonly redis: Redis,
    private readonly eventsConnection: Redis,
    private readonly options: BullMQQueueOptions,
    readonly ledger: DeliveryLedger,
  ) {
    this.mailbox = new Mailbox(redis);
    events.on('active', ({ jobId }) => this.guard(() => this.waiting.get(jobId)?.opts.onStart?.()));
    events.on('progress', ({ jobId, data }) => {
      const p = data as RenderProgress;
      this.guard(() => this.waiting.get(jobId)?.opts.onProgress?.(p.fraction, p.note));
    });
    events.on('completed', ({ jobId }) => void this.settle(jobId));
    events.on('failed', ({ jobId }) => void this.settle(jobId));
    this.sweep = setInterval(() => {
      for (const id of this.waiting.keys()) void this.settle(id);
    }, SWEEP_MS);
    this.sweep.unref();
  }

  static async open(options: BullMQQueueOptions): Promise<BullMQJobQueue> {
    const redis = new Redis(options.url, { maxRetriesPerRequest: null });
    const queue = new Queue<RenderJobData>(RENDER_QUEUE, { connection: redis });
    // BullMQ leaves connections it was given open on close: both are closed in close() below
    const eventsConnection = redis.duplicate();
    const events = new QueueEvents(RENDER_QUEUE, { connection: eventsConnection });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const ledger = new DeliveryLedger(redis, options.leaseMs);
    await ledger.start((e) => options.log.error("queue: could not renew this front end's lease", e));
    return new BullMQJobQueue(queue, events, redis, eventsConnection, options, ledger);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch {
      /* a progress listener must not break the queue */
    }
  }

  /**
   * Where a job stands. The state is read first, the job after: a job read first and completing before its
   * state was read would come back "completed" with the null return value it had while active. A job BullMQ
   * no longer knows (removed, or cancelled while queued) ends as a failure.
   */
  async endOf(jobId: string): Promise<JobEnd> {
    const state = await this.queue.getJobState(jobId);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return { state: 'pending' };
    const job = await Job.fromId<RenderJobData>(this.queue, jobId);
    if (state === 'completed' && job) return { state, value: decodeValue(job.returnvalue) };
    if (state === 'failed' && job) return { state, error: failure(job.failedReason) };
    // "unknown" while the job's hash is still there is a job between lists, not a gone one
    if (state === 'unknown' && job) return { state: 'pending' };
    const cancelled = await this.redis.exists(cancelledKey(jobId));
    return { state: 'failed', error: cancelled ? new CancelledError() : new Error(`job ${jobId} is no longer in the queue`) };
  }

  /** Resolves or rejects a job this front end waits on, once it has finished and this front end won its claim. */
  private async settle(jobId: string): Promise<void> {
    const w = this.waiting.get(jobId);
    if (!w) return;
    try {
      const end = await this.endOf(jobId);
      if (end.state === 'pending') return;
      // the event and the sweep may both get here: only the first one delivers
      if (this.waiting.get(jobId) !== w) return;
      this.waiting.delete(jobId);
      let won: boolean;
      try {
        won = await this.ledger.claim(jobId);
      } catch (e) {
        this.waiting.set(jobId, w); // Redis unreachable: the sweep tries again
        throw e;
      }
      if (!won) {
        this.options.log.info(`queue: job ${jobId} was delivered by another front end (this one stalled past its lease)`, { jobId });
        return;
      }
      if (end.state === 'completed') w.resolve(end.value);
      else w.reject(end.error);
    } catch (e) {
      this.options.log.error(`queue: could not read job ${jobId} (will look again)`, e);
    }
  }

  async track(jobId: string, delivery: Delivery): Promise<void> {
    await this.ledger.record(jobId, delivery);
  }

  private async outstanding(): Promise<{ active: Job<RenderJobData>[]; pending: Job<RenderJobData>[] }> {
    const [active, pending] = await Promise.all([this.queue.getJobs(['active']), this.queue.getJobs([...PENDING_STATES], 0, -1, true)]);
    // prioritized jobs come back in the order they will start; jobs without a priority would start first
    return {
      active: active.filter(Boolean),
      pending: pending.filter(Boolean).sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0) || a.timestamp - b.timestamp),
    };
  }

  async submit<T>(req: JobRequest<T>, opts: SubmitOptions = {}): Promise<SubmittedJob<T>> {
    if (!req.task) throw new Error(`a ${req.kind} job without a task cannot run on a render worker`);
    const userCap = opts.userCap ?? this.options.defaultUserCap ?? 3;
    const serverCap = opts.serverCap ?? this.options.defaultServerCap ?? 10;
    const { active, pending } = await this.outstanding();
    const all = [...active, ...pending];
    const mine = all.filter((j) => j.data.userId === req.userId && j.data.serverId === req.serverId).length;
    if (mine >= userCap)
      throw new UserError(
        `You already have ${mine} job(s) queued or running (the limit is ${userCap}). Wait for one to finish, or cancel one with /queue.`,
      );
    const server = all.filter((j) => j.data.serverId === req.serverId).length;
    if (server >= serverCap)
      throw new UserError(
        `This server already has ${server} jobs queued or running (the limit is ${serverCap}). Please try again in a minute.`,
      );

    const packs = Object.fromEntries(
      packsOf(req.task).map((name) => {
        const engine = this.options.engines.get(name);
        if (!engine) throw new UserError(`The pack \`${name}\` is not loaded.`);
        return [name, packFingerprint(engine)];
      }),
    );
    let task: unknown;
    try {
      task = encodeLimited(req.task, this.options.maxJobBytes ?? DEFAULT_JOB_BYTES, 'This job');
    } catch (e) {
      if (e instanceof PayloadTooLarge) throw new UserError(`${e.message}.`);
      throw e;
    }
    const id = newJobId();
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res as (v: unknown) => void;
      reject = rej;
    });
    this.waiting.set(id, { opts, resolve, reject });
    const data: RenderJobData = {
      task,
      packs,
      userId: req.userId,
      serverId: req.serverId,
      kind: req.kind,
      description: req.description,
      createdAt: Date.now(),
    };
    try {
      await this.queue.add(req.kind, data, {
        jobId: id,
        priority: mine + 1,
        // finished jobs stay a while for the front ends to read, then go (Redis is not the result store)
        removeOnComplete: { age: 3600, count: 2000 },
        removeOnFail: { age: 3600, count: 2000 },
      });
    } catch (e) {
      this.waiting.delete(id);
      throw e;
    }
    return { id, position: (await this.position(id)) ?? 0, result };
  }

  async position(jobId: string): Promise<number | undefined> {
    const job = await Job.fromId<RenderJobData>(this.queue, jobId);
    if (!job) return undefined;
    const state = await job.getState();
    if (state === 'active') return 0;
    if (!(PENDING_STATES as readonly string[]).includes(state)) return undefined;
    const { pending } = await this.outstanding();
    const i = pending.findIndex((j) => j.id === jobId);
    return i < 0 ? undefined : i + 1;
  }

  async list(filter: { userId?: string; serverId?: string } = {}): Promise<Array<JobInfo & { position: number }>> {
    const { active, pending } = await this.outstanding();
    const info = (j: Job<RenderJobData>, state: JobInfo['state'], position: number) => ({
      id: j.id!,
      userId: j.data.userId,
      serverId: j.data.serverId,
      kind: j.data.kind,
      description: j.data.description,
      progress: typeof j.progress === 'object' && j.progress ? ((j.progress as unknown as RenderProgress).fraction ?? 0) : 0,
      state,
      createdAt: j.data.createdAt,
      position,
    });
    return [...active.map((j) => info(j, 'running', 0)), ...pending.map((j, i) => info(j, 'queued', i + 1))].filter(
      (j) =>
        (filter.userId === undefined || j.userId === filter.userId) && (filter.serverId === undefined || j.serverId === filter.serverId),
    );
  }

  async cancel(jobId: string, by: { userId: string; serverId: string; isManager: boolean }): Promise<boolean> {
    const job = await Job.fromId<RenderJobData>(this.queue, jobId);
    if (!job || job.data.serverId !== by.serverId) return false;
    const state = await job.getState();
    if (state !== 'active' && !(PENDING_STATES as readonly string[]).includes(state)) return false;
    if (job.data.userId !== by.userId && !by.isManager) throw new UserError('You can only cancel your own jobs.');
    await this.redis.set(cancelledKey(jobId), '1', 'EX', CANCEL_MARK_SECONDS);
    if (state !== 'active') {
      try {
        await job.remove();
        // the settle that follows finds it gone and cancelled, claims it and answers "cancelled"
        void this.settle(jobId);
        return true;
      } catch {
        // a worker took it meanwhile: cancel it where it runs
      }
    }
    await this.redis.publish(CANCEL_CHANNEL, jobId);
    return true;
  }

  async onIdle(): Promise<void> {
    while (this.waiting.size) await new Promise((r) => setTimeout(r, 200));
  }

  /** jobs this front end submitted and still waits on */
  get waitingOn(): number {
    return this.waiting.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    await this.ledger.stop().catch(() => undefined);
    await this.events.close();
    await this.queue.close();
    this.eventsConnection.disconnect();
    this.redis.disconnect();
  }
}

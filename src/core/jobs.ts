// The job queue contract: every render goes through it. The interface is what commands see, so the in-process
// queue (in-process-queue.ts) and the BullMQ queue with render workers elsewhere (queue/) are interchangeable.
import { type Actor, type MessageHandle, type Place, UserError } from './platform.js';
import type { RenderTask } from './render-tasks.js';

export interface JobInfo {
  id: string;
  userId: string;
  serverId: string;
  kind: string;
  description: string;
  /** 0..1 */
  progress: number;
  state: 'queued' | 'running';
  createdAt: number;
}

export interface JobControl {
  readonly id: string;
  /** aborted when the job is cancelled; long jobs check it between stages */
  readonly signal: AbortSignal;
  progress(fraction: number, note?: string): void;
  /** throws a UserError("cancelled") when the job was cancelled */
  throwIfCancelled(): void;
}

export interface JobRequest<T> {
  userId: string;
  serverId: string;
  kind: string;
  description: string;
  run(job: JobControl): Promise<T>;
  /** the same work as data, for a queue whose workers run elsewhere (BullMQ); `run` is what runs it here */
  task?: RenderTask;
}

export interface SubmitOptions {
  userCap?: number;
  serverCap?: number;
  onProgress?(fraction: number, note?: string): void;
  onStart?(): void;
  /** a queued job's place changed (jobs ahead started, finished or were cancelled): 1 = next to start */
  onPosition?(position: number): void;
}

export interface SubmittedJob<T> {
  id: string;
  /** 1 = next to start; 0 = already running; past the queued jobs: waiting for a slot on a full server */
  position: number;
  result: Promise<T>;
}

/**
 * Asynchronous throughout, so that a queue on Redis (BullMQ, GPU workers) can implement it; the in-process
 * queue answers at once.
 */
export interface JobQueue {
  /** rejects with a UserError when the user's or the server's cap is reached */
  submit<T>(req: JobRequest<T>, opts?: SubmitOptions): Promise<SubmittedJob<T>>;
  /** 0 running, n ≥ 1 queued, undefined unknown or finished */
  position(jobId: string): Promise<number | undefined>;
  list(filter?: { userId?: string; serverId?: string }): Promise<Array<JobInfo & { position: number }>>;
  /** own jobs; managers any on their server. False when there is no such job; a UserError for someone else's. */
  cancel(jobId: string, by: { userId: string; serverId: string; isManager: boolean }): Promise<boolean>;
  onIdle(): Promise<void>;
  /**
   * Records how a submitted job's result is delivered, so that another front end can deliver it if this one
   * dies (distributed mode only; a queue inside one process dies with its front end and has no use for it).
   */
  track?(jobId: string, delivery: Delivery): Promise<void>;
}

/** A job's delivery as data: the message to reopen, who asked where, and what to do with the result. */
export interface Delivery {
  handle: MessageHandle;
  description: string;
  actor: Actor;
  place: Place;
  /** the command's finishing step (commands/finish.ts), as JSON */
  finish: unknown;
}

export class CancelledError extends UserError {
  constructor() {
    super('This job was cancelled.');
  }
}

/**
 * The env's job caps are ceilings over every server's /settings: a server may lower its caps, not raise them
 * past what the operator allows on this machine.
 */
export function capJobs(queue: JobQueue, caps: { jobsPerUser: number; jobsPerServer: number }): JobQueue {
  return {
    submit: (req, opts = {}) =>
      queue.submit(req, {
        ...opts,
        userCap: Math.min(opts.userCap ?? caps.jobsPerUser, caps.jobsPerUser),
        serverCap: Math.min(opts.serverCap ?? caps.jobsPerServer, caps.jobsPerServer),
      }),
    position: (id) => queue.position(id),
    list: (filter) => queue.list(filter),
    cancel: (id, by) => queue.cancel(id, by),
    onIdle: () => queue.onIdle(),
    track: queue.track && ((id, delivery) => queue.track!(id, delivery)),
  };
}

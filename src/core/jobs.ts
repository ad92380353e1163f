// The job queue: every render goes through it. The interface is what commands see, so a BullMQ queue with
// GPU workers can replace the in-process one. The in-process queue runs on p-queue (concurrency = devices)
// but picks WHICH job starts itself, round robin across users, so one user's ten jobs do not starve others.
import PQueue from 'p-queue';
import { UserError } from './platform.js';
import { shortId } from './encoding.js';

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
}

export interface SubmitOptions {
  userCap?: number;
  serverCap?: number;
  onProgress?(fraction: number, note?: string): void;
  onStart?(): void;
}

export interface SubmittedJob<T> {
  id: string;
  /** 1 = next to start; 0 = already running */
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
}

export class CancelledError extends UserError {
  constructor() {
    super('This job was cancelled.');
  }
}

interface Entry {
  info: JobInfo;
  req: JobRequest<unknown>;
  opts: SubmitOptions;
  abort: AbortController;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

export class InProcessJobQueue implements JobQueue {
  private readonly pq: PQueue;
  /** pending jobs per user, oldest first */
  private readonly pending = new Map<string, Entry[]>();
  /** users with pending jobs, in the order they get their next turn */
  private turn: string[] = [];
  private readonly running = new Map<string, Entry>();

  constructor(opts: { concurrency?: number; defaultUserCap?: number; defaultServerCap?: number } = {}) {
    this.pq = new PQueue({ concurrency: opts.concurrency ?? 1 });
    this.defaultUserCap = opts.defaultUserCap ?? 3;
    this.defaultServerCap = opts.defaultServerCap ?? 10;
  }
  private readonly defaultUserCap: number;
  private readonly defaultServerCap: number;

  async submit<T>(req: JobRequest<T>, opts: SubmitOptions = {}): Promise<SubmittedJob<T>> {
    return this.submitNow(req, opts);
  }

  /** the synchronous core of submit (tests and callers in this process may use it directly) */
  submitNow<T>(req: JobRequest<T>, opts: SubmitOptions = {}): SubmittedJob<T> {
    const all = this.all();
    const userCap = opts.userCap ?? this.defaultUserCap;
    const serverCap = opts.serverCap ?? this.defaultServerCap;
    const mine = all.filter((e) => e.info.userId === req.userId && e.info.serverId === req.serverId).length;
    if (mine >= userCap)
      throw new UserError(`You already have ${mine} job(s) queued or running (the limit is ${userCap}). Wait for one to finish, or cancel one with /queue.`);
    const server = all.filter((e) => e.info.serverId === req.serverId).length;
    if (server >= serverCap)
      throw new UserError(`This server already has ${server} jobs queued or running (the limit is ${serverCap}). Please try again in a minute.`);

    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res as (v: unknown) => void;
      reject = rej;
    });
    const entry: Entry = {
      info: { id: shortId(), userId: req.userId, serverId: req.serverId, kind: req.kind, description: req.description, progress: 0, state: 'queued', createdAt: Date.now() },
      req: req as JobRequest<unknown>,
      opts,
      abort: new AbortController(),
      resolve,
      reject,
    };
    const key = this.userKey(entry.info);
    const list = this.pending.get(key);
    if (list) list.push(entry);
    else {
      this.pending.set(key, [entry]);
      this.turn.push(key);
    }
    // one p-queue slot per job; the slot runs whichever job is fairest when it starts
    void this.pq.add(() => this.runNext());
    return { id: entry.info.id, position: this.positionNow(entry.info.id) ?? 0, result };
  }

  private userKey(info: { serverId: string; userId: string }): string {
    return `${info.serverId}\u0000${info.userId}`;
  }

  private takeNext(): Entry | undefined {
    const key = this.turn.shift();
    if (key === undefined) return undefined;
    const list = this.pending.get(key)!;
    const entry = list.shift()!;
    if (list.length) this.turn.push(key);
    else this.pending.delete(key);
    return entry;
  }

  private async runNext(): Promise<void> {
    const entry = this.takeNext();
    if (!entry) return; // its job was cancelled while queued
    entry.info.state = 'running';
    this.running.set(entry.info.id, entry);
    const control: JobControl = {
      id: entry.info.id,
      signal: entry.abort.signal,
      progress: (fraction, note) => {
        entry.info.progress = Math.max(0, Math.min(1, fraction));
        try {
          entry.opts.onProgress?.(entry.info.progress, note);
        } catch {
          /* a progress listener must not break the job */
        }
      },
      throwIfCancelled: () => {
        if (entry.abort.signal.aborted) throw new CancelledError();
      },
    };
    try {
      entry.opts.onStart?.();
      control.throwIfCancelled();
      entry.resolve(await entry.req.run(control));
    } catch (e) {
      entry.reject(entry.abort.signal.aborted && !(e instanceof UserError) ? new CancelledError() : e);
    } finally {
      this.running.delete(entry.info.id);
    }
  }

  /** pending jobs in the order they will start: round k takes each user's k-th job, users in turn order */
  private fairOrder(): Entry[] {
    const lists = this.turn.map((k) => this.pending.get(k)!);
    const order: Entry[] = [];
    for (let round = 0; ; round++) {
      let any = false;
      for (const l of lists) {
        if (round < l.length) {
          order.push(l[round]);
          any = true;
        }
      }
      if (!any) return order;
    }
  }

  private all(): Entry[] {
    return [...this.running.values(), ...this.fairOrder()];
  }

  async position(jobId: string): Promise<number | undefined> {
    return this.positionNow(jobId);
  }

  positionNow(jobId: string): number | undefined {
    if (this.running.has(jobId)) return 0;
    const i = this.fairOrder().findIndex((e) => e.info.id === jobId);
    return i < 0 ? undefined : i + 1;
  }

  async list(filter: { userId?: string; serverId?: string } = {}): Promise<Array<JobInfo & { position: number }>> {
    return this.listNow(filter);
  }

  listNow(filter: { userId?: string; serverId?: string } = {}): Array<JobInfo & { position: number }> {
    const running = [...this.running.values()].map((e) => ({ ...e.info, position: 0 }));
    const queued = this.fairOrder().map((e, i) => ({ ...e.info, position: i + 1 }));
    return [...running, ...queued].filter(
      (j) => (filter.userId === undefined || j.userId === filter.userId) && (filter.serverId === undefined || j.serverId === filter.serverId),
    );
  }

  async cancel(jobId: string, by: { userId: string; serverId: string; isManager: boolean }): Promise<boolean> {
    return this.cancelNow(jobId, by);
  }

  cancelNow(jobId: string, by: { userId: string; serverId: string; isManager: boolean }): boolean {
    const run = this.running.get(jobId);
    const queued = run ? undefined : this.fairOrder().find((e) => e.info.id === jobId);
    const entry = run ?? queued;
    if (!entry || entry.info.serverId !== by.serverId) return false;
    if (entry.info.userId !== by.userId && !by.isManager) throw new UserError('You can only cancel your own jobs.');
    entry.abort.abort();
    if (queued) {
      const key = this.userKey(queued.info);
      const list = this.pending.get(key)!.filter((e) => e !== queued);
      if (list.length) this.pending.set(key, list);
      else {
        this.pending.delete(key);
        this.turn = this.turn.filter((k) => k !== key);
      }
      queued.reject(new CancelledError());
    }
    return true;
  }

  async onIdle(): Promise<void> {
    await this.pq.onIdle();
  }
}

// The in-process job queue: runs on p-queue (concurrency = devices) but picks WHICH job starts itself, round
// robin across users, so one user's ten jobs do not starve others. A server at its cap does not turn newcomers
// away: their jobs wait for the next free slot, and the slot goes to the waiting user with the fewest jobs on
// that server (fair admission). A cancelled job never delivers a result, even when its last stage did not look
// at the signal.
import PQueue from 'p-queue';
import { UserError } from './platform.js';
import { shortId } from './encoding.js';
import {
  CancelledError,
  type JobControl,
  type JobInfo,
  type JobQueue,
  type JobRequest,
  type SubmitOptions,
  type SubmittedJob,
} from './jobs.js';

interface Entry {
  info: JobInfo;
  req: JobRequest<unknown>;
  opts: SubmitOptions;
  /** the server cap this job was submitted under (admission from the waiting line uses it) */
  serverCap: number;
  /** the position last told to onPosition */
  told?: number;
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
  /** jobs of servers at their cap, oldest first; admitted (fewest jobs first) when a slot frees */
  private waiting: Entry[] = [];

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
    const userCap = opts.userCap ?? this.defaultUserCap;
    const serverCap = opts.serverCap ?? this.defaultServerCap;
    const mine = [...this.admitted(req.serverId), ...this.waitingOn(req.serverId)].filter((e) => e.info.userId === req.userId).length;
    if (mine >= userCap)
      throw new UserError(
        `You already have ${mine} job(s) queued or running (the limit is ${userCap}). Wait for one to finish, or cancel one with /queue.`,
      );
    const full = this.admitted(req.serverId).length >= serverCap;
    // the waiting line is bounded too: a server cannot pile up more than twice its cap
    if (full && this.waitingOn(req.serverId).length >= serverCap)
      throw new UserError(
        `This server already has ${serverCap} jobs running or queued and ${serverCap} more waiting (the limit). Please try again in a minute.`,
      );

    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res as (v: unknown) => void;
      reject = rej;
    });
    const entry: Entry = {
      info: {
        id: shortId(),
        userId: req.userId,
        serverId: req.serverId,
        kind: req.kind,
        description: req.description,
        progress: 0,
        state: 'queued',
        createdAt: Date.now(),
      },
      req: req as JobRequest<unknown>,
      opts,
      serverCap,
      abort: new AbortController(),
      resolve,
      reject,
    };
    if (full) this.waiting.push(entry);
    else this.enqueue(entry);
    const position = this.positionNow(entry.info.id) ?? 0;
    entry.told = position;
    this.tellPositions();
    return { id: entry.info.id, position, result };
  }

  private enqueue(entry: Entry): void {
    const key = this.userKey(entry.info);
    const list = this.pending.get(key);
    if (list) list.push(entry);
    else {
      this.pending.set(key, [entry]);
      this.turn.push(key);
    }
    // one p-queue slot per job; the slot runs whichever job is fairest when it starts
    void this.pq.add(() => this.runNext());
  }

  /** running and queued jobs of a server (what its cap counts) */
  private admitted(serverId: string): Entry[] {
    return this.all().filter((e) => e.info.serverId === serverId);
  }

  private waitingOn(serverId: string): Entry[] {
    return this.waiting.filter((e) => e.info.serverId === serverId);
  }

  /** the waiting jobs of a server in the order they get slots: fewest admitted jobs of their user first, then oldest */
  private admissionOrder(serverId: string): Entry[] {
    const held = new Map<string, number>();
    for (const e of this.admitted(serverId)) held.set(e.info.userId, (held.get(e.info.userId) ?? 0) + 1);
    const order: Entry[] = [];
    const line = this.waitingOn(serverId);
    while (line.length) {
      let best = 0;
      for (let i = 1; i < line.length; i++) if ((held.get(line[i].info.userId) ?? 0) < (held.get(line[best].info.userId) ?? 0)) best = i;
      const [next] = line.splice(best, 1);
      held.set(next.info.userId, (held.get(next.info.userId) ?? 0) + 1);
      order.push(next);
    }
    return order;
  }

  /** fills a server's free slots from its waiting line */
  private admit(serverId: string): void {
    for (;;) {
      const next = this.admissionOrder(serverId)[0];
      if (!next || this.admitted(serverId).length >= next.serverCap) return;
      this.waiting = this.waiting.filter((e) => e !== next);
      this.enqueue(next);
    }
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
    this.tellPositions();
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
      const value = await entry.req.run(control);
      // "cancelled" was already answered: a result that finished anyway is dropped, not delivered
      control.throwIfCancelled();
      entry.resolve(value);
    } catch (e) {
      entry.reject(entry.abort.signal.aborted && !(e instanceof UserError) ? new CancelledError() : e);
    } finally {
      this.running.delete(entry.info.id);
      this.admit(entry.info.serverId);
      this.tellPositions();
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
    const i = this.queuedOrder().findIndex((e) => e.info.id === jobId);
    return i < 0 ? undefined : i + 1;
  }

  /** tells every queued job whose place changed its new place (live queue positions) */
  private tellPositions(): void {
    this.queuedOrder().forEach((e, i) => {
      if (e.told === i + 1 || !e.opts.onPosition) return;
      e.told = i + 1;
      try {
        e.opts.onPosition(i + 1);
      } catch {
        /* a listener must not break the queue */
      }
    });
  }

  /** queued jobs in start order, then the waiting ones in admission order */
  private queuedOrder(): Entry[] {
    const servers = [...new Set(this.waiting.map((e) => e.info.serverId))];
    return [...this.fairOrder(), ...servers.flatMap((s) => this.admissionOrder(s))];
  }

  async list(filter: { userId?: string; serverId?: string } = {}): Promise<Array<JobInfo & { position: number }>> {
    return this.listNow(filter);
  }

  listNow(filter: { userId?: string; serverId?: string } = {}): Array<JobInfo & { position: number }> {
    const running = [...this.running.values()].map((e) => ({ ...e.info, position: 0 }));
    const queued = this.queuedOrder().map((e, i) => ({ ...e.info, position: i + 1 }));
    return [...running, ...queued].filter(
      (j) =>
        (filter.userId === undefined || j.userId === filter.userId) && (filter.serverId === undefined || j.serverId === filter.serverId),
    );
  }

  async cancel(jobId: string, by: { userId: string; serverId: string; isManager: boolean }): Promise<boolean> {
    return this.cancelNow(jobId, by);
  }

  cancelNow(jobId: string, by: { userId: string; serverId: string; isManager: boolean }): boolean {
    const run = this.running.get(jobId);
    const queued = run ? undefined : this.queuedOrder().find((e) => e.info.id === jobId);
    const entry = run ?? queued;
    if (!entry || entry.info.serverId !== by.serverId) return false;
    if (entry.info.userId !== by.userId && !by.isManager) throw new UserError('You can only cancel your own jobs.');
    entry.abort.abort();
    if (queued) {
      this.waiting = this.waiting.filter((e) => e !== queued);
      const key = this.userKey(queued.info);
      const list = (this.pending.get(key) ?? []).filter((e) => e !== queued);
      if (list.length) this.pending.set(key, list);
      else if (this.pending.delete(key)) this.turn = this.turn.filter((k) => k !== key);
      queued.reject(new CancelledError());
      this.admit(queued.info.serverId);
      this.tellPositions();
    }
    return true;
  }

  async onIdle(): Promise<void> {
    await this.pq.onIdle();
  }
}

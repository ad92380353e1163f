// Edits of one posted message, at most one platform call per interval: Discord and Slack rate-limit message
// edits, and a progress bar need not show every step. One edit is on its way at a time, so an older state never
// lands after a newer one; an edit that arrives while another waits replaces it (only the newest state matters),
// and the last one is always delivered. An edit that brings files is a job's result: it goes right after any edit
// on its way, not an interval later. Every adapter's message edits go through this one throttle.
import type { OutgoingMessage } from './platform.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class EditThrottle {
  private pending: { msg: OutgoingMessage; waiters: Waiter[] } | undefined;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private lastSentAt = -Infinity;
  private closed = false;

  constructor(
    private readonly send: (msg: OutgoingMessage) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** the message was just written by other means (its creation): the next edit waits a full interval */
  markSent(): void {
    this.lastSentAt = Date.now();
  }

  /** Resolves once this edit, or a later one that replaced it, reached the platform; rejects if that call failed. */
  edit(msg: OutgoingMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    const delivered = new Promise<void>((resolve, reject) => {
      if (this.pending) {
        // an edit without files keeps the files already posted: so must the edit that replaces one with files
        this.pending.msg = { ...msg, files: msg.files ?? this.pending.msg.files };
        this.pending.waiters.push({ resolve, reject });
      } else {
        this.pending = { msg, waiters: [{ resolve, reject }] };
      }
      this.schedule();
    });
    // Progress edits are often fired and forgotten: a failed one must not become an unhandled rejection that
    // ends the process. Callers that await still see the error; onError hears of it either way.
    delivered.catch(() => {});
    return delivered;
  }

  /** True while an edit is waiting or on its way, or went out less than an interval ago (registries keep these). */
  get busy(): boolean {
    return this.sending || this.pending !== undefined || Date.now() - this.lastSentAt < this.intervalMs;
  }

  /** Drops waiting edits and ignores later ones (the message is being deleted); their promises resolve. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending?.waiters.forEach((w) => w.resolve());
    this.pending = undefined;
  }

  private schedule(): void {
    if (this.sending || !this.pending) return;
    const urgent = Boolean(this.pending.msg.files?.length);
    if (this.timer) {
      if (!urgent) return;
      clearTimeout(this.timer);
    }
    const wait = urgent ? 0 : Math.max(0, this.lastSentAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  private async flush(): Promise<void> {
    const job = this.pending;
    if (!job) return;
    this.pending = undefined;
    this.sending = true;
    this.lastSentAt = Date.now();
    try {
      await this.send(job.msg);
      job.waiters.forEach((w) => w.resolve());
    } catch (err) {
      this.onError(err);
      job.waiters.forEach((w) => w.reject(err));
    } finally {
      this.sending = false;
      // the interval counts from when the platform answered, so slow calls don't bunch edits together
      this.lastSentAt = Date.now();
      this.schedule();
    }
  }
}

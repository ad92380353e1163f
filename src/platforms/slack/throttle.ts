// Edits of one posted message, at most one Web API call per interval: Slack rate-limits chat.update (about one a
// second per channel), and a progress bar need not show every step. The latest edit always gets delivered;
// edits it supersedes resolve with it. Files of superseded edits are kept (they cannot be "replaced" by text).
import type { OutgoingMessage } from '../../core/platform.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class EditThrottle {
  private pending: { msg: OutgoingMessage; waiters: Waiter[] } | undefined;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private lastSentAt = 0;
  private closed = false;

  constructor(
    private readonly send: (msg: OutgoingMessage) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Resolves once this edit, or a later one that replaced it, reached Slack; rejects if that call failed. */
  edit(msg: OutgoingMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    const delivered = new Promise<void>((resolve, reject) => {
      if (this.pending) {
        const files = [...(this.pending.msg.files ?? []), ...(msg.files ?? [])];
        this.pending.msg = { ...msg, files: files.length > 0 ? files : undefined };
        this.pending.waiters.push({ resolve, reject });
      } else {
        this.pending = { msg, waiters: [{ resolve, reject }] };
      }
      this.schedule();
    });
    // Progress edits are often fired and forgotten: a failed one must not become an unhandled rejection that
    // ends the process. Callers that await still see the error; the failure is logged either way.
    delivered.catch(() => {});
    return delivered;
  }

  /** True while an edit is waiting or on its way, or went out less than an interval ago (the registry keeps these). */
  get busy(): boolean {
    return this.sending || this.pending !== undefined || Date.now() - this.lastSentAt < this.intervalMs;
  }

  /** Drops waiting edits (the message is being deleted); their promises resolve. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending?.waiters.forEach((w) => w.resolve());
    this.pending = undefined;
  }

  private schedule(): void {
    if (this.sending || this.timer || !this.pending) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - Date.now());
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
      this.lastSentAt = Date.now();
      this.schedule();
    }
  }
}

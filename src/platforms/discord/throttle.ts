// Edits of one message, at most one per interval. Progress updates come faster than Discord likes; an edit
// that arrives while another waits replaces it (only the newest state matters), and the last one is always sent.

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class ThrottledEditor<T> {
  private lastSentAt = -Infinity;
  private pending: { value: T; waiters: Waiter[] } | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** sends happen one after another, so an older state never lands after a newer one */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (value: T) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** the message was just written by other means (its creation): the next edit waits a full interval */
  markSent(): void {
    this.lastSentAt = Date.now();
  }

  /** resolves once this state, or a newer one that replaced it, is on Discord */
  edit(value: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.pending) {
        this.pending.value = value;
        this.pending.waiters.push({ resolve, reject });
        return;
      }
      this.pending = { value, waiters: [{ resolve, reject }] };
      const wait = Math.max(0, this.lastSentAt + this.intervalMs - Date.now());
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.chain = this.chain.then(() => this.sendPending());
      }, wait);
    });
  }

  /** drops a waiting edit (the message is being deleted); its callers resolve */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = undefined;
    batch?.waiters.forEach((w) => w.resolve());
  }

  private async sendPending(): Promise<void> {
    // a slow previous send may have ended just now: keep the interval from its answer
    const wait = this.lastSentAt + this.intervalMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = this.pending;
    this.pending = undefined;
    if (!batch) return;
    this.lastSentAt = Date.now();
    try {
      await this.send(batch.value);
      batch.waiters.forEach((w) => w.resolve());
    } catch (err) {
      batch.waiters.forEach((w) => w.reject(err));
    } finally {
      // the interval counts from when Discord answered, so slow REST calls don't bunch edits together
      this.lastSentAt = Date.now();
    }
  }
}

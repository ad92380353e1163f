// Edits of one message, at most one per interval. Progress updates come faster than Discord likes; an edit
// that arrives while another waits replaces it (only the newest state matters), and the last one is always sent.
// An urgent edit (a job's result) does not wait for the interval: it goes right after any send in flight.

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class ThrottledEditor<T> {
  private lastSentAt = -Infinity;
  private pending: { value: T; waiters: Waiter[]; urgent: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** ends the interval's wait of a send already under way, when an urgent edit arrives during it */
  private wake: (() => void) | undefined;
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
  edit(value: T, urgent = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.pending) {
        this.pending.value = value;
        this.pending.waiters.push({ resolve, reject });
        if (urgent && !this.pending.urgent) {
          this.pending.urgent = true;
          this.wake?.();
          this.schedule(0);
        }
        return;
      }
      this.pending = { value, waiters: [{ resolve, reject }], urgent };
      this.schedule(urgent ? 0 : Math.max(0, this.lastSentAt + this.intervalMs - Date.now()));
    });
  }

  private schedule(wait: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.chain = this.chain.then(() => this.sendPending());
    }, wait);
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
    if (wait > 0 && !this.pending?.urgent) {
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, wait);
      });
      this.wake = undefined;
    }
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

// Start-up that degrades per platform: a front end whose start fails (a Discord login refused, Slack
// unreachable) is logged and tried again with exponential backoff, while everything else keeps serving.
import type { Logger } from './core/log.js';

export interface Started {
  stop(): Promise<void>;
}

export interface RetryingStart {
  readonly name: string;
  /** resolves when a start has succeeded (never, if it keeps failing until stop) */
  readonly started: Promise<void>;
  /** resolves after the first attempt, whether it worked or not */
  readonly firstAttempt: Promise<void>;
  readonly isUp: boolean;
  stop(): Promise<void>;
}

export interface Backoff {
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstDelayMs: 2000, maxDelayMs: 5 * 60_000 };

export function startWithRetry(
  name: string,
  start: () => Promise<Started>,
  log: Logger,
  backoff: Backoff = DEFAULT_BACKOFF,
): RetryingStart {
  let running: Started | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  let markTried!: () => void;
  const firstAttempt = new Promise<void>((resolve) => (markTried = resolve));

  const loop = async () => {
    let delay = backoff.firstDelayMs;
    for (let attempt = 1; !stopped; attempt++) {
      try {
        const s = await start();
        if (stopped) {
          await s.stop();
          return;
        }
        running = s;
        if (attempt > 1) log.info(`${name}: started on attempt ${attempt}`);
        markStarted();
        markTried();
        return;
      } catch (e) {
        markTried();
        log.error(
          `${name}: start failed (attempt ${attempt}); the other front ends keep serving; retrying in ${Math.round(delay / 1000)} s`,
          e,
        );
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
      delay = Math.min(delay * 2, backoff.maxDelayMs);
    }
  };
  const done = loop().finally(() => markTried());

  return {
    name,
    started,
    firstAttempt,
    get isUp() {
      return running !== undefined;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await done;
      await running?.stop();
    },
  };
}

// Slack re-sends a request it thinks went unanswered (header x-slack-retry-num, Bolt's context.retryNum). Every
// listener acks at once, so a retry almost always repeats a request already being handled: it is acked and
// dropped, so that a job does not run twice. A retry of a request never seen (the first one was lost) runs.

/** how long a handled request is remembered (Slack retries within minutes) */
const REMEMBER_MS = 10 * 60_000;

export class RetryFilter {
  private readonly seen = new Map<string, number>();

  /** true when this delivery repeats one already handled; records it otherwise */
  isRepeat(body: unknown, retryNum: number | undefined): boolean {
    const key = requestKey(body);
    const now = Date.now();
    for (const [k, at] of this.seen) if (now - at > REMEMBER_MS) this.seen.delete(k);
    if (retryNum && retryNum > 0 && this.seen.has(key)) return true;
    this.seen.set(key, now);
    return false;
  }
}

/** what identifies one user action in each kind of request Slack sends */
function requestKey(body: unknown): string {
  const b = (body ?? {}) as Record<string, any>;
  const parts = [
    b.type ?? b.command ?? 'request',
    b.trigger_id,
    b.team_id ?? b.team?.id,
    b.user_id ?? b.user?.id,
    b.text,
    b.action_ts ?? b.actions?.[0]?.action_ts,
    b.view?.id,
    b.view?.hash,
    b.event_id,
  ];
  return JSON.stringify(parts);
}

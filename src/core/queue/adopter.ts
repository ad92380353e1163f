// Delivery after a front end died: every few seconds each front end looks for tracked jobs whose owner's lease
// ran out (delivery-ledger.ts). For each one that has ended and whose message this front end can reopen, it
// claims the delivery (one front end wins) and finishes the job as the dead one would have: the command's own
// finishing step, run on the message reopened from its handle.
import type { Delivery } from '../jobs.js';
import type { Logger } from '../log.js';
import type { MessageHandle, PostedMessage } from '../platform.js';
import { failureText, type JobOutcome } from '../progress.js';
import type { BullMQJobQueue } from './bullmq-queue.js';

export interface AdoptionHooks {
  /** the message behind a handle, or undefined when this front end cannot reach its platform */
  reopen(handle: MessageHandle): PostedMessage | undefined;
  /** the command's finishing step (commands/finish.ts) */
  finish(delivery: Delivery, outcome: JobOutcome<unknown>): Promise<void>;
}

const DEFAULT_ADOPT_MS = 3000;

export function startAdopting(
  queue: BullMQJobQueue,
  hooks: AdoptionHooks,
  log: Logger,
  everyMs = DEFAULT_ADOPT_MS,
): { stop(): Promise<void> } {
  let round: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // one round at a time: a slow finish must not start a second round on the same orphans
    round = round.then(() => adoptOnce(queue, hooks, log)).catch((e) => log.error('adopting orphaned jobs failed (trying again)', e));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}

async function adoptOnce(queue: BullMQJobQueue, hooks: AdoptionHooks, log: Logger): Promise<void> {
  for (const { jobId, owner, delivery } of await queue.ledger.orphans()) {
    const message = hooks.reopen(delivery.handle);
    if (!message) continue; // another front end, one that serves this platform, may deliver it
    const end = await queue.endOf(jobId);
    if (end.state === 'pending') continue;
    if (!(await queue.ledger.claim(jobId))) continue;
    const fields = { jobId, owner, platform: delivery.handle.platform };
    log.info(
      `adopted job ${jobId} of front end ${owner}, which is gone: delivering its ${end.state === 'completed' ? 'result' : 'failure'}`,
      fields,
    );
    try {
      if (end.state === 'completed') await hooks.finish(delivery, { jobId, message, result: end.value });
      else await message.edit({ text: failureText(delivery.description, end.error, jobId) });
    } catch (e) {
      // claimed, so nobody else will try: the message says so, as the live path's error answer would
      log.error(`could not deliver adopted job ${jobId}`, e, fields);
      await message.edit({ text: failureText(delivery.description, e, jobId) }).catch(() => undefined);
    }
  }
}

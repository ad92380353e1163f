// Running a command's work as a job, in front of the user: a message that shows the queue position, then
// progress, with a cancel button; the caller edits it into the result. Failures leave an honest last state.
import type { CommandContext, OutgoingMessage, PostedMessage } from './platform.js';
import { UserError } from './platform.js';
import { JobFailure, userMessageOf } from './errors.js';
import { CancelledError } from './jobs.js';
import type { BotServices } from './services.js';
import { makeId } from './command.js';
import { runRenderTask, type OutputOf, type RenderTask } from './render-tasks.js';
import { effectiveJobCaps } from './limits.js';

export interface JobOutcome<T> {
  jobId: string;
  message: PostedMessage;
  result: T;
}

/** The job's message once it failed: what the user reads there (the error answer follows separately). */
export function failureText(description: string, e: unknown, jobId: string): string {
  const said = userMessageOf(e);
  const last = e instanceof CancelledError ? '🚫 cancelled' : said ? `❌ ${said}` : `❌ failed (job ${jobId})`;
  return `${description} — ${last}`;
}

export async function runAsJob<T extends RenderTask>(
  ctx: CommandContext,
  services: BotServices,
  job: {
    kind: string;
    description: string;
    task: T;
    /** the command's finishing step as data: another front end runs it if this one dies (commands/finish.ts) */
    finish?: unknown;
  },
): Promise<JobOutcome<OutputOf<T>>> {
  const caps = effectiveJobCaps(await services.stores.getSettings(ctx.place.serverId), services.limits);
  let status = '';
  let message: PostedMessage | undefined;
  let shown = '';
  let chain: Promise<void> = Promise.resolve();
  /** set when the result is in: no progress edit is sent after it, so the result is not held behind one */
  let finished = false;
  const cancel = (id: string) => [[{ id: makeId('queue', 'cancel', id), label: 'Cancel', style: 'danger' as const }]];

  const submitted = await services.jobs.submit<OutputOf<T>>(
    {
      userId: ctx.actor.id,
      serverId: ctx.place.serverId,
      kind: job.kind,
      description: job.description,
      task: job.task,
      run: (control) => runRenderTask(job.task, services, control),
    },
    {
      userCap: caps.user,
      serverCap: caps.server,
      onStart: () => show('running…'),
      onPosition: (n) => show(`queued, position ${n}`),
      onProgress: (f, note) => show(`${note ?? 'running'} (${Math.round(f * 100)}%)`),
    },
  );
  // edits go out in order, and only the newest pending status is sent (adapters throttle too)
  function show(s: string): void {
    status = s;
    if (!message) return;
    chain = chain.then(async () => {
      if (!message || status === shown || finished) return;
      shown = status;
      try {
        await message.edit(progressMessage(job.description, status, cancel(submitted.id)));
      } catch (e) {
        services.log.error(`progress edit failed (job ${submitted.id})`, e);
      }
    });
  }

  const position = submitted.position;
  status = position === 0 ? 'starting…' : `queued, position ${position}`;
  shown = status;
  // the job may fail before anyone awaits it (below); mark the rejection handled now
  submitted.result.catch(() => undefined);
  try {
    message = await ctx.reply(progressMessage(job.description, status, cancel(submitted.id)));
  } catch (e) {
    // nobody would see the result: do not spend the device on it
    await services.jobs.cancel(submitted.id, { userId: ctx.actor.id, serverId: ctx.place.serverId, isManager: true }).catch(() => false);
    throw e;
  }
  show(status);
  if (job.finish !== undefined && message.handle && services.jobs.track) {
    const delivery = { handle: message.handle, description: job.description, actor: ctx.actor, place: ctx.place, finish: job.finish };
    // without the record the job is still delivered here; only a death of this process would lose it
    await services.jobs
      .track(submitted.id, delivery)
      .catch((e) => services.log.error(`could not record the delivery of job ${submitted.id}`, e));
  }
  try {
    const result = await submitted.result;
    // no progress edit is queued after this; one already in flight must land before the result's edit, or it
    // would overwrite the result with "… (95%)"
    finished = true;
    await chain;
    return { jobId: submitted.id, message, result };
  } catch (e) {
    await chain;
    try {
      await message.edit({ text: failureText(job.description, e, submitted.id) });
    } catch {
      /* the message may be gone; the error reply below still reaches the user */
    }
    if (e instanceof UserError) throw e;
    throw new JobFailure(submitted.id, e);
  }
}

/**
 * The job's message edited into its result. When that edit fails (the platform refused the upload, the message
 * is gone), the message is not left at "⏳ … 90%" with a live Cancel button: it says the result could not be
 * posted, without buttons, and the failure goes on to the user's error answer.
 */
export async function deliverResult(outcome: JobOutcome<unknown>, description: string, msg: OutgoingMessage): Promise<void> {
  try {
    await outcome.message.edit(msg);
  } catch (e) {
    await outcome.message
      .edit({ text: `${description} — ❌ the result could not be posted (job ${outcome.jobId})`, buttons: [] })
      .catch(() => undefined);
    throw new JobFailure(outcome.jobId, e);
  }
}

function progressMessage(description: string, status: string, buttons: OutgoingMessage['buttons']): OutgoingMessage {
  return { text: `⏳ ${description} — ${status}`, buttons };
}

// Slack forms: a view submission answered once (the form closes, or keeps errors beside its fields), a form
// file's refusal as its field's error, and the options of an external select asked for while the user types.
import type { App } from '@slack/bolt';
import { checkField, type Attachment } from '../../core/platform.js';
import { decodeMetadata } from './blocks.js';
import type { EventDeps } from './events.js';
import { toPlain } from './markup.js';

/** A form submission's answer to Slack, given once: nothing (the form closes) or errors beside its fields. */
export interface FormAnswer {
  /** closes the form (a no-op once answered) */
  close(): Promise<void>;
  /** keeps the form open with the message under the field's block; false when the form was answered already */
  reject(field: string, message: string): Promise<boolean>;
}

/**
 * How long a form submission may wait for its checks before Slack gets its answer (it wants one within 3 s):
 * a check that fails sooner shows beside its field; a later one (a slow download) comes as a private message.
 */
export const FORM_ANSWER_DEADLINE_MS = 2500;

/** Slack's answer to a view submission, sent once: at the bot's first reply, a field error, the end, or the deadline. */
export function formAnswer(ack: (response?: { response_action: 'errors'; errors: Record<string, string> }) => Promise<void>): FormAnswer {
  let answered = false;
  const once = async (response?: Parameters<typeof ack>[0]): Promise<boolean> => {
    if (answered) return false;
    answered = true;
    clearTimeout(timer);
    await ack(response);
    return true;
  };
  const timer = setTimeout(() => void once(), FORM_ANSWER_DEADLINE_MS);
  return {
    close: async () => void (await once()),
    // plain text under the field's block (the form shows no markup there)
    reject: (field, message) => once({ response_action: 'errors', errors: { [field]: toPlain(message) } }),
  };
}

/** a file of a form's field whose refusal (type, size, host) is that field's error */
export function fieldAttachment(field: string, attachment: Attachment): Attachment {
  return { ...attachment, download: (maxBytes) => checkField(field, () => attachment.download(maxBytes)) };
}

/** An external select being typed in: the field's completions as Slack options (100 at most). */
export function registerSuggestions(app: App, deps: EventDeps): void {
  app.options({ type: 'block_suggestion' }, async ({ body, ack }) => {
    const view = (body as { view?: { private_metadata?: string } }).view;
    const source = decodeMetadata(view?.private_metadata)?.completions?.[body.action_id];
    const teamId = body.team?.id || body.user.team_id || 'unknown';
    const found =
      source && deps.bot.complete
        ? await deps.bot
            .complete({ platform: 'slack', serverId: teamId, channelId: '' }, source, body.value ?? '')
            .catch((err: unknown) => {
              deps.logger.error('slack: completions failed', err);
              return [];
            })
        : [];
    // Block Kit option objects (Bolt's ack type also admits the legacy dialog shape, which TypeScript picks)
    const answer = ack as unknown as (r: {
      options: Array<{ text: { type: 'plain_text'; text: string }; value: string }>;
    }) => Promise<void>;
    await answer({
      options: found.slice(0, 100).map((c) => ({ text: { type: 'plain_text', text: c.name.slice(0, 75) }, value: c.value.slice(0, 150) })),
    });
  });
}

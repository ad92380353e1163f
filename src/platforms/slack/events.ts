// Slack events → Bot calls. Every listener acks first (Slack wants an answer within 3 seconds; a form submission
// is answered once its checks are done, within 2.5 s: forms.ts), then handles the event detached from Bolt's
// listener chain, so a long job never holds a request or a socket envelope open.
// Nothing here knows a command: specs come from the bot.
import type { App, RespondFn } from '@slack/bolt';
import type { ViewsOpenArguments, WebClient } from '@slack/web-api';
import { somethingWentWrong, userMessageOf } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import {
  FieldError,
  UserError,
  type Actor,
  type Bot,
  type CommandContext,
  type Invocation,
  type ModalSpec,
  type PostedMessage,
} from '../../core/platform.js';
import type { ActorDirectory } from './actors.js';
import { decodeMetadata, imageBlocksOf, messageBody, modalValues, modalView, type ModalMetadata, type ViewStateEntry } from './blocks.js';
import { fieldAttachment, formAnswer, registerSuggestions, type FormAnswer } from './forms.js';
import { completeFile, isImageFile, slackAttachment, type FileAccess, type SlackFile } from './files.js';
import { slashInvocation } from './invocation.js';
import { SlackConversation, type ThrottleRegistry } from './messages.js';
import { RetryFilter } from './retries.js';

export interface EventDeps {
  bot: Bot;
  client: WebClient;
  actors: ActorDirectory;
  throttles: ThrottleRegistry;
  files: FileAccess;
  logger: Logger;
  /** handlers still running, so that stop() and tests can wait for them */
  track(work: Promise<void>): void;
  /** drops Slack's re-deliveries of requests already being handled (default: a new filter) */
  retries?: RetryFilter;
}

/** acked already; true when this delivery is a retry of one already handled (it is logged and dropped) */
function repeated(deps: EventDeps, body: unknown, retryNum: number | undefined): boolean {
  deps.retries ??= new RetryFilter();
  if (!deps.retries.isRepeat(body, retryNum)) return false;
  deps.logger.info(`slack: retry ${retryNum} of a request already handled was acknowledged and dropped`);
  return true;
}

/** How long an event that may open a modal waits for users.info: trigger_ids expire 3 s after the click. */
const MODAL_ACTOR_DEADLINE_MS = 700;

interface EventParts {
  teamId: string;
  channel: string;
  userId: string;
  userName?: string;
  threadTs?: string;
  triggerId?: string;
  respond?: RespondFn;
  modalDeadline?: boolean;
}

async function actorFor(deps: EventDeps, parts: EventParts): Promise<Actor> {
  const lookup = deps.actors.lookup(parts.teamId, parts.userId, parts.userName);
  if (!parts.modalDeadline) return lookup;
  const fallback: Actor = { id: parts.userId, name: parts.userName || parts.userId, isManager: false };
  return Promise.race([lookup, new Promise<Actor>((r) => setTimeout(() => r(fallback), MODAL_ACTOR_DEADLINE_MS))]);
}

/** Runs one event's work with a CommandContext; every error ends as a message to the user, never a crash. */
function runEvent(
  deps: EventDeps,
  parts: EventParts,
  work: (ctx: CommandContext, convo: SlackConversation) => Promise<void>,
  source?: (convo: SlackConversation) => PostedMessage | undefined,
  form?: FormAnswer,
): void {
  const convo = new SlackConversation({
    client: deps.client,
    channel: parts.channel,
    user: parts.userId,
    threadTs: parts.threadTs,
    throttles: deps.throttles,
    respond: parts.respond,
  });
  const job = (async () => {
    try {
      const actor = await actorFor(deps, parts);
      const meta: ModalMetadata = { channel: parts.channel, threadTs: parts.threadTs };
      const ctx: CommandContext = {
        actor,
        place: { platform: 'slack', serverId: parts.teamId, channelId: parts.channel },
        // a form closes when the bot answers: its answer shows in the channel, not behind the form
        reply: async (msg) => {
          await form?.close();
          return convo.reply(msg);
        },
        rejectField: form?.reject,
        source: source?.(convo),
        openModal: parts.triggerId
          ? async (modal: ModalSpec) => {
              // plain Block Kit JSON (blocks.ts keeps to Slack's limits); Slack validates its shape
              const view = modalView(modal, { ...meta, threadTs: convo.thread ?? meta.threadTs }) as unknown as ViewsOpenArguments['view'];
              await deps.client.views.open({ trigger_id: parts.triggerId as string, view });
            }
          : undefined,
      };
      await work(ctx, convo);
    } catch (err) {
      const said = userMessageOf(err);
      if (said === undefined) deps.logger.error(`slack: event in ${parts.teamId}/${parts.channel} failed`, err);
      if (err instanceof FieldError && form && (await form.reject(err.field, err.message))) return;
      await form?.close();
      await tellUser(deps, convo, said ?? somethingWentWrong());
    } finally {
      await form?.close();
      deps.throttles.sweep();
    }
  })();
  deps.track(job);
}

/** An error answer, private (through the response_url where the bot cannot post); never throws. */
async function tellUser(deps: EventDeps, convo: SlackConversation, text: string): Promise<void> {
  try {
    await convo.reply({ text, private: true });
  } catch (err) {
    deps.logger.error('slack: could not tell the user about an error', err);
  }
}

function registerSlashCommands(app: App, deps: EventDeps): void {
  for (const spec of deps.bot.specs.filter((s) => s.kind === 'slash')) {
    app.command(`/${spec.name}`, async ({ command, ack, respond, context }) => {
      await ack();
      if (repeated(deps, command, context.retryNum)) return;
      const parts: EventParts = {
        teamId: command.team_id || command.enterprise_id || 'unknown',
        channel: command.channel_id,
        userId: command.user_id,
        userName: command.user_name,
        triggerId: command.trigger_id,
        respond,
      };
      // Parsed before the actor lookup: a command answered with a modal must not spend its trigger_id waiting.
      let inv: Invocation | undefined;
      let parseError: unknown;
      try {
        inv = slashInvocation(spec, command.text ?? '');
        parts.modalDeadline = deps.bot.wantsModal(inv);
      } catch (err) {
        parseError = err;
      }
      runEvent(deps, parts, async (ctx) => {
        if (!inv) throw parseError;
        await deps.bot.handleCommand(ctx, inv);
      });
    });
  }
}

function describeFiles(files: SlackFile[]): string {
  const kinds = [...new Set(files.map((f) => f.mimetype || f.filetype || 'unknown type'))];
  return kinds.join(', ');
}

function registerMessageShortcuts(app: App, deps: EventDeps): void {
  for (const spec of deps.bot.specs.filter((s) => s.kind === 'message')) {
    app.shortcut({ type: 'message_action', callback_id: spec.name }, async ({ shortcut, ack, respond, context }) => {
      await ack();
      if (repeated(deps, shortcut, context.retryNum)) return;
      if (shortcut.type !== 'message_action') return;
      const message = shortcut.message;
      const parts: EventParts = {
        teamId: shortcut.team?.id || shortcut.user.team_id || shortcut.enterprise?.id || 'unknown',
        channel: shortcut.channel.id,
        userId: shortcut.user.id,
        userName: shortcut.user.username || shortcut.user.name,
        threadTs: (message.thread_ts as string | undefined) ?? message.ts,
        triggerId: shortcut.trigger_id,
        respond,
        modalDeadline: true,
      };
      runEvent(deps, parts, async (ctx) => {
        const files = await Promise.all(((message.files as SlackFile[] | undefined) ?? []).map((f) => completeFile(deps.client, f)));
        const pictures = files.filter(isImageFile);
        const label = spec.label ?? spec.name;
        if (files.length === 0) throw new UserError(`${label} works on a message with a picture, and this one has none.`);
        if (pictures.length === 0) {
          throw new UserError(`${label} needs a picture (PNG, JPEG, WebP or GIF); that message holds ${describeFiles(files)}.`);
        }
        await deps.bot.handleCommand(ctx, {
          command: spec.name,
          options: {},
          target: { messageId: `${parts.channel}/${message.ts}`, attachments: pictures.map((f) => slackAttachment(f, deps.files)) },
        });
      });
    });
  }
}

/** A message answered through its response_url: the only way to edit or delete an ephemeral message. */
function responseUrlMessage(id: string, respond: RespondFn): PostedMessage {
  return {
    id,
    edit: async (msg) => {
      await respond({ replace_original: true, ...messageBody(msg) });
    },
    delete: async () => {
      await respond({ delete_original: true });
    },
  };
}

function registerButtons(app: App, deps: EventDeps): void {
  app.action({ type: 'block_actions' }, async ({ body, action, ack, respond, context }) => {
    await ack();
    if (repeated(deps, body, context.retryNum)) return;
    if (body.type !== 'block_actions' || action.type !== 'button') return;
    const message = body.message as { ts: string; thread_ts?: string; blocks?: unknown } | undefined;
    const container = body.container as { is_ephemeral?: boolean; message_ts?: string } | undefined;
    const channel = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id;
    if (!channel) return;
    const messageTs = message?.ts ?? container?.message_ts;
    const parts: EventParts = {
      teamId: body.team?.id || body.user.team_id || body.enterprise?.id || 'unknown',
      channel,
      userId: body.user.id,
      userName: body.user.username || body.user.name,
      threadTs: message ? (message.thread_ts ?? message.ts) : undefined,
      triggerId: body.trigger_id,
      respond,
      modalDeadline: true,
    };
    const source = (convo: SlackConversation): PostedMessage | undefined => {
      if (container?.is_ephemeral) return responseUrlMessage(`${channel}/${messageTs ?? 'ephemeral'}`, respond);
      if (!messageTs) return undefined;
      // the pictures the message shows, so that editing it (a vote tally) keeps them even after a restart
      deps.throttles.knowImages(`${channel}/${messageTs}`, imageBlocksOf(message?.blocks));
      return convo.posted(messageTs, message?.thread_ts ?? messageTs);
    };
    runEvent(deps, parts, (ctx) => deps.bot.handleButton(ctx, action.action_id), source);
  });
}

function registerModals(app: App, deps: EventDeps): void {
  app.view({ type: 'view_submission', callback_id: /.+/ }, async ({ body, view, ack, context }) => {
    if (repeated(deps, body, context.retryNum)) return void (await ack());
    const meta = decodeMetadata(view.private_metadata);
    if (!meta) {
      await ack();
      deps.logger.info(`slack: a view submission (${view.callback_id}) without DomainShift metadata was ignored`);
      return;
    }
    const parts: EventParts = {
      teamId: body.team?.id || body.user.team_id || 'unknown',
      channel: meta.channel,
      userId: body.user.id,
      userName: body.user.name,
      threadTs: meta.threadTs,
    };
    runEvent(
      deps,
      parts,
      async (ctx) => {
        const state = view.state?.values as Record<string, Record<string, ViewStateEntry>> | undefined;
        const values = modalValues(state, (f, field) => fieldAttachment(field, slackAttachment(f as SlackFile, deps.files)));
        await deps.bot.handleModal(ctx, view.callback_id, values);
      },
      undefined,
      // a view_submission's ack takes a response_action (Bolt types it together with view_closed's)
      formAnswer(ack as Parameters<typeof formAnswer>[0]),
    );
  });
}

export function registerEvents(app: App, deps: EventDeps): void {
  registerSuggestions(app, deps);
  registerSlashCommands(app, deps);
  registerMessageShortcuts(app, deps);
  registerButtons(app, deps);
  registerModals(app, deps);
}

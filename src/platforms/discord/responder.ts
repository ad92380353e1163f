// The answer side of one interaction: acknowledge at once, then reply (edit the deferred reply, follow-ups
// after), edit posted messages at a throttled pace, and fall back to plain channel messages when the
// interaction token is gone (expired after 15 minutes, or Discord says "Unknown interaction").
import {
  DiscordAPIError,
  HTTPError,
  RESTJSONErrorCodes,
  type Client,
  type Message,
  type MessageComponentInteraction,
  type RepliableInteraction,
} from 'discord.js';
import type { ModalSpec, OutgoingMessage, PostedMessage } from '../../core/platform.js';
import type { Logger } from '../../core/log.js';
import { buildModal } from './modals.js';
import { editBody, messageBody, messageFlags } from './outgoing.js';
import { EditThrottle } from '../../core/throttle.js';
import { fitFilesForUpload } from '../../core/pictures.js';

/** Discord's upload limit for a server without boosts, when an interaction does not state its own */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** The message with its files fitted under `limit` bytes each; what was changed is said under the text. */
export async function fittedForUpload(msg: OutgoingMessage, limit: number): Promise<OutgoingMessage> {
  if (!msg.files?.length) return msg;
  const { files, notes } = await fitFilesForUpload(msg.files, limit);
  return notes.length ? { ...msg, files, text: `${msg.text}\n${notes.map((n) => `*${n}*`).join('\n')}` } : msg;
}

/** Interaction tokens live 15 minutes; stop using one a little before, so a slow upload does not straddle it. */
const TOKEN_LIFETIME_MS = 15 * 60_000 - 30_000;

const GONE_CODES: ReadonlySet<number> = new Set([
  RESTJSONErrorCodes.UnknownInteraction, // 10062
  RESTJSONErrorCodes.UnknownWebhook, // 10015
  RESTJSONErrorCodes.InvalidWebhookToken, // 50027
]);

function isInteractionGone(err: unknown): boolean {
  return err instanceof DiscordAPIError && typeof err.code === 'number' && GONE_CODES.has(err.code);
}

type AckState = 'none' | 'deferred' | 'deferred-update' | 'modal' | 'dead';

export interface ResponderOptions {
  client: Client;
  logger: Logger;
  editIntervalMs: number;
}

export class InteractionResponder {
  private state: AckState = 'none';
  private deferring: Promise<void> | undefined;
  private lazyDefer: 'reply' | 'update' | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  /** whether the deferred reply (@original) has been filled; later replies are follow-ups */
  private originalFilled = false;
  private readonly editors = new Map<string, EditThrottle>();

  constructor(
    private readonly interaction: RepliableInteraction,
    private readonly options: ResponderOptions,
  ) {}

  get acknowledged(): boolean {
    return this.state !== 'none';
  }

  private tokenExpired(): boolean {
    return Date.now() - this.interaction.createdTimestamp > TOKEN_LIFETIME_MS;
  }

  /** deferReply (commands, modal submits) or deferUpdate (buttons); a dead interaction is remembered, not thrown */
  defer(kind: 'reply' | 'update'): Promise<void> {
    this.disarm();
    // one acknowledgement, however many callers ask for it at once
    this.deferring ??= this.sendDefer(kind);
    return this.deferring;
  }

  private async sendDefer(kind: 'reply' | 'update'): Promise<void> {
    if (this.state !== 'none') return;
    try {
      if (kind === 'update') {
        await (this.interaction as MessageComponentInteraction).deferUpdate();
        this.state = 'deferred-update';
      } else {
        await this.interaction.deferReply();
        this.state = 'deferred';
      }
    } catch (err) {
      // not acknowledged in time (or Discord refused): answers will go to the channel instead
      this.state = 'dead';
      this.options.logger.info(`warning: discord: could not acknowledge interaction ${this.interaction.id}: ${describe(err)}`);
    }
  }

  /**
   * Acknowledge later: at the first answer (`lazy`: buttons, which may open a modal and must keep @original
   * pointing at their message) or after graceMs at the latest, well inside Discord's 3 seconds.
   */
  deferWithin(kind: 'reply' | 'update', graceMs: number, lazy: boolean): void {
    if (lazy) this.lazyDefer = kind;
    this.graceTimer = setTimeout(() => void this.defer(kind), graceMs);
  }

  disarm(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private async acknowledgeLazily(): Promise<void> {
    if (this.state === 'none' && this.lazyDefer) await this.defer(this.lazyDefer);
  }

  async openModal(spec: ModalSpec): Promise<void> {
    if (this.state !== 'none' || this.deferring) throw new Error('a modal can only be the first answer to an interaction');
    this.disarm();
    const interaction = this.interaction;
    if (!('showModal' in interaction)) throw new Error('this interaction cannot open a modal');
    await interaction.showModal(buildModal(spec));
    this.state = 'modal';
  }

  /**
   * The message with its pictures fitted to the upload limit this interaction states (`attachment_size_limit`:
   * 10 MiB, more on boosted servers); what was changed is said under the text.
   */
  private async fitted(msg: OutgoingMessage): Promise<OutgoingMessage> {
    return fittedForUpload(msg, this.interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT);
  }

  async reply(original: OutgoingMessage): Promise<PostedMessage> {
    const msg = await this.fitted(original);
    await this.acknowledgeLazily();
    if (this.state === 'dead' || this.tokenExpired()) return this.replyInChannel(msg);
    try {
      return await this.replyByInteraction(msg);
    } catch (err) {
      if (!isInteractionGone(err)) throw err;
      this.state = 'dead';
      this.options.logger.info(`warning: discord: interaction ${this.interaction.id} is gone; answering in the channel`);
      return this.replyInChannel(msg);
    }
  }

  private async replyByInteraction(msg: OutgoingMessage): Promise<PostedMessage> {
    const i = this.interaction;
    const body = messageBody(msg);
    if (this.state === 'none') {
      const response = await i.reply({ ...body, flags: messageFlags(msg), withResponse: true });
      this.state = 'deferred';
      this.originalFilled = true;
      const message = response.resource?.message;
      return this.webhookMessage('@original', message?.id ?? i.id, message?.channelId ?? i.channelId, true, !msg.private);
    }
    if (this.state === 'deferred' && !this.originalFilled) {
      if (!msg.private) {
        const message = await i.editReply(editBody(msg));
        this.originalFilled = true;
        return this.webhookMessage('@original', message.id, message.channelId);
      }
      // ephemerality is fixed when a message is created: the public "thinking…" placeholder goes away and
      // the private answer comes as an ephemeral follow-up
      await i.deleteReply().catch((err: unknown) => {
        if (isInteractionGone(err)) throw err;
        this.options.logger.info(`warning: discord: could not remove the placeholder: ${describe(err)}`);
      });
      this.originalFilled = true;
    }
    const message = await i.followUp({ ...body, flags: messageFlags(msg) });
    return this.webhookMessage(message.id, message.id, message.channelId, true, !msg.private);
  }

  /** the message a button sits on; after deferUpdate, @original is that message */
  sourceMessage(message: Message): PostedMessage {
    return this.webhookMessage('@original', message.id, message.channelId, false);
  }

  /** one throttle per message; `justSent`: the message was written a moment ago (its creation) */
  private editor(key: string, justSent: boolean, send: (msg: OutgoingMessage) => Promise<void>): EditThrottle {
    let editor = this.editors.get(key);
    if (!editor) {
      editor = new EditThrottle(send, this.options.editIntervalMs);
      if (justSent) editor.markSent();
      this.editors.set(key, editor);
    }
    return editor;
  }

  /** a message reachable through the interaction webhook, and through the channel once the token is gone */
  private webhookMessage(ref: string, id: string, channelId: string | null, justSent = true, reopenable = true): PostedMessage {
    const i = this.interaction;
    const viaChannel = () => this.channelMessages(channelId);
    const editor = this.editor(ref, justSent, async (original) => {
      const msg = await this.fitted(original);
      await this.acknowledgeLazily();
      if (this.state !== 'dead' && !this.tokenExpired()) {
        try {
          await i.editReply({ ...editBody(msg), message: ref });
          return;
        } catch (err) {
          if (!isInteractionGone(err)) throw err;
          this.state = 'dead';
        }
      }
      await (await viaChannel()).edit(id, editBody(msg));
    });
    return {
      id,
      // another front end edits a public message through the channel (reopen.ts); an ephemeral one it cannot
      handle: reopenable && channelId ? { platform: 'discord', channelId, messageId: id } : undefined,
      edit: (msg) => editor.edit(msg),
      delete: async () => {
        editor.close();
        await this.acknowledgeLazily();
        if (this.state !== 'dead' && !this.tokenExpired()) {
          try {
            await i.deleteReply(ref);
            return;
          } catch (err) {
            if (!isInteractionGone(err)) throw err;
            this.state = 'dead';
          }
        }
        await (await viaChannel()).delete(id);
      },
    };
  }

  private async channelMessages(channelId: string | null) {
    if (!channelId) throw new Error('no channel to fall back to');
    const channel = await this.options.client.channels.fetch(channelId);
    if (!channel?.isTextBased()) throw new Error(`channel ${channelId} is not a text channel`);
    return channel.messages;
  }

  /** the token is gone: a public answer goes to the channel (mentioning the user), a private one by DM */
  private async replyInChannel(msg: OutgoingMessage): Promise<PostedMessage> {
    const user = this.interaction.user;
    const body = messageBody({ ...msg, text: msg.private ? msg.text : `<@${user.id}> ${msg.text}` });
    const payload = { ...body, allowedMentions: { users: [user.id] } };
    let message: Message;
    if (msg.private) {
      message = await user.send(payload);
    } else {
      const channel = await this.options.client.channels.fetch(this.interaction.channelId ?? '');
      if (!channel?.isSendable()) throw new Error(`cannot post in channel ${this.interaction.channelId}`);
      message = await channel.send(payload);
    }
    const editor = this.editor(`channel:${message.id}`, true, async (next) => {
      await message.edit(editBody(await this.fitted(next)));
    });
    return {
      id: message.id,
      handle: msg.private ? undefined : { platform: 'discord', channelId: message.channelId, messageId: message.id },
      edit: (next) => editor.edit(next),
      delete: async () => {
        editor.close();
        await message.delete();
      },
    };
  }
}

/** interaction tokens sit in webhook and callback paths: they never reach a log line */
export function hideInteractionTokens(text: string): string {
  return text
    .replace(/\/webhooks\/(\d+)\/[^/?\s]+/g, '/webhooks/$1/[token]')
    .replace(/\/interactions\/(\d+)\/[^/?\s]+/g, '/interactions/$1/[token]');
}

/** an error as one log line: discord.js API errors carry method, path, status and Discord's code */
export function describe(err: unknown): string {
  const text =
    err instanceof DiscordAPIError
      ? `${err.method} ${err.url} → ${err.status} ${err.code}: ${err.message}`
      : err instanceof HTTPError
        ? `${err.method} ${err.url} → ${err.status} ${err.message}`
        : err instanceof Error
          ? `${err.name}: ${err.message}`
          : String(err);
  return hideInteractionTokens(text);
}

// Where an event's answers go. A slash command's first public answer is a new message in the channel, and every
// later answer a reply in its thread; buttons, shortcuts and modals answer in the thread of the message they
// came from. `private` answers are ephemeral (chat.postEphemeral). Posted messages edit through chat.update,
// throttled per message.
import type { WebClient } from '@slack/web-api';
import type { RespondFn } from '@slack/bolt';
import { UserError, type MessageHandle, type OutgoingMessage, type PostedMessage } from '../../core/platform.js';
import { imageBlocks, messageBody, type SlackBlock } from './blocks.js';
import { uploadFiles } from './files.js';
import { EditThrottle } from '../../core/throttle.js';

/** Slack's Web API error code, when the error came from the Web API. */
function apiErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/**
 * One throttle per posted message, shared by every event that edits it (a job's progress, vote clicks), and the
 * pictures each message shows inline, so that an edit without files (a vote tally) keeps them.
 */
export class ThrottleRegistry {
  private readonly throttles = new Map<string, EditThrottle>();
  private readonly images = new Map<string, SlackBlock[]>();

  constructor(
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get(key: string, send: (msg: OutgoingMessage) => Promise<void>): EditThrottle {
    let t = this.throttles.get(key);
    if (!t) {
      t = new EditThrottle(send, this.intervalMs, (err) => this.onError(err));
      this.throttles.set(key, t);
    }
    return t;
  }

  /** Forgets throttles with nothing in flight, so the map does not grow with every message ever posted. */
  sweep(): void {
    for (const [key, t] of this.throttles) if (!t.busy) this.throttles.delete(key);
    // inline pictures are also recovered from interaction payloads, so an old entry can go
    while (this.images.size > 5000) this.images.delete(this.images.keys().next().value as string);
  }

  delete(key: string): void {
    this.throttles.get(key)?.close();
    this.throttles.delete(key);
    this.images.delete(key);
  }

  imagesOf(key: string): SlackBlock[] {
    return this.images.get(key) ?? [];
  }

  setImages(key: string, blocks: SlackBlock[]): void {
    if (blocks.length > 0) this.images.set(key, blocks);
    else this.images.delete(key);
  }

  /** Seeds a message's inline pictures from what Slack says it shows, unless they are known already. */
  knowImages(key: string, blocks: SlackBlock[]): void {
    if (!this.images.has(key) && blocks.length > 0) this.images.set(key, blocks);
  }
}

export interface MessageRef {
  channel: string;
  ts: string;
  /** the thread the message lives in (its own ts when it is a parent) */
  threadTs?: string;
}

/** A message in a channel that the bot posted: editable and deletable. Its id is "<channel>/<ts>". */
export class SlackPostedMessage implements PostedMessage {
  readonly id: string;
  /** another front end reopens it from these (SlackApp.reopen), to finish a job this process could not */
  readonly handle: MessageHandle;

  constructor(
    private readonly client: WebClient,
    private readonly ref: MessageRef,
    private readonly throttles: ThrottleRegistry,
  ) {
    this.id = `${ref.channel}/${ref.ts}`;
    this.handle = { platform: 'slack', channel: ref.channel, ts: ref.ts, ...(ref.threadTs ? { threadTs: ref.threadTs } : {}) };
  }

  edit(msg: OutgoingMessage): Promise<void> {
    return this.throttles.get(this.id, (m) => this.deliverEdit(m)).edit(msg);
  }

  async delete(): Promise<void> {
    this.throttles.delete(this.id);
    await this.client.chat.delete({ channel: this.ref.channel, ts: this.ref.ts });
  }

  private async deliverEdit(msg: OutgoingMessage): Promise<void> {
    let images = this.throttles.imagesOf(this.id);
    if (msg.files?.length) {
      // chat.update cannot attach files: they go into the message's thread, and the message shows them inline.
      const uploaded = await uploadFiles(this.client, this.ref.channel, this.ref.threadTs ?? this.ref.ts, msg.files);
      images = imageBlocks(uploaded);
      this.throttles.setImages(this.id, images);
    }
    const update = (imgs: SlackBlock[]) => {
      const body = messageBody(msg, imgs);
      return this.client.chat.update({ channel: this.ref.channel, ts: this.ref.ts, text: body.text, blocks: body.blocks });
    };
    try {
      await update(images);
    } catch (err) {
      // A picture Slack will not show inline (still processing, or refused) must not cost the edit itself.
      if (images.length === 0 || apiErrorCode(err) !== 'invalid_blocks') throw err;
      this.throttles.setImages(this.id, []);
      await update([]);
    }
  }
}

/** An ephemeral message: Slack offers no way to edit it by API, so an edit sends a fresh ephemeral one. */
class EphemeralMessage implements PostedMessage {
  readonly id: string;
  constructor(
    id: string,
    private readonly resend: (msg: OutgoingMessage) => Promise<void>,
  ) {
    this.id = id;
  }
  edit(msg: OutgoingMessage): Promise<void> {
    return this.resend(msg);
  }
  async delete(): Promise<void> {
    // Ephemeral messages vanish on their own; there is nothing to delete through the Web API.
  }
}

/** Web API errors that mean the bot cannot post in the channel (not invited, private, archived). */
const CHANNEL_ERRORS = ['not_in_channel', 'channel_not_found', 'is_archived'];

const NOT_IN_CHANNEL_TEXT = 'I cannot post in this channel yet: invite me first (`/invite @DomainShift`), then try again.';

/** Turns "the bot cannot post here" into a UserError telling the user what to do; other errors pass. */
function explainChannelError(err: unknown): never {
  if (CHANNEL_ERRORS.includes(apiErrorCode(err) ?? '')) throw new UserError(NOT_IN_CHANNEL_TEXT);
  throw err;
}

export interface ConversationOptions {
  client: WebClient;
  channel: string;
  /** the user who caused the event (ephemeral answers go to them) */
  user: string;
  /** answer inside this thread; undefined: the first public answer starts one */
  threadTs?: string;
  throttles: ThrottleRegistry;
  /** the event's response_url, for private answers where the bot is not a channel member */
  respond?: RespondFn;
}

/** The answers to one event. */
export class SlackConversation {
  private threadTs: string | undefined;

  constructor(private readonly opts: ConversationOptions) {
    this.threadTs = opts.threadTs;
  }

  get thread(): string | undefined {
    return this.threadTs;
  }

  async reply(msg: OutgoingMessage): Promise<PostedMessage> {
    return msg.private ? this.replyPrivately(msg) : this.replyPublicly(msg);
  }

  /** A message the event came from (a button's message), editable like one the bot posted in this event. */
  posted(ts: string, threadTs: string | undefined): PostedMessage {
    return new SlackPostedMessage(this.opts.client, { channel: this.opts.channel, ts, threadTs }, this.opts.throttles);
  }

  private async replyPublicly(msg: OutgoingMessage): Promise<PostedMessage> {
    const { client, channel, throttles } = this.opts;
    const body = messageBody(msg);
    const files = msg.files ?? [];
    if (this.threadTs === undefined) {
      // The first answer of a slash command: a parent message in the channel; its files open its thread.
      const res = await client.chat.postMessage({ channel, text: body.text, blocks: body.blocks }).catch(explainChannelError);
      const ts = res.ts as string;
      this.threadTs = ts;
      await uploadFiles(client, channel, ts, files);
      return new SlackPostedMessage(client, { channel, ts, threadTs: ts }, throttles);
    }
    // In a thread the pictures come first, then the text and buttons under them.
    await uploadFiles(client, channel, this.threadTs, files);
    const res = await client.chat
      .postMessage({ channel, thread_ts: this.threadTs, text: body.text, blocks: body.blocks })
      .catch(explainChannelError);
    return new SlackPostedMessage(client, { channel, ts: res.ts as string, threadTs: this.threadTs }, throttles);
  }

  private async replyPrivately(msg: OutgoingMessage): Promise<PostedMessage> {
    const { client, channel, user } = this.opts;
    const send = async (m: OutgoingMessage): Promise<string> => {
      // Ephemeral messages cannot carry files; say so rather than drop them silently.
      const note = m.files?.length ? `\n_(${m.files.length} file(s) cannot be shown in a private answer.)_` : '';
      const body = messageBody({ ...m, text: `${m.text}${note}`, files: undefined });
      try {
        const res = await client.chat.postEphemeral({
          channel,
          user,
          text: body.text,
          blocks: body.blocks,
          ...(this.threadTs ? { thread_ts: this.threadTs } : {}),
        });
        return (res.message_ts as string | undefined) ?? '';
      } catch (err) {
        // the answer must reach the user anyway: the event's response_url (works where the bot is not a member),
        // else (a form submission has none, or it failed too) a direct message from the bot
        if (this.opts.respond) {
          try {
            await this.opts.respond({ response_type: 'ephemeral', replace_original: false, ...body });
            return 'response-url';
          } catch {
            /* fall through to a direct message */
          }
        }
        const direct = await client.chat.postMessage({ channel: user, text: body.text, blocks: body.blocks }).catch(() => undefined);
        if (!direct?.ts) throw err;
        return direct.ts as string;
      }
    };
    const ts = await send(msg);
    return new EphemeralMessage(`${channel}/${ts}`, async (m) => {
      await send(m);
    });
  }
}

// Translation between the browser and the Bot: a command, a button press, a modal or a "Stylize" on a
// picture becomes a CommandContext + Invocation; OutgoingMessage comes back as a channel message.
// No command logic lives here.
import type { Actor, Attachment, Bot, CommandContext, Invocation, ModalSpec, OutgoingMessage, PostedMessage } from '../../core/platform.js';
import { UserError } from '../../core/platform.js';
import { userMessageOf } from '../../core/errors.js';
import type { Channel, ChannelMessage, StoredFile } from './channel.js';
import { megabytes as mb } from '../../core/pictures.js';
import { readFormValues } from './forms.js';
import { parseCommandText } from './parse.js';

const BOT_AUTHOR = { id: 'domainshift', name: 'DomainShift', bot: true };

export interface AdapterOptions {
  serverId: string;
  channelId: string;
  log?: { error(msg: string, err?: unknown): void };
}

export class PlaygroundAdapter {
  /** modals a user has open, to check what comes back against what was asked */
  private readonly openModals = new Map<string, ModalSpec>();
  /** every run in flight, so that shutdown can wait for them */
  private readonly running = new Set<Promise<void>>();
  /** names of the users seen, for mentions */
  private readonly names = new Map<string, string>();
  /** messages of a dead front end (by their id there) → the message posted here for them */
  private readonly lateIds = new Map<string, string>();

  constructor(
    readonly bot: Bot,
    readonly channel: Channel,
    private readonly options: AdapterOptions,
  ) {}

  attachmentOf(file: StoredFile): Attachment {
    return {
      name: file.name,
      contentType: file.contentType,
      size: file.data.length,
      url: `/files/${file.id}/${encodeURIComponent(file.name)}`,
      width: file.width,
      height: file.height,
      async download(maxBytes: number) {
        if (file.data.length > maxBytes) {
          throw new UserError(`${file.name} is ${mb(file.data.length)}; pictures may be at most ${mb(maxBytes)}.`);
        }
        return file.data;
      },
    };
  }

  /** the pictures a channel message carries, as attachments (uploads and the bot's own results alike) */
  picturesOf(messageId: string): Attachment[] {
    const msg = this.channel.message(messageId);
    if (!msg) return [];
    return msg.files
      .filter((f) => f.contentType.startsWith('image/'))
      .map((f) => this.channel.file(f.id))
      .filter((f): f is StoredFile => !!f)
      .map((f) => this.attachmentOf(f));
  }

  /** the user's latest picture in the channel (their upload or a result they can see) */
  latestPictureFor(userId: string): Attachment | undefined {
    const msgs = this.channel.history(userId).filter((m) => !m.panel && m.author.id === userId);
    for (let i = msgs.length - 1; i >= 0; i--) {
      const pics = this.picturesOf(msgs[i].id);
      if (pics.length) return pics[0];
    }
    return undefined;
  }

  /** A typed slash command: echoed as the user's message, answered under a "thinking" placeholder. */
  command(actor: Actor, text: string, stagedIds: string[] = [], panel = false): Promise<void> {
    return this.track(async () => {
      let inv: Invocation;
      try {
        inv = parseCommandText(this.bot.specs, {
          text,
          staged: stagedIds.map((id) => this.fileAttachment(id)),
          attachmentById: (id) => (this.channel.file(id) ? this.fileAttachment(id) : undefined),
          latest: this.latestPictureFor(actor.id),
        });
      } catch (e) {
        const said = userMessageOf(e);
        if (said === undefined) throw e;
        this.say({ text: said, private: true }, actor.id, panel);
        return;
      }
      if (!panel) this.channel.post({ author: userAuthor(actor), text: this.withFileNames(text), files: [], buttons: [] });
      // a side-panel view replaces the last one, so refreshing it does not pile up messages
      else for (const m of this.channel.history(actor.id)) if (m.panel && m.visibleTo === actor.id) this.channel.remove(m.id);
      await this.invoke(actor, inv, panel);
    });
  }

  /** A message command ("Stylize") on a picture in the channel. */
  messageAction(actor: Actor, command: string, messageId: string): Promise<void> {
    return this.track(async () => {
      const spec = this.bot.specs.find((s) => s.name === command && s.kind === 'message');
      if (!spec) {
        this.say({ text: `There is no picture action called ${command}.`, private: true }, actor.id);
        return;
      }
      const attachments = this.picturesOf(messageId);
      if (!attachments.length) {
        this.say(
          { text: `${spec.label ?? spec.name} needs a message with a picture; that one has none (or it is gone).`, private: true },
          actor.id,
        );
        return;
      }
      await this.invoke(actor, { command, options: {}, target: { messageId, attachments } }, false);
    });
  }

  /** A button press; onAnswered runs at the bot's first answer (a reply, a form, an edit of the message). */
  button(actor: Actor, messageId: string, buttonId: string, onAnswered: () => void = () => {}): Promise<void> {
    return this.track(async () => {
      const msg = this.channel.message(messageId);
      const visible = msg && (!msg.visibleTo || msg.visibleTo === actor.id);
      const button = visible ? msg.buttons.flat().find((b) => b.id === buttonId) : undefined;
      if (!button || button.disabled) {
        this.say({ text: 'That button is no longer there.', private: true }, actor.id);
        return;
      }
      const source = this.posted(messageId, !!msg!.panel);
      const answering =
        <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
        (...args: A) => {
          onAnswered();
          return fn(...args);
        };
      const ctx = this.context(actor, {
        panel: !!msg!.panel,
        onAnswered,
        source: { ...source, edit: answering(source.edit), delete: answering(source.delete) },
      });
      await this.bot.handleButton(ctx, buttonId);
    });
  }

  /**
   * A form sent back. onAnswered runs once: with errors by field when the form must stay open (the page shows
   * each beside its field, as Slack does), or without, when the bot answered otherwise (the form closes).
   */
  modal(
    actor: Actor,
    modalId: string,
    raw: Record<string, string | string[] | undefined>,
    onAnswered: (errors?: Record<string, string>) => void = () => {},
  ): Promise<void> {
    let answered = false;
    const answer = (errors?: Record<string, string>) => {
      if (answered) return false;
      answered = true;
      onAnswered(errors);
      return true;
    };
    return this.track(async () => {
      const key = `${actor.id}\n${modalId}`;
      const spec = this.openModals.get(key);
      if (!spec) {
        answer();
        this.say({ text: 'That form has expired; run the command again.', private: true }, actor.id);
        return;
      }
      const read = readFormValues(spec, raw, (id) => (this.channel.file(id) ? this.fileAttachment(id) : undefined));
      if ('field' in read) {
        if (!answer({ [read.field]: read.problem })) this.say({ text: read.problem, private: true }, actor.id);
        return;
      }
      const values = read.values;
      this.openModals.delete(key);
      const ctx = this.context(actor, { onAnswered: () => answer() });
      ctx.rejectField = async (field, message) => {
        if (!answer({ [field]: message })) return false;
        this.openModals.set(key, spec); // the form stays open, to be sent again
        return true;
      };
      try {
        await this.bot.handleModal(ctx, modalId, values);
      } finally {
        answer();
      }
    });
  }

  /** a bot message straight from the adapter (upload problems, parse errors) */
  say(msg: OutgoingMessage, forUser: string, panel = false): ChannelMessage {
    return this.channel.post({ ...this.fields(msg), author: BOT_AUTHOR, visibleTo: msg.private ? forUser : undefined, panel });
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** the echo of a typed command names its pictures, not their ids */
  private withFileNames(text: string): string {
    return text.replace(/(:\s*)#?([\w-]{6,})(?=\s|$)/g, (all, sep: string, id: string) => {
      const file = this.channel.file(id);
      return file ? `${sep}${file.name}` : all;
    });
  }

  private fileAttachment(id: string): Attachment {
    const file = this.channel.file(id);
    if (!file) throw new UserError('That picture is no longer in the playground; drop it in again.');
    return this.attachmentOf(file);
  }

  private async invoke(actor: Actor, inv: Invocation, panel: boolean): Promise<void> {
    // a command that answers with a form gets no placeholder, as Discord skips its defer then
    const placeholder =
      panel || this.bot.wantsModal(inv)
        ? undefined
        : this.channel.post({ author: BOT_AUTHOR, text: 'DomainShift is thinking…', files: [], buttons: [], pending: true });
    const ctx = this.context(actor, { placeholder: placeholder?.id, panel });
    try {
      await this.bot.handleCommand(ctx, inv);
    } finally {
      if (placeholder && this.channel.message(placeholder.id)?.pending) this.channel.remove(placeholder.id);
    }
  }

  private context(
    actor: Actor,
    opts: { placeholder?: string; panel?: boolean; source?: PostedMessage; onAnswered?: () => void },
  ): CommandContext {
    let placeholder = opts.placeholder;
    let answered = false;
    const panel = !!opts.panel;
    this.names.set(actor.id, actor.name);
    return {
      actor,
      place: { platform: 'playground', serverId: this.options.serverId, channelId: this.options.channelId },
      source: opts.source,
      reply: async (msg) => {
        answered = true;
        opts.onAnswered?.();
        const fields = this.fields(msg);
        // side-panel answers are for the one who asked, whatever the command says
        const visibleTo = msg.private || panel ? actor.id : undefined;
        // the first answer takes the placeholder's place when both are public, like an edited deferred reply
        if (placeholder && !visibleTo && this.channel.message(placeholder)) {
          const id = placeholder;
          placeholder = undefined;
          this.channel.replace(id, { ...fields, pending: false });
          return this.posted(id, panel);
        }
        const posted = this.channel.post({ ...fields, author: BOT_AUTHOR, visibleTo, panel });
        return this.posted(posted.id, panel);
      },
      openModal: async (modal) => {
        if (answered) throw new Error('openModal must be the first answer to an event');
        answered = true;
        opts.onAnswered?.();
        this.openModals.set(`${actor.id}\n${modal.id}`, modal);
        this.channel.sendTo(actor.id, { type: 'modal', modal });
      },
    };
  }

  /**
   * Answers that another front end left for this channel after the one that posted the message died
   * (src/core/queue/mailbox.ts): the message is edited where this channel still has it, else posted anew.
   */
  deliverLate(items: Array<{ messageId: string; msg: OutgoingMessage }>): void {
    for (const { messageId, msg } of items) {
      const id = this.lateIds.get(messageId) ?? messageId;
      if (this.channel.message(id)) void this.posted(id, false).edit(msg);
      else this.lateIds.set(messageId, this.channel.post({ ...this.fields(msg), author: BOT_AUTHOR }).id);
    }
  }

  private posted(id: string, panel: boolean): PostedMessage {
    const { serverId, channelId } = this.options;
    return {
      id,
      // a side-panel answer is for one page only; a channel message can be finished by another front end
      handle: panel ? undefined : { platform: 'playground', serverId, channelId, messageId: id },
      edit: async (msg) => {
        // an edit of a gone message is silently dropped, as the chat platforms 404 and adapters move on;
        // an edit without files keeps the message's pictures, as a Discord edit without attachments does
        const fields = this.fields(msg);
        if (!msg.files) delete (fields as Partial<typeof fields>).files;
        this.channel.replace(id, { ...fields, pending: false });
      },
      delete: async () => this.channel.remove(id),
    };
  }

  private fields(msg: OutgoingMessage): Pick<ChannelMessage, 'text' | 'files' | 'buttons'> {
    const files = (msg.files ?? []).map((f) => {
      const stored = this.channel.addFile({ name: f.name, contentType: f.contentType, data: f.data });
      return this.channel.viewOf(stored, f.description);
    });
    // <@id> is how commands mention a user (Discord and Slack render it); here it becomes @name
    const text = msg.text.replace(/<@([\w.@-]+)>/g, (_, id: string) => `@${this.names.get(id) ?? id}`);
    return { text, files, buttons: msg.buttons ?? [] };
  }

  private track(run: () => Promise<void>): Promise<void> {
    const p = run().catch((e) => {
      // errors the bot did not answer itself (it answers its own); the process stays up
      this.options.log?.error('playground event failed', e);
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }
}

export function userAuthor(actor: Actor) {
  return { id: actor.id, name: actor.name, bot: false };
}

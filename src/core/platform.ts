// The contract between commands/ (written once) and the platform adapters (Discord, Slack, playground),
// which only translate: an adapter turns a platform event into an Invocation / button / modal call on a Bot,
// and turns OutgoingMessage back into the platform's messages, files and components.
import { UserError } from './errors.js';

export type Platform = 'discord' | 'slack' | 'playground';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'attachment';

export interface OptionSpec {
  name: string;
  description: string;
  type: OptionType;
  required?: boolean;
  choices?: Array<{ name: string; value: string | number }>;
  min?: number;
  max?: number;
  maxLength?: number;
  /** filled in by validateInvocation when the option is left out */
  default?: string | number | boolean;
  /** values offered while typing (Discord autocomplete, Slack external select, the playground's list) */
  complete?: CompletionSource;
}

/** Where typed values are completed from: the server's saved domain names. */
export type CompletionSource = 'saved-domain';

export interface Completion {
  name: string;
  value: string;
}

export interface SubcommandSpec {
  name: string;
  description: string;
  options?: OptionSpec[];
}

export interface CommandSpec {
  name: string;
  description: string;
  /** slash: a typed command; message: an action on a message holding a picture (Discord context menu, Slack shortcut) */
  kind: 'slash' | 'message';
  /** message commands: the label users see ("Stylize") */
  label?: string;
  options?: OptionSpec[];
  subcommands?: SubcommandSpec[];
  /** only server managers (Discord Manage Server, Slack workspace admins, playground "manager" switch) */
  managersOnly?: boolean;
  /**
   * Where typed text that names no option goes (Slack's slash text, the playground's message box; options.ts):
   * these options in order, each but the last taking one word. Without it: the first text option.
   */
  freeText?: string[];
}

/** Typed text split into a subcommand and option values, still strings (validateInvocation converts them). */
export interface ParsedText {
  subcommand?: string;
  options: Record<string, string>;
}

/** A picture (or any file) a user gave; the adapter knows how to fetch it from its platform. */
export interface Attachment {
  name: string;
  contentType?: string;
  /** bytes, as the platform reports before download */
  size: number;
  url: string;
  width?: number;
  height?: number;
  /** downloads at most maxBytes, rejecting (with a UserError) a host that is not the platform's, or a larger file */
  download(maxBytes: number): Promise<Buffer>;
}

export type OptionValue = string | number | boolean | Attachment;

export interface Invocation {
  command: string;
  subcommand?: string;
  options: Record<string, OptionValue>;
  /** message commands: the pictures of the message acted on, and a reference to it */
  target?: { messageId: string; attachments: Attachment[] };
}

export interface Actor {
  id: string;
  name: string;
  /** may change server settings and delete anyone's domains */
  isManager: boolean;
}

export interface Place {
  platform: Platform;
  /** Discord guild, Slack team, playground "server" */
  serverId: string;
  channelId: string;
}

export interface ButtonSpec {
  /** routed back to the command that made it: "<command>:<action>[:<arg>…]", at most 100 characters */
  id: string;
  label: string;
  emoji?: string;
  style?: 'primary' | 'secondary' | 'success' | 'danger';
  disabled?: boolean;
}

export interface OutgoingFile {
  name: string;
  data: Buffer;
  contentType: string;
  description?: string;
}

export interface OutgoingMessage {
  /** plain text with **bold**, *italic*, `code`; adapters convert to their markup */
  text: string;
  /** in an edit, omitted keeps the files already posted (a vote tally edit does not re-upload the picture) */
  files?: OutgoingFile[];
  /** rows of buttons, at most 5 rows of 5 */
  buttons?: ButtonSpec[][];
  /** seen only by the actor (Discord ephemeral, Slack ephemeral, playground "only you") */
  private?: boolean;
}

export interface ModalField {
  id: string;
  label: string;
  kind: 'text' | 'select' | 'attachment';
  required?: boolean;
  placeholder?: string;
  maxLength?: number;
  options?: Array<{ label: string; value: string }>;
  /** text fields: the value the form opens with (a remix opens with the result's prompt) */
  value?: string;
  /** text fields: values offered while typing, where the platform can (Slack: an external select) */
  complete?: CompletionSource;
}

export interface ModalSpec {
  /** routed back like a button id */
  id: string;
  title: string;
  fields: ModalField[];
}

export type ModalValues = Record<string, string | Attachment[] | undefined>;

/**
 * Where a posted message lives, as plain data (a channel and message id, a mailbox key): enough for another
 * front end to reopen it through the platform's REST API and deliver a result after this process died.
 */
export type MessageHandle = { platform: Platform } & Record<string, string>;

/** A message the bot posted, which it can edit later (progress, results, tallies). Adapters throttle edits. */
export interface PostedMessage {
  readonly id: string;
  /** absent where the message cannot be reopened elsewhere (ephemeral answers) */
  readonly handle?: MessageHandle;
  edit(msg: OutgoingMessage): Promise<void>;
  delete(): Promise<void>;
}

export interface CommandContext {
  actor: Actor;
  place: Place;
  /**
   * The answer to this event. Adapters acknowledge at once (Discord defer, Slack ack), so this may come late;
   * the first call edits the deferred reply, later calls post follow-ups.
   */
  reply(msg: OutgoingMessage): Promise<PostedMessage>;
  /** a button event: the message holding the button, which the command may edit in place */
  source?: PostedMessage;
  /** opens a modal; only as the very first answer to an event (adapters then skip their defer) */
  openModal?(modal: ModalSpec): Promise<void>;
  /**
   * a form submission, not yet answered: shows the message beside the form's field and keeps the form open;
   * false when the platform cannot (any more), and the error is answered as a reply instead
   */
  rejectField?(field: string, message: string): Promise<boolean>;
}

/** What the core gives the adapters: the command list and the three entry points. */
export interface Bot {
  readonly specs: CommandSpec[];
  /** adapters that must answer with a modal first (Discord, Slack) ask this before deferring */
  wantsModal(inv: Invocation): boolean;
  handleCommand(ctx: CommandContext, inv: Invocation): Promise<void>;
  handleButton(ctx: CommandContext, buttonId: string): Promise<void>;
  handleModal(ctx: CommandContext, modalId: string, values: ModalValues): Promise<void>;
  /** values for a field or option being typed, best first (at most 25, as Discord and Slack show) */
  complete?(place: Place, source: CompletionSource, typed: string): Promise<Completion[]>;
  /** calls back when a server's saved domains change (a view of them is stale); returns the unsubscribe */
  watchSavedDomains?(listener: (serverId: string) => void): () => void;
}

// the error a command throws to refuse something; it belongs to the one error family in errors.ts
export { UserError };

/** A UserError about one field of a form: platforms that can show it beside that field do (Slack). */
export class FieldError extends UserError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs a form field's check; a UserError it throws becomes a FieldError of that field. */
export async function checkField<T>(field: string, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (e) {
    if (e instanceof UserError && !(e instanceof FieldError)) throw new FieldError(field, e.message);
    throw e;
  }
}

// OutgoingMessage → Block Kit message, ModalSpec → Block Kit modal view, and a submitted view's state → ModalValues.
// Limits are Slack's (docs.slack.dev/reference/block-kit): too-long strings are cut rather than rejected by Slack.
import type { Attachment, ButtonSpec, CompletionSource, ModalSpec, ModalValues, OutgoingMessage } from '../../core/platform.js';
import { splitText, toMrkdwn, toPlain, truncate } from './markup.js';

/** A Block Kit block, as sent to chat.postMessage / views.open (plain JSON; Slack validates the shape). */
export type SlackBlock = { type: string; block_id?: string; [key: string]: unknown };

/** Slack accepts at most 50 blocks in a message or modal. */
const MAX_BLOCKS = 50;
/** Slack's top-level `text` is a notification fallback; it truncates after 40,000 characters. */
const FALLBACK_TEXT_LIMIT = 3000;
/** Picture types DomainShift reads, as file extensions for the file_input element. */
const IMAGE_FILETYPES = ['png', 'jpg', 'jpeg', 'webp', 'gif'];

export interface SlackMessageBody {
  text: string;
  blocks: SlackBlock[];
}

function buttonElement(b: ButtonSpec): SlackBlock {
  const label = truncate(`${b.emoji ? `${b.emoji} ` : ''}${toPlain(b.label)}`, 75);
  const element: SlackBlock = {
    type: 'button',
    action_id: b.id,
    value: b.id,
    text: { type: 'plain_text', text: label || '·', emoji: true },
  };
  // Slack buttons have two styles; "success" reads as the primary action, "secondary" is Slack's default look.
  if (b.style === 'primary' || b.style === 'success') element.style = 'primary';
  else if (b.style === 'danger') element.style = 'danger';
  return element;
}

/** One row of buttons: an actions block; Slack has no disabled button, so disabled ones become a context line. */
function buttonRowBlocks(row: ButtonSpec[], index: number): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  const active = row.filter((b) => !b.disabled).slice(0, 25);
  const inactive = row.filter((b) => b.disabled);
  if (active.length > 0) blocks.push({ type: 'actions', block_id: `buttons-${index}`, elements: active.map(buttonElement) });
  if (inactive.length > 0) {
    const labels = inactive.map((b) => `${b.emoji ? `${b.emoji} ` : ''}${toPlain(b.label)}`).join('   ');
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(labels, 3000) }] });
  }
  return blocks;
}

/** Picture types an image block can show. */
const INLINE_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif'];

/** Image blocks showing uploaded pictures inside a message (a Slack file object by id). */
export function imageBlocks(files: Array<{ id: string; name: string; contentType: string; description?: string }>): SlackBlock[] {
  return files
    .filter((f) => INLINE_IMAGE_TYPES.includes(f.contentType))
    .map((f) => ({ type: 'image', slack_file: { id: f.id }, alt_text: truncate(f.description || f.name, 2000) }));
}

/** The image blocks of a message as Slack echoes it in an interaction payload, rebuilt from their file ids. */
export function imageBlocksOf(blocks: unknown): SlackBlock[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((b: { type?: string; slack_file?: { id?: string }; alt_text?: string }) =>
    b?.type === 'image' && typeof b.slack_file?.id === 'string'
      ? [{ type: 'image', slack_file: { id: b.slack_file.id }, alt_text: b.alt_text || 'picture' }]
      : [],
  );
}

/** The text and blocks of a message; files travel separately (files.uploadV2), shown inline by `images`. */
export function messageBody(msg: OutgoingMessage, images: SlackBlock[] = []): SlackMessageBody {
  const mrkdwn = toMrkdwn(msg.text ?? '');
  const blocks: SlackBlock[] = splitText(mrkdwn).map((piece) => ({ type: 'section', text: { type: 'mrkdwn', text: piece } }));
  blocks.push(...images);
  const rows = (msg.buttons ?? []).slice(0, 5);
  rows.forEach((row, i) => blocks.push(...buttonRowBlocks(row, i)));
  // Slack rejects an empty text with no blocks; a message that only carries files still needs a line.
  const text = truncate(mrkdwn, FALLBACK_TEXT_LIMIT) || (msg.files?.length ? 'Files' : ' ');
  return { text, blocks: blocks.slice(0, MAX_BLOCKS) };
}

/** What the adapter keeps in a modal's private_metadata to know where to answer on submission. */
export interface ModalMetadata {
  /** channel of the event that opened the modal */
  channel: string;
  /** thread to answer in: the target message's thread, or the target message itself */
  threadTs?: string;
  /** fields shown as external selects: where their options come from (Slack asks while the user types) */
  completions?: Record<string, CompletionSource>;
}

/** Slack keeps at most 3,000 characters of private_metadata. */
function encodeMetadata(meta: ModalMetadata): string {
  return JSON.stringify({ c: meta.channel, t: meta.threadTs, k: meta.completions });
}

export function decodeMetadata(raw: string | undefined): ModalMetadata | undefined {
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as { c?: unknown; t?: unknown; k?: Record<string, CompletionSource> };
    if (typeof parsed.c !== 'string') return undefined;
    const completions = parsed.k && typeof parsed.k === 'object' ? parsed.k : undefined;
    return { channel: parsed.c, threadTs: typeof parsed.t === 'string' ? parsed.t : undefined, completions };
  } catch {
    return undefined;
  }
}

function fieldBlock(field: ModalSpec['fields'][number]): SlackBlock {
  const label = { type: 'plain_text', text: truncate(toPlain(field.label), 2000) || field.id, emoji: true };
  const placeholder = field.placeholder ? { type: 'plain_text', text: truncate(toPlain(field.placeholder), 150), emoji: true } : undefined;
  let element: SlackBlock;
  if (field.kind === 'select') {
    const options = (field.options ?? []).slice(0, 100).map((o) => ({
      text: { type: 'plain_text', text: truncate(toPlain(o.label), 75) || o.value, emoji: true },
      value: o.value.slice(0, 150),
    }));
    // A static select without options is invalid Block Kit: say there is nothing to choose instead.
    if (options.length === 0) {
      return { type: 'section', block_id: field.id, text: { type: 'mrkdwn', text: `*${toMrkdwn(field.label)}*: nothing to choose yet.` } };
    }
    element = { type: 'static_select', action_id: field.id, options, ...(placeholder ? { placeholder } : {}) };
  } else if (field.kind === 'attachment') {
    element = { type: 'file_input', action_id: field.id, filetypes: IMAGE_FILETYPES, max_files: 1 };
  } else if (field.complete) {
    // options come from the app while the user types (block_suggestion, answered by events.ts)
    element = { type: 'external_select', action_id: field.id, min_query_length: 0, ...(placeholder ? { placeholder } : {}) };
  } else {
    element = {
      type: 'plain_text_input',
      action_id: field.id,
      ...(placeholder ? { placeholder } : {}),
      ...(field.maxLength ? { max_length: Math.min(field.maxLength, 3000) } : {}),
      ...(field.value ? { initial_value: field.value.slice(0, field.maxLength ?? 3000) } : {}),
    };
  }
  return { type: 'input', block_id: field.id, optional: !field.required, label, element };
}

function completionsOf(modal: ModalSpec): Record<string, CompletionSource> | undefined {
  const fields = modal.fields.filter((f) => f.kind === 'text' && f.complete);
  return fields.length ? Object.fromEntries(fields.map((f) => [f.id, f.complete!])) : undefined;
}

/** The modal view for views.open; the modal id comes back as callback_id on submission. */
export function modalView(modal: ModalSpec, meta: ModalMetadata): SlackBlock {
  return {
    type: 'modal',
    callback_id: modal.id,
    title: { type: 'plain_text', text: truncate(toPlain(modal.title), 24) || 'DomainShift', emoji: true },
    submit: { type: 'plain_text', text: 'Submit' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: encodeMetadata({ ...meta, completions: completionsOf(modal) }),
    blocks: modal.fields.slice(0, MAX_BLOCKS).map(fieldBlock),
  };
}

/** A value in view.state.values, as Slack sends it for the three element types the adapter uses. */
export interface ViewStateEntry {
  type: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  files?: unknown[];
}

/** Turns a submitted view's state into ModalValues; files become Attachments through `toAttachment`. */
export function modalValues(
  state: Record<string, Record<string, ViewStateEntry>> | undefined,
  toAttachment: (file: unknown, field: string) => Attachment,
): ModalValues {
  const values: ModalValues = {};
  for (const block of Object.values(state ?? {})) {
    for (const [actionId, entry] of Object.entries(block)) {
      if (entry.type === 'file_input') {
        const files = (entry.files ?? []).map((f) => toAttachment(f, actionId));
        values[actionId] = files.length > 0 ? files : undefined;
      } else if (entry.type === 'static_select' || entry.type === 'external_select') {
        values[actionId] = entry.selected_option?.value ?? undefined;
      } else {
        const text = typeof entry.value === 'string' ? entry.value.trim() : '';
        values[actionId] = text === '' ? undefined : text;
      }
    }
  }
  return values;
}

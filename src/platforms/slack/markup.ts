// The platform-neutral text of an OutgoingMessage (**bold**, *italic*, `code`, [text](url)) turned into
// Slack mrkdwn (*bold*, _italic_, `code`, <url|text>), with the characters Slack treats as control escaped.

/** Slack's limit for the text of one section block. */
const SECTION_TEXT_LIMIT = 3000;

/** Escapes the three characters Slack reserves for its own markup (mentions, links). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Placeholder for bold asterisks while single asterisks become underscores; a private-use character no user types.
const BOLD_MARK = '\uE000';

function convertProse(prose: string): string {
  return escapeMrkdwn(prose)
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, (_m, label: string, url: string) => `<${url}|${label}>`)
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, `${BOLD_MARK}$1${BOLD_MARK}`)
    .replace(/(^|[^*\w])\*(?=\S)([^*\n]+?)\*(?!\w)/g, '$1_$2_')
    .replaceAll(BOLD_MARK, '*');
}

/** User and channel mentions (<@U123>, <#C123>), which both Discord and Slack write the same way. */
const MENTION = /(<[@#][A-Za-z0-9]+>)/;

/** Converts the project's light markdown to Slack mrkdwn; code spans keep their content (escaped only). */
export function toMrkdwn(text: string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? escapeMrkdwn(part)
        : part
            .split(MENTION)
            .map((piece, j) => (j % 2 === 1 ? piece : convertProse(piece)))
            .join(''),
    )
    .join('');
}

/** Plain text for places that take no markup (buttons, modal labels, notification fallbacks). */
export function toPlain(text: string): string {
  return text
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, '$1 ($2)')
    .replace(/\*\*([^*\n]+?)\*\*/g, '$1')
    .replace(/(^|[^*\w])\*([^*\n]+?)\*(?!\w)/g, '$1$2')
    .replace(/`([^`\n]*)`/g, '$1');
}

/** Cuts text to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Splits mrkdwn into pieces of at most `limit` characters, preferring line breaks, so that long answers
 * (the gallery, /help) fit Slack's per-block limit without breaking a line in the middle when avoidable.
 */
export function splitText(text: string, limit = SECTION_TEXT_LIMIT): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut < limit / 2) cut = rest.lastIndexOf(' ', limit);
    if (cut < limit / 2) cut = limit;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

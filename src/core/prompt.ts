// Parsing what people type: "dog → nicolas cage" style prompts, and Slack/playground free text into options.
import { UserError, type OptionSpec, type ParsedText } from './platform.js';

export interface DomainPrompt {
  /** omitted: the pack's default source ("a photo of a face") */
  source?: string;
  target: string;
}

// "→", "->", "=>", "⇒" and the word "to": the first one splits source from target
const ARROW = /\s*(?:→|->|=>|⇒|⟶)\s*|\s+to\s+/i;

/** "dog → nicolas cage", "dog -> cage", "dog to cage", or just "pixar character" (target only). */
export function parseDomainPrompt(text: string): DomainPrompt {
  const clean = text.replace(/\s+/g, ' ').trim();
  const m = ARROW.exec(clean);
  if (!m) return { target: clean };
  const source = clean.slice(0, m.index).trim();
  const target = clean.slice(m.index + m[0].length).trim();
  if (!target) throw new UserError('Say what to turn it into after the arrow, e.g. `a photo → a pencil sketch`.');
  // "→ cage" with nothing before: target only
  return source ? { source, target } : { target };
}

/**
 * Free text into options: `key:value` or `key:"a quoted value"` for the given option names, anywhere in the text;
 * the rest is the value of `rest` (the command's main text option). Numbers are converted for number options.
 */
export function parseOptionText(text: string, options: OptionSpec[], rest: string, subcommands: string[] = []): ParsedText {
  const out: ParsedText = { options: {} };
  let body = text.trim();
  if (subcommands.length) {
    const first = body.split(/\s+/, 1)[0]?.toLowerCase();
    if (first && subcommands.includes(first)) {
      out.subcommand = first;
      body = body.slice(first.length).trim();
    }
  }
  const names = options.filter((o) => o.type !== 'attachment').map((o) => o.name);
  if (names.length) {
    const re = new RegExp(`(?:^|\\s)(${names.map(escapeRegExp).join('|')}):\\s*(?:"([^"]*)"|“([^”]*)”|(\\S+))`, 'gi');
    body = body.replace(re, (_all, key: string, q1?: string, q2?: string, bare?: string) => {
      const spec = options.find((o) => o.name.toLowerCase() === key.toLowerCase())!;
      const raw = (q1 ?? q2 ?? bare ?? '').trim();
      out.options[spec.name] = convert(spec, raw);
      return ' ';
    });
  }
  const remaining = body.replace(/\s+/g, ' ').trim();
  if (remaining && out.options[rest] === undefined) out.options[rest] = remaining;
  return out;
}

function convert(spec: OptionSpec, raw: string): string | number | boolean {
  if (spec.type === 'integer' || spec.type === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n)))
      throw new UserError(`\`${spec.name}\` must be ${spec.type === 'integer' ? 'a whole number' : 'a number'}, not "${raw}".`);
    return n;
  }
  if (spec.type === 'boolean') return /^(true|yes|on|1)$/i.test(raw);
  return raw;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

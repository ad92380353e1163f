// Parsing what people type: "dog → nicolas cage" style prompts (typed text into options: options.ts).
import { UserError } from './platform.js';

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

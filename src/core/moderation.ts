// What users type, made safe and comparable: prompts lose invisible characters and are refused when they hold
// control characters; the server's blocklist is matched on a folded form of the text, so that look-alike
// letters (Cyrillic "а", fullwidth "ａ"), accents and dotted letters, zero-width characters inside a word and
// simple inflections (plurals, -ed, -ing) do not slip past it.
import { remove as foldConfusables } from 'confusables';

/** format characters: zero-width space/joiners, word joiner, soft hyphen, BOM, bidi controls */
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFE00-\uFE0F]/gu;
/** C0/C1 controls other than whitespace, noncharacters (U+FFFE, U+FDD0…) and lone surrogates */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF\p{Cs}]/u;

function codePointName(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first character a prompt may not hold, as "U+0007", or undefined. */
export function forbiddenCharacter(text: string): string | undefined {
  const m = FORBIDDEN.exec(text);
  return m ? codePointName(m[0]) : undefined;
}

/**
 * The prompt as it is kept and shown: invisible characters removed (a zero-width joiner between two emoji stays,
 * it draws one emoji), whitespace collapsed.
 */
export function visibleText(text: string): string {
  return text
    .replace(INVISIBLE, (ch, offset: number, all: string) =>
      ch === '\u200D' && /\p{Extended_Pictographic}$/u.test(all.slice(Math.max(0, offset - 2), offset)) ? ch : '',
    )
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * User text can spell a mention the way Discord and Slack write them (`<@U123>`, `<#C123>`, `<!here>`); shown
 * back by the bot it would become a live mention. A word joiner after the `<` keeps it as the characters typed.
 */
export function defuseMentions(text: string): string {
  return text.replace(/<([@#!])/g, '<\u2060$1');
}

/**
 * The form text is compared in: NFKC (fullwidth and compatibility letters), no invisible characters, lower case,
 * no accents or dots (NFKD without marks), confusables folded to the Latin letters they imitate.
 */
export function foldForMatching(text: string): string {
  const plain = text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase().replace(/ı/g, 'i').normalize('NFKD').replace(/\p{M}/gu, '');
  return foldConfusables(plain).toLowerCase();
}

function words(folded: string): string[] {
  return folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** the dictionary forms a word may be an inflection of: cats → cat, kisses → kiss, parties → party, killing → kill */
function stems(word: string): Set<string> {
  const out = new Set([word]);
  const add = (s: string) => s.length >= 2 && out.add(s);
  if (word.endsWith('ies')) add(`${word.slice(0, -3)}y`);
  if (word.endsWith('es')) add(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss')) add(word.slice(0, -1));
  if (word.endsWith("'s")) add(word.slice(0, -2));
  for (const suffix of ['ing', 'ed', 'er', 'ers']) {
    if (!word.endsWith(suffix)) continue;
    const base = word.slice(0, -suffix.length);
    add(base);
    add(`${base}e`); // shaming → shame
    if (base.length >= 3 && base.at(-1) === base.at(-2)) add(base.slice(0, -1)); // stabbing → stab
  }
  return out;
}

function sameWord(textWord: string, blocked: string): boolean {
  return textWord === blocked || stems(textWord).has(blocked);
}

/** The blocklist entry the text contains (whole words, after folding both), or undefined. */
export function findBlocked(text: string, blocklist: string[]): string | undefined {
  const textWords = words(foldForMatching(text));
  for (const entry of blocklist) {
    const entryWords = words(foldForMatching(entry));
    if (!entryWords.length) continue;
    for (let i = 0; i + entryWords.length <= textWords.length; i++) {
      if (entryWords.every((w, k) => sameWord(textWords[i + k], w))) return entry.trim();
    }
  }
  return undefined;
}

// Packs trained on a small world (the demo) know only the words their CLIP was trained on (pack.json `vocabulary`).
// A prompt with other words would give a domain unrelated to what was asked, so the bot says which words it knows.
import type { PackManifest } from './manifest.js';

/** The words of `text` (lowercased letters) that the pack's vocabulary lacks; none when the pack lists no vocabulary. */
export function unknownWords(manifest: PackManifest, text: string): string[] {
  if (!manifest.vocabulary?.length) return [];
  const known = new Set(manifest.vocabulary.map((w) => w.toLowerCase()));
  const words =
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/\p{L}+/gu) ?? [];
  return [...new Set(words.filter((w) => !known.has(w)))];
}

/** One short line: the unknown words and the words the pack does know. */
export function vocabularyHint(manifest: PackManifest, unknown: string[]): string {
  const shown = unknown
    .slice(0, 5)
    .map((w) => `"${w}"`)
    .join(', ');
  return (
    `The pack \`${manifest.name}\` was trained on a small world and does not know ${shown}. ` +
    `It knows: ${(manifest.vocabulary ?? []).join(', ')}.`
  );
}

// What CLIP reads for a StyleCLIP edit text: the text put into prompt templates, whose normalised embeddings are
// averaged. By default the 79 StyleCLIP's global directions use (its `imagenet_templates`: CLIP's ImageNet zero-shot
// templates less "a photo of many {}."); a pack may give templates in its own words (pack.json `styleclip.text`).
import type { PackManifest, StyleClipText } from './manifest.js';

export const PROMPT_TEMPLATES: readonly string[] = [
  'a bad photo of a {}.',
  'a sculpture of a {}.',
  'a photo of the hard to see {}.',
  'a low resolution photo of the {}.',
  'a rendering of a {}.',
  'graffiti of a {}.',
  'a bad photo of the {}.',
  'a cropped photo of the {}.',
  'a tattoo of a {}.',
  'the embroidered {}.',
  'a photo of a hard to see {}.',
  'a bright photo of a {}.',
  'a photo of a clean {}.',
  'a photo of a dirty {}.',
  'a dark photo of the {}.',
  'a drawing of a {}.',
  'a photo of my {}.',
  'the plastic {}.',
  'a photo of the cool {}.',
  'a close-up photo of a {}.',
  'a black and white photo of the {}.',
  'a painting of the {}.',
  'a painting of a {}.',
  'a pixelated photo of the {}.',
  'a sculpture of the {}.',
  'a bright photo of the {}.',
  'a cropped photo of a {}.',
  'a plastic {}.',
  'a photo of the dirty {}.',
  'a jpeg corrupted photo of a {}.',
  'a blurry photo of the {}.',
  'a photo of the {}.',
  'a good photo of the {}.',
  'a rendering of the {}.',
  'a {} in a video game.',
  'a photo of one {}.',
  'a doodle of a {}.',
  'a close-up photo of the {}.',
  'a photo of a {}.',
  'the origami {}.',
  'the {} in a video game.',
  'a sketch of a {}.',
  'a doodle of the {}.',
  'a origami {}.',
  'a low resolution photo of a {}.',
  'the toy {}.',
  'a rendition of the {}.',
  'a photo of the clean {}.',
  'a photo of a large {}.',
  'a rendition of a {}.',
  'a photo of a nice {}.',
  'a photo of a weird {}.',
  'a blurry photo of a {}.',
  'a cartoon {}.',
  'art of a {}.',
  'a sketch of the {}.',
  'a embroidered {}.',
  'a pixelated photo of a {}.',
  'itap of the {}.',
  'a jpeg corrupted photo of the {}.',
  'a good photo of a {}.',
  'a plushie {}.',
  'a photo of the nice {}.',
  'a photo of the small {}.',
  'a photo of the weird {}.',
  'the cartoon {}.',
  'art of the {}.',
  'a drawing of the {}.',
  'a photo of the large {}.',
  'a black and white photo of a {}.',
  'the plushie {}.',
  'a dark photo of a {}.',
  'itap of a {}.',
  'graffiti of the {}.',
  'a toy {}.',
  'itap of my {}.',
  'a photo of a cool {}.',
  'a photo of a small {}.',
  'a tattoo of the {}.',
];

/** `text` in each template (a replacer function: a `$` in the text stays a `$`). */
export function templated(text: string, templates: readonly string[] = PROMPT_TEMPLATES): string[] {
  return templates.map((t) => t.replace('{}', () => text));
}

/**
 * A short edit text as the pack's subject phrase: with subjects ["a face", …] and before ["smiling", …], "smiling" →
 * "a smiling face", "glasses" → "a face with glasses", "smiling with red hair" → "a smiling face with red hair". A text
 * that already names a subject ("a person with glasses") is kept as typed, and so is every text without `phrase`.
 */
export function subjectPhrase(text: string, phrase: StyleClipText['phrase']): string {
  if (!phrase) return text.trim();
  const typed = text.trim().split(/\s+/).join(' ');
  const words = typed.split(' ');
  const lower = words.map((w) => w.toLowerCase());
  const nouns = new Set(phrase.subjects.map((s) => s.split(/\s+/).at(-1)!.toLowerCase()));
  if (lower.some((w) => nouns.has(w))) return typed;
  const before = new Set((phrase.before ?? []).map((w) => w.toLowerCase()));
  let lead = 0;
  while (lead < words.length && before.has(lower[lead])) lead++;
  // the phrase says its own "with": "smiling with glasses", "smiling and glasses", "with glasses" drop theirs
  const rest = lower[lead] === 'with' || lower[lead] === 'and' ? words.slice(lead + 1) : words.slice(lead);
  const subject = phrase.subjects[0].split(/\s+/);
  const noun = subject.pop()!;
  const pre = words.slice(0, lead);
  // a lone article agrees with the word that now follows it ("an angry face")
  if (pre.length && subject.length === 1 && /^an?$/i.test(subject[0])) subject[0] = /^[aeiou]/i.test(pre[0]) ? 'an' : 'a';
  const head = [...subject, ...pre, noun].join(' ');
  return rest.length ? `${head} with ${rest.join(' ')}` : head;
}

/** The prompts CLIP embeds for one StyleCLIP text on this pack (target or neutral alike). */
export function editPrompts(text: string, manifest: Pick<PackManifest, 'styleclip'>): string[] {
  const settings = manifest.styleclip?.text;
  return templated(subjectPhrase(text, settings?.phrase), settings?.templates ?? PROMPT_TEMPLATES);
}

/** The neutral text of an edit: the request's, else the pack's StyleCLIP neutral, else its source description. */
export function neutralText(manifest: Pick<PackManifest, 'styleclip' | 'defaultSource'>, requested?: string): string {
  return requested?.trim() || manifest.styleclip?.text?.neutral || manifest.defaultSource;
}

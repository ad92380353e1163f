// Validation of everything a user sends, before it costs anything: prompts (length, the server's blocklist)
// and pictures (type and size before download; a real decode with a pixel limit after).
import sharp from 'sharp';
import { UserError, type Attachment } from './platform.js';

export interface Limits {
  maxPromptLength: number;
  maxAttachmentBytes: number;
  /** width × height a decoded picture may have; more is a pixel bomb */
  maxInputPixels: number;
  maxCount: number;
  maxStrength: number;
}

export function defaultLimits(): Limits {
  return { maxPromptLength: 200, maxAttachmentBytes: 8 * 1024 * 1024, maxInputPixels: 40_000_000, maxCount: 8, maxStrength: 2 };
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/webp', 'image/gif']);

/** Trims and checks a prompt; returns the clean text. */
export function checkPrompt(text: string, limits: Limits, blocklist: string[], what = 'The prompt'): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (!clean) throw new UserError(`${what} is empty.`);
  if (clean.length > limits.maxPromptLength)
    throw new UserError(`${what} is ${clean.length} characters long; the limit is ${limits.maxPromptLength}.`);
  const lower = clean.toLowerCase();
  for (const word of blocklist) {
    const w = word.trim().toLowerCase();
    if (!w) continue;
    // whole words only, so that "ass" does not block "class"
    const re = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(w)}($|[^\\p{L}\\p{N}])`, 'u');
    if (re.test(lower)) throw new UserError(`${what} contains a word this server does not allow ("${w}").`);
  }
  return clean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What can be checked before downloading: the declared type and size. */
export function checkAttachmentMeta(att: Attachment, limits: Limits): void {
  const type = att.contentType?.split(';')[0].trim().toLowerCase();
  const byName = /\.(png|jpe?g|webp|gif)$/i.test(att.name);
  if (type ? !IMAGE_TYPES.has(type) : !byName)
    throw new UserError(`\`${att.name}\` is not a picture I can read (PNG, JPEG, WebP or GIF)${type ? `; it is ${type}` : ''}.`);
  if (att.size > limits.maxAttachmentBytes)
    throw new UserError(`\`${att.name}\` is ${mb(att.size)}; the limit is ${mb(limits.maxAttachmentBytes)}.`);
  if (att.width && att.height && att.width * att.height > limits.maxInputPixels)
    throw new UserError(`\`${att.name}\` is ${att.width}×${att.height} pixels, too large to process.`);
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Checks bytes that were downloaded: a real decode, with sharp's pixel limit, so a bomb or a corrupt file is refused. */
export async function checkImageBytes(name: string, data: Buffer, limits: Limits): Promise<{ width: number; height: number; format: string }> {
  if (data.byteLength > limits.maxAttachmentBytes)
    throw new UserError(`\`${name}\` is ${mb(data.byteLength)}; the limit is ${mb(limits.maxAttachmentBytes)}.`);
  try {
    const img = sharp(data, { limitInputPixels: limits.maxInputPixels, failOn: 'error' });
    const meta = await img.metadata();
    if (!meta.format || !['png', 'jpeg', 'webp', 'gif'].includes(meta.format))
      throw new UserError(`\`${name}\` is not a PNG, JPEG, WebP or GIF picture.`);
    if (!meta.width || !meta.height || meta.width * meta.height > limits.maxInputPixels)
      throw new UserError(`\`${name}\` is ${meta.width}×${meta.height} pixels, too large to process.`);
    // decode the pixels for real: a truncated or corrupt file fails here, not inside the engine
    await img.stats();
    return { width: meta.width, height: meta.height, format: meta.format };
  } catch (e) {
    if (e instanceof UserError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/pixel limit/i.test(msg)) throw new UserError(`\`${name}\` has too many pixels to process.`);
    throw new UserError(`\`${name}\` could not be read as a picture (it may be damaged).`);
  }
}

/** Check, download (bounded), check again. */
export async function fetchPicture(att: Attachment, limits: Limits): Promise<Buffer> {
  checkAttachmentMeta(att, limits);
  const data = await att.download(limits.maxAttachmentBytes);
  await checkImageBytes(att.name, data, limits);
  return data;
}

export function checkCount(n: number | undefined, limits: Limits, fallback = 4): number {
  const v = n ?? fallback;
  if (!Number.isInteger(v) || v < 1 || v > limits.maxCount) throw new UserError(`count must be a whole number from 1 to ${limits.maxCount}.`);
  return v;
}

export function checkStrength(s: number | undefined, limits: Limits, fallback = 1): number {
  const v = s ?? fallback;
  if (!Number.isFinite(v) || v < 0 || v > limits.maxStrength) throw new UserError(`strength must be between 0 and ${limits.maxStrength}.`);
  return Math.round(v * 100) / 100;
}

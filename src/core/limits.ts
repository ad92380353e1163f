// Validation of everything a user sends, before it costs anything: prompts (length, the server's blocklist)
// and pictures (type and size before download; a real decode with a pixel limit after).
import sharp from 'sharp';
import { UserError, type Attachment } from './platform.js';
import { megabytes as mb, PICTURE_POLICY, readPictureHeader } from './pictures.js';
import { defuseMentions, findBlocked, forbiddenCharacter, visibleText } from './moderation.js';

export interface Limits {
  maxPromptLength: number;
  maxAttachmentBytes: number;
  /** width × height a decoded picture may have; more is a pixel bomb */
  maxInputPixels: number;
  /** the operator's ceilings (MAX_JOBS_PER_USER / _SERVER): a server's /settings may go lower, never higher */
  maxJobsPerUser: number;
  maxJobsPerServer: number;
}

export function defaultLimits(): Limits {
  return {
    maxPromptLength: 200,
    maxAttachmentBytes: 8 * 1024 * 1024,
    maxInputPixels: PICTURE_POLICY.maxPixels,
    maxJobsPerUser: 100,
    maxJobsPerServer: 1000,
  };
}

/** The job caps that hold on a server: its /settings, within the operator's ceilings. Shown and enforced alike. */
export function effectiveJobCaps(settings: { userJobCap: number; serverJobCap: number }, limits: Limits): { user: number; server: number } {
  return { user: Math.min(settings.userJobCap, limits.maxJobsPerUser), server: Math.min(settings.serverJobCap, limits.maxJobsPerServer) };
}

// the shared types, and the "image/jpg" some clients declare
const IMAGE_TYPES = new Set([...PICTURE_POLICY.contentTypes, 'image/jpg']);

/**
 * Checks a prompt and returns the text to keep: invisible characters removed, whitespace collapsed. Control
 * characters are refused (they would fail later, in the picture's label), and so is anything the server's
 * blocklist holds, compared after folding (moderation.ts).
 */
export function checkPrompt(text: string, limits: Limits, blocklist: string[], what = 'The prompt'): string {
  const bad = forbiddenCharacter(text);
  if (bad) throw new UserError(`${what} contains a control character (${bad}); please type it again without it.`);
  const clean = visibleText(text);
  if (!/[\p{L}\p{N}\p{S}]/u.test(clean)) throw new UserError(`${what} is empty.`);
  if (clean.length > limits.maxPromptLength)
    throw new UserError(`${what} is ${clean.length} characters long; the limit is ${limits.maxPromptLength}.`);
  const blocked = findBlocked(clean, blocklist);
  if (blocked) throw new UserError(`${what} contains a word this server does not allow ("${blocked}").`);
  return defuseMentions(clean);
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

/** Checks bytes that were downloaded: the shared header check (pictures.ts), then a real decode, so a corrupt file is refused. */
export async function checkImageBytes(
  name: string,
  data: Buffer,
  limits: Limits,
): Promise<{ width: number; height: number; format: string }> {
  if (data.byteLength > limits.maxAttachmentBytes)
    throw new UserError(`\`${name}\` is ${mb(data.byteLength)}; the limit is ${mb(limits.maxAttachmentBytes)}.`);
  const header = await readPictureHeader(name, data, { ...PICTURE_POLICY, maxPixels: limits.maxInputPixels });
  try {
    // decode the pixels for real: a truncated or corrupt file fails here, not inside the engine
    await sharp(data, { limitInputPixels: limits.maxInputPixels, failOn: 'error' }).stats();
  } catch {
    throw new UserError(`\`${name}\` could not be read as a picture (it may be damaged or incomplete).`);
  }
  return header;
}

/** Check, download (bounded), check again. */
export async function fetchPicture(att: Attachment, limits: Limits): Promise<Buffer> {
  checkAttachmentMeta(att, limits);
  const data = await att.download(limits.maxAttachmentBytes);
  await checkImageBytes(att.name, data, limits);
  return data;
}

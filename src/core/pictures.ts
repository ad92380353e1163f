// The one policy for pictures crossing the bot's edge, on every platform: what comes in (types, pixel cap,
// download size and time limits, read in a bounded way) and what goes out (a result re-encoded or scaled
// down to fit a platform's upload limit, saying so). Adapters fetch from their platform; the rules live here.
import sharp from 'sharp';
import { MAX_INPUT_PIXELS } from '../engine/images.js';
import { UserError, type OutgoingFile } from './platform.js';

export interface PicturePolicy {
  /** width × height a picture may have (declared or in its header); more is refused as a decompression bomb */
  maxPixels: number;
  /** a hard cap on any download, whatever a command asks for */
  maxDownloadBytes: number;
  /** a stalled file server must not hold a job forever */
  downloadTimeoutMs: number;
  /** content types accepted (lower case) */
  contentTypes: string[];
}

export const PICTURE_POLICY: PicturePolicy = {
  // the engine's own decode limit: one pixel cap from the chat edge to the decoder
  maxPixels: MAX_INPUT_PIXELS,
  maxDownloadBytes: 25 * 1024 * 1024,
  downloadTimeoutMs: 30_000,
  contentTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
};

const PICTURE_KINDS = 'PNG, JPEG, WebP or GIF';

/** A file size as people read it: "8.0 MB", or "64 KB" below a tenth of a megabyte. */
export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb < 0.1 ? `${Math.ceil(bytes / 1024)} KB` : `${mb.toFixed(1)} MB`;
}

export function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(0)} megapixels`;
}

/** Refuses declared dimensions past the pixel cap (before anything is downloaded). */
export function checkDeclaredPixels(name: string, width: number | undefined, height: number | undefined, policy = PICTURE_POLICY): void {
  if (width && height && width * height > policy.maxPixels)
    throw new UserError(`"${name}" is ${width}×${height} pixels; the limit is ${megapixels(policy.maxPixels)}.`);
}

/**
 * Reads a body, stopping (and rejecting) as soon as it passes maxBytes: the declared size may be wrong.
 * `stop` aborts the transfer underneath.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  name: string,
  stop?: () => void,
): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      stop?.();
      await reader.cancel().catch(() => undefined);
      throw new UserError(`"${name}" is larger than ${megabytes(maxBytes)}; I stopped the download.`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}

/**
 * fetch() with the policy's time limit over the whole transfer; `read` consumes the response inside it.
 * A timeout becomes a UserError naming the file.
 */
export async function fetchWithin<T>(
  url: string,
  init: RequestInit,
  name: string,
  read: (res: Response, stop: () => void) => Promise<T>,
  policy = PICTURE_POLICY,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), policy.downloadTimeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: controller.signal });
    return await read(res, () => controller.abort());
  } catch (e) {
    if (controller.signal.aborted && !(e instanceof UserError))
      throw new UserError(`Downloading "${name}" took longer than ${policy.downloadTimeoutMs / 1000} s; please try again.`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export interface PictureHeader {
  format: string;
  /** as the picture is shown: after its EXIF rotation */
  width: number;
  height: number;
}

/** The picture's header (nothing decoded): its format and upright size; a bomb or a non-picture is refused clearly. */
export async function readPictureHeader(name: string, data: Buffer, policy = PICTURE_POLICY): Promise<PictureHeader> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new UserError(`"${name}" is not a picture I can read (the file is damaged or not an image).`);
  }
  if (!meta.format || !['png', 'jpeg', 'webp', 'gif'].includes(meta.format))
    throw new UserError(`"${name}" is not a ${PICTURE_KINDS} picture${meta.format ? ` (it is ${meta.format})` : ''}.`);
  const frameHeight = meta.pageHeight ?? meta.height ?? 0;
  if (!meta.width || !frameHeight) throw new UserError(`"${name}" is not a picture I can read (no size in its header).`);
  if (meta.width * frameHeight > policy.maxPixels)
    throw new UserError(`"${name}" claims ${meta.width}×${frameHeight} pixels; the limit is ${megapixels(policy.maxPixels)}.`);
  // EXIF orientations 5–8 turn the picture a quarter: the size people see is the other way round
  const turned = (meta.orientation ?? 1) >= 5;
  return { format: meta.format, width: turned ? frameHeight : meta.width, height: turned ? meta.width : frameHeight };
}

export interface FittedFile {
  file: OutgoingFile;
  /** what was done to make it fit, for the message text; undefined when it fitted as it was */
  note?: string;
}

/**
 * A picture that fits an upload limit: as it is when it fits, else re-encoded as JPEG (quality 92, then 85),
 * else scaled down until it fits. Not pictures, and files that fit, are returned unchanged.
 */
async function fitForUpload(file: OutgoingFile, maxBytes: number): Promise<FittedFile> {
  if (file.data.byteLength <= maxBytes || !file.contentType.startsWith('image/')) return { file };
  const meta = await sharp(file.data).metadata();
  const width = meta.width ?? 1;
  const name = file.name.replace(/\.\w+$/, '.jpg');
  const fitted = (data: Buffer, how: string): FittedFile => ({
    file: { ...file, name, data, contentType: 'image/jpeg' },
    note: `${file.name} was ${megabytes(file.data.byteLength)}, over this platform's ${megabytes(maxBytes)} upload limit: ${how}.`,
  });
  for (const quality of [92, 85]) {
    const data = await sharp(file.data).flatten({ background: '#fff' }).jpeg({ quality, mozjpeg: true }).toBuffer();
    if (data.byteLength <= maxBytes) return fitted(data, `sent as a JPEG (quality ${quality}) at full size`);
  }
  let scale = Math.sqrt(maxBytes / file.data.byteLength);
  for (let attempt = 0; attempt < 8; attempt++, scale *= 0.8) {
    const w = Math.max(16, Math.floor(width * Math.min(scale, 0.95)));
    const data = await sharp(file.data)
      .flatten({ background: '#fff' })
      .resize({ width: w })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer();
    if (data.byteLength <= maxBytes) return fitted(data, `sent as a JPEG scaled down to ${w} px wide (from ${width})`);
  }
  throw new UserError(`${file.name} cannot be made small enough for this platform's ${megabytes(maxBytes)} upload limit.`);
}

/** Every file of a message fitted to the limit; the notes say what changed. */
export async function fitFilesForUpload(files: OutgoingFile[], maxBytes: number): Promise<{ files: OutgoingFile[]; notes: string[] }> {
  const out = await Promise.all(files.map((f) => fitForUpload(f, maxBytes)));
  return { files: out.map((o) => o.file), notes: out.flatMap((o) => (o.note ? [o.note] : [])) };
}

// Discord attachments → platform-neutral Attachment objects whose download() only ever talks to Discord's CDN,
// refuses what is not a picture or too large before any byte is fetched, and stops a body that grows past the limit.
import type { Attachment as DiscordAttachment } from 'discord.js';
import sharp from 'sharp';
import { UserError, type Attachment } from '../../core/platform.js';

export interface AttachmentPolicy {
  /**
   * Where pictures may be downloaded from. A bare host name ("cdn.discordapp.com") means https on that host;
   * an origin ("http://127.0.0.1:8080") is matched exactly (tests serve a CDN on loopback).
   */
  cdnHosts: string[];
  /** declared and actual width × height above this is refused (decompression bombs) */
  maxPixels: number;
  /** content types accepted (lower case) */
  contentTypes: string[];
  /** a hard cap on any download, whatever the command asks for */
  maxBytes: number;
  /** a stalled CDN must not hold a job forever */
  timeoutMs: number;
}

export const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];

export const defaultAttachmentPolicy: AttachmentPolicy = {
  cdnHosts: DISCORD_CDN_HOSTS,
  maxPixels: 40_000_000,
  contentTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
  maxBytes: 25 * 1024 * 1024,
  timeoutMs: 30_000,
};

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function isAllowedCdnUrl(rawUrl: string, hosts: string[]): boolean {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  return hosts.some((entry) =>
    entry.includes('://') ? url.origin === new URL(entry).origin : url.protocol === 'https:' && url.host === entry,
  );
}

function checkDeclared(a: Attachment, policy: AttachmentPolicy, maxBytes: number): void {
  if (!isAllowedCdnUrl(a.url, policy.cdnHosts)) {
    throw new UserError(`"${a.name}" is not hosted on Discord's CDN, so I won't fetch it. Upload the picture to Discord.`);
  }
  const type = (a.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!policy.contentTypes.includes(type)) {
    throw new UserError(
      `"${a.name}" is ${type ? `a ${type} file` : 'not a recognised file type'}; I need a picture (PNG, JPEG, WebP or GIF).`,
    );
  }
  if (a.size > maxBytes) {
    throw new UserError(`"${a.name}" is ${megabytes(a.size)}; the limit is ${megabytes(maxBytes)}.`);
  }
  if (a.width && a.height && a.width * a.height > policy.maxPixels) {
    throw new UserError(
      `"${a.name}" is ${a.width}×${a.height} pixels; the limit is ${(policy.maxPixels / 1e6).toFixed(0)} megapixels.`,
    );
  }
}

async function readLimited(body: ReadableStream<Uint8Array>, limit: number, abort: () => void, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      abort();
      await reader.cancel().catch(() => undefined);
      throw new UserError(`"${name}" is larger than ${megabytes(limit)}; I stopped the download.`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}

async function checkPixels(data: Buffer, name: string, maxPixels: number): Promise<void> {
  let meta: sharp.Metadata;
  try {
    // reads the header only; nothing is decoded
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new UserError(`"${name}" is not a picture I can read (the file is damaged or not an image).`);
  }
  const pixels = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0);
  if (!meta.width || !meta.height) {
    throw new UserError(`"${name}" is not a picture I can read (no size in its header).`);
  }
  if (pixels > maxPixels) {
    throw new UserError(
      `"${name}" claims ${meta.width}×${meta.height} pixels; the limit is ${(maxPixels / 1e6).toFixed(0)} megapixels.`,
    );
  }
}

export async function downloadAttachment(a: Attachment, requested: number, policy: AttachmentPolicy): Promise<Buffer> {
  const limit = Math.min(requested, policy.maxBytes);
  checkDeclared(a, policy, limit);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
  try {
    // redirects could leave the CDN: refuse them rather than follow
    const res = await fetch(a.url, { signal: controller.signal, redirect: 'error' }).catch((err: Error) => {
      throw new UserError(`I couldn't download "${a.name}" from Discord (${controller.signal.aborted ? 'timed out' : err.message}).`);
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new UserError(`I couldn't download "${a.name}" from Discord (HTTP ${res.status}).`);
    }
    const declaredLength = Number(res.headers.get('content-length') ?? NaN);
    if (declaredLength > limit) {
      controller.abort();
      throw new UserError(`"${a.name}" is ${megabytes(declaredLength)}; the limit is ${megabytes(limit)}.`);
    }
    const data = await readLimited(res.body, limit, () => controller.abort(), a.name);
    await checkPixels(data, a.name, policy.maxPixels);
    return data;
  } finally {
    clearTimeout(timer);
  }
}

export function fromDiscordAttachment(d: DiscordAttachment, policy: AttachmentPolicy): Attachment {
  const attachment: Attachment = {
    name: d.name,
    contentType: d.contentType ?? undefined,
    size: d.size,
    url: d.url,
    width: d.width ?? undefined,
    height: d.height ?? undefined,
    download: (maxBytes: number) => downloadAttachment(attachment, maxBytes, policy),
  };
  return attachment;
}

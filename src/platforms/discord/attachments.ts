// Discord attachments → platform-neutral Attachment objects whose download() only ever talks to Discord's CDN,
// refuses what is not a picture or too large before any byte is fetched, and stops a body that grows past the limit.
import type { Attachment as DiscordAttachment } from 'discord.js';
import { UserError, type Attachment } from '../../core/platform.js';
import { PICTURE_POLICY, checkDeclaredPixels, fetchWithin, megabytes, readCapped, readPictureHeader } from '../../core/pictures.js';

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

/** the shared picture policy (src/core/pictures.ts) on Discord's CDN hosts */
export const defaultAttachmentPolicy: AttachmentPolicy = {
  cdnHosts: DISCORD_CDN_HOSTS,
  maxPixels: PICTURE_POLICY.maxPixels,
  contentTypes: PICTURE_POLICY.contentTypes,
  maxBytes: PICTURE_POLICY.maxDownloadBytes,
  timeoutMs: PICTURE_POLICY.downloadTimeoutMs,
};

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
  checkDeclaredPixels(a.name, a.width, a.height, { ...PICTURE_POLICY, maxPixels: policy.maxPixels });
}

export async function downloadAttachment(a: Attachment, requested: number, policy: AttachmentPolicy): Promise<Buffer> {
  const limit = Math.min(requested, policy.maxBytes);
  checkDeclared(a, policy, limit);
  const shared = { ...PICTURE_POLICY, maxPixels: policy.maxPixels, downloadTimeoutMs: policy.timeoutMs };
  // redirects could leave the CDN: refuse them rather than follow
  const data = await fetchWithin(
    a.url,
    { redirect: 'error' },
    a.name,
    async (res, stop) => {
      if (!res.ok || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        throw new UserError(`I couldn't download "${a.name}" from Discord (HTTP ${res.status}).`);
      }
      const declaredLength = Number(res.headers.get('content-length') ?? NaN);
      if (declaredLength > limit) {
        stop();
        throw new UserError(`"${a.name}" is ${megabytes(declaredLength)}; the limit is ${megabytes(limit)}.`);
      }
      return readCapped(res.body, limit, a.name, stop);
    },
    shared,
  ).catch((err: unknown) => {
    if (err instanceof UserError) throw err;
    throw new UserError(`I couldn't download "${a.name}" from Discord (${err instanceof Error ? err.message : String(err)}).`);
  });
  await readPictureHeader(a.name, data, shared);
  return data;
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

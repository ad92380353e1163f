// Files both ways: a Slack file object → an Attachment whose download is checked (host, type, size) before any
// byte is fetched, and OutgoingFiles → files.uploadV2 (getUploadURLExternal, POST, completeUploadExternal).
import type { WebClient } from '@slack/web-api';
import { UserError, type Attachment, type OutgoingFile } from '../../core/platform.js';
import { PICTURE_POLICY, checkDeclaredPixels, fetchWithin, megabytes, readCapped, readPictureHeader } from '../../core/pictures.js';

/** The fields of a Slack file object the adapter reads (messages' `files`, file_input submissions, files.info). */
export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  original_w?: number;
  original_h?: number;
  /** "check_file_info": the object is partial and files.info has the rest (Slack Connect, some shares) */
  file_access?: string;
}

/** Picture types the engine decodes (sharp): the shared policy's. */
const IMAGE_MIME_TYPES = PICTURE_POLICY.contentTypes;

export interface FileAccess {
  botToken: string;
  /**
   * Where user files may be fetched from: bare host names are matched over https ("files.slack.com");
   * full origins ("http://127.0.0.1:8123") are matched exactly (tests on loopback).
   */
  fileHosts: string[];
  /** the download time limit; default the shared policy's (src/core/pictures.ts) */
  timeoutMs?: number;
}

export const DEFAULT_FILE_HOSTS = ['files.slack.com'];

export function isImageFile(file: SlackFile): boolean {
  return IMAGE_MIME_TYPES.includes((file.mimetype ?? '').toLowerCase());
}

function fileLabel(file: SlackFile): string {
  return file.name || file.title || 'The file';
}

export function isAllowedHost(url: string, fileHosts: string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return fileHosts.some((h) =>
    h.includes('://') ? new URL(h).origin === parsed.origin : parsed.protocol === 'https:' && parsed.host === h,
  );
}

/** An Attachment for a Slack file; nothing is downloaded until download() passes every check. */
export function slackAttachment(file: SlackFile, access: FileAccess): Attachment {
  const label = fileLabel(file);
  const url = file.url_private_download || file.url_private || '';
  return {
    name: label,
    contentType: file.mimetype,
    size: file.size ?? 0,
    url,
    width: file.original_w,
    height: file.original_h,
    async download(maxBytes: number): Promise<Buffer> {
      if (!url) throw new UserError(`"${label}" has no download link that the app can read.`);
      if (!isAllowedHost(url, access.fileHosts)) {
        throw new UserError(`"${label}" is not stored on Slack's file servers, so DomainShift will not fetch it.`);
      }
      if (!isImageFile(file)) {
        const kind = file.mimetype ? `a ${file.mimetype} file` : 'a file of unknown type';
        throw new UserError(`"${label}" is ${kind}, not a picture: please use a PNG, JPEG, WebP or GIF.`);
      }
      const limit = Math.min(maxBytes, PICTURE_POLICY.maxDownloadBytes);
      if ((file.size ?? 0) > limit) {
        throw new UserError(`"${label}" is ${megabytes(file.size ?? 0)}; the limit is ${megabytes(limit)}. Please send a smaller picture.`);
      }
      checkDeclaredPixels(label, file.original_w, file.original_h);
      // Slack serves private files to the bot token; a redirect means it was refused (sent to a login page).
      const init: RequestInit = { headers: { Authorization: `Bearer ${access.botToken}` }, redirect: 'manual' };
      const policy = { ...PICTURE_POLICY, downloadTimeoutMs: access.timeoutMs ?? PICTURE_POLICY.downloadTimeoutMs };
      const data = await fetchWithin(
        url,
        init,
        label,
        async (res, stop) => {
          const type = res.headers.get('content-type') ?? '';
          if (res.status !== 200 || type.startsWith('text/html')) {
            await res.body?.cancel();
            throw new UserError(`Slack refused to hand over "${label}" (HTTP ${res.status}). The app needs the files:read scope.`);
          }
          return readCapped(res.body, limit, label, stop);
        },
        policy,
      ).catch((err: unknown) => {
        if (err instanceof UserError) throw err;
        throw new UserError(`Slack did not answer when fetching "${label}": please try again in a moment.`);
      });
      await readPictureHeader(label, data);
      return data;
    },
  };
}

/** Completes a partial file object with files.info (Slack sends some files with file_access "check_file_info"). */
export async function completeFile(client: WebClient, file: SlackFile): Promise<SlackFile> {
  if (file.file_access !== 'check_file_info' || !file.id) return file;
  const info = await client.files.info({ file: file.id });
  return (info.file as SlackFile | undefined) ?? file;
}

export interface UploadedFile {
  id: string;
  name: string;
  contentType: string;
  description?: string;
}

/** Uploads files into a channel (and thread) with files.uploadV2; Slack shows them as one message. */
export async function uploadFiles(
  client: WebClient,
  channel: string,
  threadTs: string | undefined,
  files: OutgoingFile[],
): Promise<UploadedFile[]> {
  if (files.length === 0) return [];
  const res = (await client.filesUploadV2({
    channel_id: channel,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    file_uploads: files.map((f) => ({
      file: f.data,
      filename: f.name,
      ...(f.description ? { alt_text: f.description.slice(0, 1000) } : {}),
    })),
  } as Parameters<WebClient['filesUploadV2']>[0])) as { files?: Array<{ files?: Array<{ id?: string }> }> };
  // one completeUploadExternal answer per destination, each listing its files in upload order
  const ids = (res.files ?? []).flatMap((c) => c.files ?? []).map((f) => f.id);
  return files.flatMap((f, i) =>
    ids[i] ? [{ id: ids[i] as string, name: f.name, contentType: f.contentType, description: f.description }] : [],
  );
}

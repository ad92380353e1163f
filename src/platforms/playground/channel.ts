// The playground's one channel, held in memory (and in an archive file when there is one): its messages, the
// files they carry, and the browsers listening by server-sent events. Private messages go only to the streams
// of the user they are for.
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ButtonSpec } from '../../core/platform.js';
import type { ChannelArchive } from './archive.js';

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  data: Buffer;
  width?: number;
  height?: number;
}

/** A file as the page sees it: where to fetch it, never the bytes. */
export interface FileView {
  id: string;
  name: string;
  contentType: string;
  url: string;
  size: number;
  width?: number;
  height?: number;
  description?: string;
}

export interface Author {
  id: string;
  name: string;
  bot: boolean;
}

export interface ChannelMessage {
  id: string;
  author: Author;
  text: string;
  files: FileView[];
  buttons: ButtonSpec[][];
  /** set: only this user sees the message */
  visibleTo?: string;
  /** a placeholder while a command runs ("thinking…") */
  pending?: boolean;
  /** shown in the side panel (gallery, leaderboard) instead of the channel */
  panel?: boolean;
  createdAt: number;
  editedAt?: number;
}

export type ChannelEvent =
  | { type: 'message'; message: ChannelMessage }
  | { type: 'delete'; id: string }
  | { type: 'modal'; modal: unknown }
  | { type: 'panel'; message: ChannelMessage }
  /** the server's saved domains changed: a side panel showing them is out of date */
  | { type: 'stale' };

interface Listener {
  userId: string;
  res: ServerResponse;
}

function newId(): string {
  return randomBytes(8).toString('base64url');
}

export interface ChannelLimits {
  maxMessages: number;
  maxFileBytes: number;
}

/** how many evicted messages are remembered, so that a late edit (a job's result) can bring one back */
const EVICTED_MEMORY = 5000;

export class Channel {
  private readonly messages = new Map<string, ChannelMessage>();
  /** messages pushed out by newer ones; an edit brings one back at the end, a delete forgets it */
  private readonly evicted = new Map<string, ChannelMessage>();
  private readonly files = new Map<string, StoredFile>();
  private filesBytes = 0;
  private readonly listeners = new Set<Listener>();
  private readonly limits: ChannelLimits;

  constructor(
    limits: Partial<ChannelLimits> = {},
    private readonly archive?: ChannelArchive,
  ) {
    this.limits = { maxMessages: 500, maxFileBytes: 512 * 1024 * 1024, ...limits };
    if (!archive) return;
    for (const f of archive.files()) {
      this.files.set(f.id, f);
      this.filesBytes += f.data.length;
    }
    // a "thinking…" placeholder of the last run will never be answered
    for (const m of archive.messages()) {
      if (m.pending) archive.deleteMessage(m.id);
      else this.messages.set(m.id, m);
    }
    this.evictMessages();
    this.evictFiles();
  }

  addFile(file: Omit<StoredFile, 'id'>): StoredFile {
    const stored = { ...file, id: newId() };
    this.files.set(stored.id, stored);
    this.filesBytes += stored.data.length;
    this.archive?.putFile(stored);
    this.evictFiles();
    return stored;
  }

  /** oldest files go first when the playground has held too much; their messages keep a broken link */
  private evictFiles(): void {
    const newest = [...this.files.keys()].pop();
    for (const [id, f] of this.files) {
      if (this.filesBytes <= this.limits.maxFileBytes || id === newest) break;
      this.files.delete(id);
      this.filesBytes -= f.data.length;
      this.archive?.deleteFile(id);
    }
  }

  private evictMessages(): void {
    while (this.messages.size > this.limits.maxMessages) {
      const oldest = this.messages.values().next().value as ChannelMessage;
      this.messages.delete(oldest.id);
      this.archive?.deleteMessage(oldest.id);
      this.evicted.set(oldest.id, oldest);
      if (this.evicted.size > EVICTED_MEMORY) this.evicted.delete(this.evicted.keys().next().value as string);
    }
  }

  file(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  viewOf(file: StoredFile, description?: string): FileView {
    return {
      id: file.id,
      name: file.name,
      contentType: file.contentType,
      url: `/files/${file.id}/${encodeURIComponent(file.name)}`,
      size: file.data.length,
      width: file.width,
      height: file.height,
      description,
    };
  }

  message(id: string): ChannelMessage | undefined {
    return this.messages.get(id);
  }

  /** messages this user may see, oldest first */
  history(userId: string): ChannelMessage[] {
    return [...this.messages.values()].filter((m) => !m.visibleTo || m.visibleTo === userId);
  }

  post(msg: Omit<ChannelMessage, 'id' | 'createdAt'>): ChannelMessage {
    const message: ChannelMessage = { ...msg, id: newId(), createdAt: Date.now() };
    this.messages.set(message.id, message);
    this.archive?.putMessage(message, true);
    this.evictMessages();
    this.broadcast({ type: 'message', message }, message.visibleTo);
    return message;
  }

  /**
   * An edit. A message the channel evicted for room comes back as the newest, so that a job's result always
   * reaches the page even when hundreds of messages were posted while it ran; a deleted one stays gone.
   */
  replace(id: string, changes: Partial<Omit<ChannelMessage, 'id' | 'createdAt' | 'author'>>): ChannelMessage | undefined {
    const old = this.messages.get(id) ?? this.evicted.get(id);
    if (!old) return undefined;
    const revived = !this.messages.has(id);
    const message: ChannelMessage = { ...old, ...changes, id, editedAt: Date.now() };
    this.evicted.delete(id);
    this.messages.set(id, message);
    this.archive?.putMessage(message, revived);
    if (revived) this.evictMessages();
    this.broadcast({ type: 'message', message }, message.visibleTo);
    return message;
  }

  remove(id: string): void {
    this.evicted.delete(id);
    const old = this.messages.get(id);
    if (!old) return;
    this.messages.delete(id);
    this.archive?.deleteMessage(id);
    this.broadcast({ type: 'delete', id }, old.visibleTo);
  }

  /** an event for every open page */
  sendAll(event: ChannelEvent): void {
    this.broadcast(event);
  }

  /** an event for one user only (modals, side-panel answers) */
  sendTo(userId: string, event: ChannelEvent): void {
    this.broadcast(event, userId);
  }

  listen(userId: string, res: ServerResponse): () => void {
    const listener = { userId, res };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  closeAll(): void {
    for (const l of this.listeners) l.res.end();
    this.listeners.clear();
  }

  /** after the last write: the archive file is closed */
  closeArchive(): void {
    this.archive?.close();
  }

  private broadcast(event: ChannelEvent, onlyUser?: string): void {
    const frame = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const l of this.listeners) {
      if (onlyUser && l.userId !== onlyUser) continue;
      l.res.write(frame);
    }
  }
}

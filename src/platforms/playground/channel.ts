// The playground's one channel, held in memory: its messages, the files they carry, and the browsers
// listening by server-sent events. Private messages go only to the streams of the user they are for.
import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ButtonSpec } from '../../core/platform.js';

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
  | { type: 'panel'; message: ChannelMessage };

interface Listener {
  userId: string;
  res: ServerResponse;
}

export function newId(): string {
  return randomBytes(8).toString('base64url');
}

export class Channel {
  private readonly messages = new Map<string, ChannelMessage>();
  private readonly files = new Map<string, StoredFile>();
  private filesBytes = 0;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly limits: { maxMessages: number; maxFileBytes: number } = { maxMessages: 500, maxFileBytes: 512 * 1024 * 1024 },
  ) {}

  addFile(file: Omit<StoredFile, 'id'>): StoredFile {
    const stored = { ...file, id: newId() };
    this.files.set(stored.id, stored);
    this.filesBytes += stored.data.length;
    // oldest files go first when the playground has held too much; their messages keep a broken link
    for (const [id, f] of this.files) {
      if (this.filesBytes <= this.limits.maxFileBytes || id === stored.id) break;
      this.files.delete(id);
      this.filesBytes -= f.data.length;
    }
    return stored;
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
    while (this.messages.size > this.limits.maxMessages) {
      const oldest = this.messages.keys().next().value as string;
      this.messages.delete(oldest);
    }
    this.broadcast({ type: 'message', message }, message.visibleTo);
    return message;
  }

  replace(id: string, changes: Partial<Omit<ChannelMessage, 'id' | 'createdAt' | 'author'>>): ChannelMessage | undefined {
    const old = this.messages.get(id);
    if (!old) return undefined;
    const message: ChannelMessage = { ...old, ...changes, id, editedAt: Date.now() };
    this.messages.set(id, message);
    this.broadcast({ type: 'message', message }, message.visibleTo);
    return message;
  }

  remove(id: string): void {
    const old = this.messages.get(id);
    if (!old) return;
    this.messages.delete(id);
    this.broadcast({ type: 'delete', id }, old.visibleTo);
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

  private broadcast(event: ChannelEvent, onlyUser?: string): void {
    const frame = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const l of this.listeners) {
      if (onlyUser && l.userId !== onlyUser) continue;
      l.res.write(frame);
    }
  }
}

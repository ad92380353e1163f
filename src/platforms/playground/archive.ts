// The playground channel on disk (PLAYGROUND_ARCHIVE): its messages and files in one SQLite file, so that a
// restart shows the same channel. Written through on every change; bounded by the channel's own limits
// (the channel deletes what it evicts here too).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'libsql';
import type { ChannelMessage, StoredFile } from './channel.js';

type Db = InstanceType<typeof Database>;

export class ChannelArchive {
  private readonly db: Db;
  private seq = 0;

  constructor(file: string) {
    const path = resolve(file);
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: 2000 });
    this.db.pragma('journal_mode = WAL');
    // a chat log: losing the last edit to a power cut is acceptable, an fsync per progress edit is not
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, meta TEXT NOT NULL, data BLOB NOT NULL);`);
    const row = this.db
      .prepare('SELECT max(m) AS s FROM (SELECT max(seq) AS m FROM messages UNION ALL SELECT max(seq) FROM files)')
      .get() as {
      s: number | null;
    };
    this.seq = row.s ?? 0;
  }

  /** messages, oldest first (a message kept its place in the order when it was edited) */
  messages(): ChannelMessage[] {
    const rows = this.db.prepare('SELECT json FROM messages ORDER BY seq').all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as ChannelMessage);
  }

  files(): StoredFile[] {
    const rows = this.db.prepare('SELECT id, meta, data FROM files ORDER BY seq').all() as { id: string; meta: string; data: Uint8Array }[];
    return rows.map((r) => ({ ...(JSON.parse(r.meta) as Omit<StoredFile, 'id' | 'data'>), id: r.id, data: Buffer.from(r.data) }));
  }

  /** a new message goes to the end; an edit keeps its place */
  putMessage(m: ChannelMessage, isNew: boolean): void {
    if (isNew) this.db.prepare('INSERT OR REPLACE INTO messages (id, seq, json) VALUES (?, ?, ?)').run(m.id, ++this.seq, JSON.stringify(m));
    else this.db.prepare('UPDATE messages SET json = ? WHERE id = ?').run(JSON.stringify(m), m.id);
  }

  deleteMessage(id: string): void {
    this.db.prepare('DELETE FROM messages WHERE id = ?').run(id);
  }

  putFile(f: StoredFile): void {
    const { id, data, ...meta } = f;
    this.db
      .prepare('INSERT OR REPLACE INTO files (id, seq, meta, data) VALUES (?, ?, ?, ?)')
      .run(id, ++this.seq, JSON.stringify(meta), data);
  }

  deleteFile(id: string): void {
    this.db.prepare('DELETE FROM files WHERE id = ?').run(id);
  }

  close(): void {
    this.db.close();
  }
}

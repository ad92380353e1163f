// The embedded default: one SQLite file (libsql, whose prebuilt binary comes from the npm registry) owned by one
// process. WAL journal with synchronous=FULL, so an acknowledged write survives a crash or power cut; exclusive
// locking mode, so a second process on the same file is refused at start instead of losing writes; the file is
// checked at start, so a corrupt or foreign file stops the start instead of being served as empty.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'libsql';
import Keyv, { type KeyvStoreAdapter, type StoredData } from 'keyv';
import { type MoveOutcome, type StoreBackend, StoreOpenError } from './store-backend.js';

type Db = InstanceType<typeof Database>;

function sqliteCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
}

function openDatabase(file: string): Db {
  let db: Db | undefined;
  try {
    db = new Database(file, { timeout: 2000 });
    db.pragma('locking_mode = EXCLUSIVE'); // before the first access: held until close, no shared-memory index
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const check = (db.pragma('quick_check') as Record<string, unknown>[]).map((row) => Object.values(row)[0]).join('; ');
    if (check !== 'ok') throw Object.assign(new Error(check), { code: 'SQLITE_CORRUPT' });
    db.exec(`BEGIN EXCLUSIVE;
      CREATE TABLE IF NOT EXISTS keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS hashes (key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, field));
      COMMIT;`);
    return db;
  } catch (e) {
    db?.close();
    const code = sqliteCode(e);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
      throw new StoreOpenError(
        `The store file ${file} is in use by another process (is DomainShift already running?). ` +
          'One process owns a SQLite store; to run several, point them all at STORE_URL=redis://….',
        { cause: e },
      );
    if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
      throw new StoreOpenError(
        `The store file ${file} is not a readable SQLite database (corrupt, truncated or another kind of file). ` +
          'Restore it from a backup, or move it away to start with an empty store.',
        { cause: e },
      );
    throw new StoreOpenError(`Could not open the store file ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** keyv's view of the `keyv` table; keyv hands it keys that already carry the namespace. */
class SqliteKeyvAdapter extends EventEmitter implements KeyvStoreAdapter {
  opts = {};
  namespace?: string;
  constructor(private readonly db: Db) {
    super();
  }
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const row = this.db.prepare('SELECT value FROM keyv WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value as StoredData<Value> | undefined;
  }
  async set(key: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
  async delete(key: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM keyv WHERE key = ?').run(key).changes > 0;
  }
  async clear(): Promise<void> {
    this.db.prepare("DELETE FROM keyv WHERE key LIKE ? ESCAPE '\\'").run(`${(this.namespace ?? '').replace(/[\\%_]/g, '\\$&')}:%`);
  }
}

export class SqliteBackend implements StoreBackend {
  private constructor(
    private readonly db: Db,
    readonly where: string,
  ) {}

  static open(file: string): SqliteBackend {
    const path = resolve(file);
    mkdirSync(dirname(path), { recursive: true });
    return new SqliteBackend(openDatabase(path), path);
  }

  keyv(namespace: string): Keyv {
    return new Keyv({ store: new SqliteKeyvAdapter(this.db), namespace, throwOnErrors: true });
  }
  async hashGetAll(key: string) {
    const rows = this.db.prepare('SELECT field, value FROM hashes WHERE key = ? ORDER BY field').all(key) as {
      field: string;
      value: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.field, r.value]));
  }
  async hashGet(key: string, field: string) {
    const row = this.db.prepare('SELECT value FROM hashes WHERE key = ? AND field = ?').get(key, field) as { value: string } | undefined;
    return row?.value;
  }
  async hashSet(key: string, fields: Record<string, string>) {
    const put = this.db.prepare(
      'INSERT INTO hashes (key, field, value) VALUES (?, ?, ?) ON CONFLICT(key, field) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      for (const [f, v] of Object.entries(fields)) put.run(key, f, v);
    })();
  }
  async hashSetIfAbsent(key: string, field: string, value: string) {
    return this.db.prepare('INSERT OR IGNORE INTO hashes (key, field, value) VALUES (?, ?, ?)').run(key, field, value).changes > 0;
  }
  async hashDelete(key: string, field: string) {
    return this.db.prepare('DELETE FROM hashes WHERE key = ? AND field = ?').run(key, field).changes > 0;
  }
  async hashToggle(key: string, field: string, value: string) {
    this.db.transaction(() => {
      if ((this.db.prepare('DELETE FROM hashes WHERE key = ? AND field = ? AND value = ?').run(key, field, value).changes ?? 0) === 0)
        this.db
          .prepare('INSERT INTO hashes (key, field, value) VALUES (?, ?, ?) ON CONFLICT(key, field) DO UPDATE SET value = excluded.value')
          .run(key, field, value);
    })();
    return this.hashGetAll(key);
  }
  async hashMove(key: string, from: string, to: string, value: string): Promise<MoveOutcome> {
    return this.db.transaction((): MoveOutcome => {
      if (this.db.prepare('SELECT 1 FROM hashes WHERE key = ? AND field = ?').get(key, to)) return 'exists';
      if (this.db.prepare('DELETE FROM hashes WHERE key = ? AND field = ?').run(key, from).changes === 0) return 'missing';
      this.db.prepare('INSERT INTO hashes (key, field, value) VALUES (?, ?, ?)').run(key, to, value);
      return 'moved';
    })();
  }
  async close() {
    if (!this.db.open) return;
    // libsql frees the connection (and its exclusive lock) only when garbage-collected, so hand the lock back
    // first: leaving WAL checkpoints the journal, and a read in normal locking mode drops the lock
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('locking_mode = NORMAL');
    this.db.prepare('SELECT 1 FROM keyv LIMIT 1').get();
    this.db.close();
  }
}

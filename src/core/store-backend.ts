// What the stores need from a backend: keyv collections for plain key → value data (caches, results), and hashes
// (key → field → string) whose every operation is atomic, so that votes, saved domains and settings stay right
// however many processes share the backend. Implemented by SQLite (one process), Redis (any number) and memory.
import Keyv from 'keyv';

/** Why the store cannot start; the message names the file and what to do. */
export class StoreOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
  }
}

export type MoveOutcome = 'moved' | 'missing' | 'exists';

export interface StoreBackend {
  /** where the data lives, for messages (credentials removed) */
  readonly where: string;
  /** a keyv collection; its errors are thrown, never swallowed */
  keyv(namespace: string): Keyv;
  hashGetAll(key: string): Promise<Record<string, string>>;
  hashGet(key: string, field: string): Promise<string | undefined>;
  /** sets all given fields in one step */
  hashSet(key: string, fields: Record<string, string>): Promise<void>;
  /** sets the field only if it is absent; false when it was already there */
  hashSetIfAbsent(key: string, field: string, value: string): Promise<boolean>;
  /** false when the field was not there */
  hashDelete(key: string, field: string): Promise<boolean>;
  /** sets the field to value, or removes it when it already holds value; returns the whole hash afterwards */
  hashToggle(key: string, field: string, value: string): Promise<Record<string, string>>;
  /** renames field `from` to `to` and gives it `value`, unless `from` is missing or `to` exists */
  hashMove(key: string, from: string, to: string, value: string): Promise<MoveOutcome>;
  close(): Promise<void>;
}

/** Process-local backend (memory://): for tests and throwaway runs; every operation is synchronous, so atomic. */
export class MemoryBackend implements StoreBackend {
  readonly where = 'memory';
  private readonly hashes = new Map<string, Map<string, string>>();
  private readonly shared = new Map<string, unknown>();

  keyv(namespace: string): Keyv {
    return new Keyv({ store: this.shared, namespace, throwOnErrors: true });
  }
  private hash(key: string): Map<string, string> {
    const h = this.hashes.get(key) ?? new Map<string, string>();
    this.hashes.set(key, h);
    return h;
  }
  async hashGetAll(key: string) {
    return Object.fromEntries(this.hash(key));
  }
  async hashGet(key: string, field: string) {
    return this.hash(key).get(field);
  }
  async hashSet(key: string, fields: Record<string, string>) {
    const h = this.hash(key);
    for (const [f, v] of Object.entries(fields)) h.set(f, v);
  }
  async hashSetIfAbsent(key: string, field: string, value: string) {
    const h = this.hash(key);
    if (h.has(field)) return false;
    h.set(field, value);
    return true;
  }
  async hashDelete(key: string, field: string) {
    return this.hash(key).delete(field);
  }
  async hashToggle(key: string, field: string, value: string) {
    const h = this.hash(key);
    if (h.get(field) === value) h.delete(field);
    else h.set(field, value);
    return Object.fromEntries(h);
  }
  async hashMove(key: string, from: string, to: string, value: string): Promise<MoveOutcome> {
    const h = this.hash(key);
    if (!h.has(from)) return 'missing';
    if (h.has(to)) return 'exists';
    h.delete(from);
    h.set(to, value);
    return 'moved';
  }
  async close() {}
}

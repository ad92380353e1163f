// Everything the bot remembers, on keyv: CLIP embeddings and domain vectors (cached by pack + sha256 of the
// input, so a repeated prompt or picture skips CLIP and the hypernet), results, saved domains, votes, settings.
// A domain vector is written once, under its id (content hash); prompt caches and results refer to it by id.
// One keyv per collection (its namespace); per-server data carries the server id in its key.
import Keyv from 'keyv';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './platform.js';
import { base64ToFloats, domainId, floatsToBase64 } from './encoding.js';
import { defaultSettings, type ServerSettings } from './settings-schema.js';

export interface ResultRecord {
  id: string;
  kind: 'adapt' | 'stylize' | 'edit' | 'blend';
  serverId: string;
  channelId: string;
  ownerId: string;
  pack: string;
  prompt: string;
  seeds: number[];
  strength: number;
  /** base64 float32; absent for the identity domain */
  domain?: string;
  domainId?: string;
  styleDelta?: string;
  /** base64 float32 W+ of an inverted photo (stylize), so that it can be edited later */
  ws?: string;
  nadaDomain?: string;
  /** the posted message holding the result, to delete it */
  messageId?: string;
  createdAt: number;
}

export interface SavedDomain {
  name: string;
  serverId: string;
  pack: string;
  domain: string; // base64 float32
  domainId: string;
  prompt: string;
  creatorId: string;
  creatorName: string;
  semanticScore?: number;
  diversity?: number;
  createdAt: number;
}

export interface VoteTally {
  up: number;
  down: number;
}

type StoreFactory = (namespace: string) => Promise<Keyv>;

async function adapterFactory(url: string): Promise<StoreFactory> {
  const scheme = url.split(':', 1)[0];
  if (scheme === 'sqlite') {
    const file = url.replace(/^sqlite:\/\//, '');
    if (file && file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    const { default: KeyvSqlite } = await import('@keyv/sqlite');
    // one connection per namespace: keyv 5 writes the namespace onto its store, so stores are not shared
    return async (namespace) => new Keyv({ store: new KeyvSqlite({ uri: url, busyTimeout: 10_000 }), namespace });
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    let mod: { default: new (url: string) => unknown };
    try {
      const name = '@keyv/redis'; // optional dependency: resolved at run time only
      mod = (await import(name)) as typeof mod;
    } catch {
      throw new Error(`storeUrl ${scheme}:// needs the @keyv/redis package, which is not installed (npm install @keyv/redis)`);
    }
    return async (namespace) => new Keyv({ store: new mod.default(url) as never, namespace });
  }
  if (scheme === 'memory') return async (namespace) => new Keyv({ namespace });
  throw new Error(`unsupported storeUrl scheme "${scheme}": use sqlite://FILE, redis://HOST or memory://`);
}

/** Serialises read-modify-write updates of one key inside this process (votes, lists, settings). */
class KeyLocks {
  private tails = new Map<string, Promise<unknown>>();
  async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class Stores {
  private locks = new KeyLocks();

  private constructor(
    private readonly embeddings: Keyv,
    private readonly domains: Keyv,
    private readonly results: Keyv,
    private readonly saved: Keyv,
    private readonly votes: Keyv,
    private readonly settings: Keyv,
  ) {}

  static async open(url = 'sqlite://data/domainshift.sqlite'): Promise<Stores> {
    const make = await adapterFactory(url);
    const names = ['embeddings', 'domains', 'results', 'saved', 'votes', 'settings'] as const;
    const kvs = await Promise.all(names.map((n) => make(n)));
    for (const kv of kvs) kv.on('error', (e: Error) => console.error(`[stores] ${e.message}`));
    return new Stores(kvs[0], kvs[1], kvs[2], kvs[3], kvs[4], kvs[5]);
  }

  // ---- caches: CLIP embeddings and domain vectors, by pack and sha256 of the input ----

  async getEmbedding(pack: string, key: string): Promise<Float32Array | undefined> {
    const v = await this.embeddings.get<string>(`${pack}:${key}`);
    return v === undefined ? undefined : base64ToFloats(v);
  }
  async setEmbedding(pack: string, key: string, v: Float32Array): Promise<void> {
    await this.embeddings.set(`${pack}:${key}`, floatsToBase64(v));
  }
  /** a cached vector: "@" and the id of the stored vector (base64 has no "@"; older entries hold the vector) */
  async getDomain(pack: string, key: string): Promise<Float32Array | undefined> {
    const v = await this.domains.get<string>(`${pack}:${key}`);
    if (v === undefined) return undefined;
    if (!v.startsWith('@')) return base64ToFloats(v);
    const stored = await this.domains.get<string>(vectorKey(pack, v.slice(1)));
    return stored === undefined ? undefined : base64ToFloats(stored);
  }
  async setDomain(pack: string, key: string, v: Float32Array): Promise<void> {
    const id = domainId(v);
    await this.putVector(pack, id, floatsToBase64(v));
    await this.domains.set(`${pack}:${key}`, `@${id}`);
  }
  /** writes a vector under its id unless it is there already (ids are content hashes) */
  private async putVector(pack: string, id: string, base64: string): Promise<void> {
    const key = vectorKey(pack, id);
    if (!(await this.domains.has(key))) await this.domains.set(key, base64);
  }

  // ---- results: stored without their domain vector, which lives once under its id ----

  async putResult(r: ResultRecord): Promise<void> {
    const { domain, ...rest } = r;
    // by reference only where the id is the vector's own content hash (getResult looks it up by that id)
    const byId = domain !== undefined && r.domainId === domainId(base64ToFloats(domain));
    if (byId) await this.putVector(r.pack, r.domainId!, domain);
    const stored = byId ? rest : r;
    await this.results.set(`${r.serverId}:${r.id}`, stored);
    await this.results.set(`latest:${r.serverId}:${r.channelId}`, r.id);
  }
  async getResult(serverId: string, id: string): Promise<ResultRecord | undefined> {
    const r = await this.results.get<ResultRecord>(`${serverId}:${id}`);
    if (!r || r.domain !== undefined || !r.domainId) return r;
    const domain = await this.domains.get<string>(vectorKey(r.pack, r.domainId));
    return domain === undefined ? r : { ...r, domain };
  }
  async latestResult(serverId: string, channelId: string): Promise<ResultRecord | undefined> {
    const id = await this.results.get<string>(`latest:${serverId}:${channelId}`);
    return id ? this.getResult(serverId, id) : undefined;
  }
  async deleteResult(serverId: string, id: string): Promise<void> {
    const r = await this.getResult(serverId, id);
    await this.results.delete(`${serverId}:${id}`);
    if (r && (await this.results.get<string>(`latest:${serverId}:${r.channelId}`)) === id)
      await this.results.delete(`latest:${serverId}:${r.channelId}`);
  }

  // ---- saved domains: name → record, plus one index list per server (works on any keyv adapter) ----

  static normalizeName(name: string): string {
    const n = name.trim().toLowerCase().replace(/\s+/g, '-');
    if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(n))
      throw new UserError('A domain name is 1–32 letters, digits, "-" or "_" (e.g. `pixar-faces`).');
    return n;
  }

  async saveDomain(d: SavedDomain, opts: { replace?: boolean } = {}): Promise<SavedDomain> {
    const name = Stores.normalizeName(d.name);
    return this.locks.with(`saved:${d.serverId}`, async () => {
      const names = (await this.saved.get<string[]>(`index:${d.serverId}`)) ?? [];
      if (names.includes(name) && !opts.replace) throw new UserError(`A domain called \`${name}\` already exists on this server.`);
      const rec = { ...d, name };
      await this.saved.set(`${d.serverId}:${name}`, rec);
      if (!names.includes(name)) await this.saved.set(`index:${d.serverId}`, [...names, name]);
      return rec;
    });
  }
  async getSaved(serverId: string, name: string): Promise<SavedDomain | undefined> {
    let n: string;
    try {
      n = Stores.normalizeName(name);
    } catch {
      return undefined;
    }
    return this.saved.get<SavedDomain>(`${serverId}:${n}`);
  }
  async listSaved(serverId: string): Promise<SavedDomain[]> {
    const names = (await this.saved.get<string[]>(`index:${serverId}`)) ?? [];
    const recs = await Promise.all(names.map((n) => this.saved.get<SavedDomain>(`${serverId}:${n}`)));
    return recs.filter((r): r is SavedDomain => r !== undefined);
  }
  async renameSaved(serverId: string, from: string, to: string): Promise<SavedDomain> {
    const a = Stores.normalizeName(from);
    const b = Stores.normalizeName(to);
    return this.locks.with(`saved:${serverId}`, async () => {
      const rec = await this.saved.get<SavedDomain>(`${serverId}:${a}`);
      if (!rec) throw new UserError(`There is no saved domain called \`${a}\`.`);
      const names = (await this.saved.get<string[]>(`index:${serverId}`)) ?? [];
      if (names.includes(b)) throw new UserError(`A domain called \`${b}\` already exists on this server.`);
      const moved = { ...rec, name: b };
      await this.saved.set(`${serverId}:${b}`, moved);
      await this.saved.set(`index:${serverId}`, names.map((n) => (n === a ? b : n)));
      await this.saved.delete(`${serverId}:${a}`);
      return moved;
    });
  }
  async deleteSaved(serverId: string, name: string): Promise<boolean> {
    const n = Stores.normalizeName(name);
    return this.locks.with(`saved:${serverId}`, async () => {
      const names = (await this.saved.get<string[]>(`index:${serverId}`)) ?? [];
      if (!names.includes(n)) return false;
      await this.saved.set(`index:${serverId}`, names.filter((x) => x !== n));
      await this.saved.delete(`${serverId}:${n}`);
      return true;
    });
  }

  // ---- votes: one per user per domain (by domain id); a new vote replaces the old, the same vote again removes it ----

  async vote(serverId: string, domainKey: string, userId: string, value: 1 | -1): Promise<VoteTally & { mine: 1 | -1 | 0 }> {
    const key = `${serverId}:${domainKey}`;
    return this.locks.with(`votes:${key}`, async () => {
      const all = (await this.votes.get<Record<string, 1 | -1>>(key)) ?? {};
      let mine: 1 | -1 | 0 = value;
      if (all[userId] === value) {
        delete all[userId];
        mine = 0;
      } else all[userId] = value;
      await this.votes.set(key, all);
      return { ...tally(all), mine };
    });
  }
  async tally(serverId: string, domainKey: string): Promise<VoteTally> {
    return tally((await this.votes.get<Record<string, 1 | -1>>(`${serverId}:${domainKey}`)) ?? {});
  }

  // ---- settings ----

  async getSettings(serverId: string): Promise<ServerSettings> {
    const s = await this.settings.get<Partial<ServerSettings>>(serverId);
    return { ...defaultSettings(), ...(s ?? {}) };
  }
  async updateSettings(serverId: string, patch: Partial<ServerSettings>): Promise<ServerSettings> {
    return this.locks.with(`settings:${serverId}`, async () => {
      const next = { ...(await this.getSettings(serverId)), ...patch };
      await this.settings.set(serverId, next);
      return next;
    });
  }

  async close(): Promise<void> {
    for (const kv of [this.embeddings, this.domains, this.results, this.saved, this.votes, this.settings]) await kv.disconnect();
  }
}

function vectorKey(pack: string, id: string): string {
  return `${pack}:id:${id}`;
}

function tally(all: Record<string, 1 | -1>): VoteTally {
  let up = 0;
  let down = 0;
  for (const v of Object.values(all)) v === 1 ? up++ : down++;
  return { up, down };
}

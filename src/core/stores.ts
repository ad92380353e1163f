// Everything the bot remembers: CLIP embeddings and domain vectors (cached by pack + sha256 of the input, so a
// repeated prompt or picture skips CLIP and the hypernet) and results in keyv collections; saved domains, votes and
// settings in per-server hashes whose operations are atomic in the backend, so several processes sharing a Redis
// store agree. Every write is checked: a failed one reaches the user as "not saved, try again".
// A domain vector is written once, under its id (content hash); prompt caches and results refer to it by id.
import { EventEmitter } from 'node:events';
import type Keyv from 'keyv';
import { UserError } from './platform.js';
import { consoleLogger, type Logger } from './log.js';
import { MemoryBackend, type StoreBackend } from './store-backend.js';
import { SqliteBackend } from './store-sqlite.js';
import { RedisBackend } from './store-redis.js';
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
  /** base64 float32 z latents [n, latentDim] of samples made from no seed of their own (variations of a sample) */
  z?: string;
  /** one sample drawn large (the per-sample "larger" action) */
  large?: boolean;
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

/** A write that did not reach the store; the user is told it was not saved. */
export class StoreWriteError extends UserError {
  constructor() {
    super('Not saved: the store could not be written just now. Please try again.');
  }
}

export interface StoreOptions {
  log?: Logger;
}

async function openBackend(url: string, log: Logger): Promise<StoreBackend> {
  const scheme = url.split(':', 1)[0];
  if (scheme === 'sqlite') return SqliteBackend.open(url.replace(/^sqlite:\/\//, ''));
  if (scheme === 'redis' || scheme === 'rediss') return RedisBackend.open(url, log);
  if (scheme === 'memory') return new MemoryBackend();
  throw new Error(`unsupported storeUrl scheme "${scheme}": use sqlite://FILE, redis://HOST or memory://`);
}

const savedKey = (serverId: string) => `saved:${serverId}`;
const votesKey = (serverId: string, domainKey: string) => `votes:${serverId}:${domainKey}`;
const settingsKey = (serverId: string) => `settings:${serverId}`;

export class Stores {
  /** 'saved' (serverId): a saved domain was added, renamed or deleted in this process */
  readonly changes = new EventEmitter();
  private readonly embeddings: Keyv;
  private readonly domains: Keyv;
  private readonly results: Keyv;

  private constructor(
    private readonly backend: StoreBackend,
    private readonly log: Logger,
  ) {
    this.embeddings = backend.keyv('embeddings');
    this.domains = backend.keyv('domains');
    this.results = backend.keyv('results');
  }

  /** Opens the store, or throws a StoreOpenError that names the file or server and says what to do. */
  static async open(url = 'sqlite://data/domainshift.sqlite', options: StoreOptions = {}): Promise<Stores> {
    const log = options.log ?? consoleLogger();
    return new Stores(await openBackend(url, log), log);
  }

  /** Runs a write; any failure other than a refusal meant for the user becomes StoreWriteError. */
  private async write<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof UserError) throw e;
      this.log.error(`store: ${what} was not written to ${this.backend.where}`, e);
      throw new StoreWriteError();
    }
  }

  /** Cache writes are best effort: a failure costs a recomputation later, so it is logged, not told. */
  private async cache(kv: Keyv, key: string, v: Float32Array): Promise<void> {
    try {
      await kv.set(key, floatsToBase64(v));
    } catch (e) {
      this.log.error(`store: cache entry ${key} was not written to ${this.backend.where}`, e);
    }
  }

  // ---- caches: CLIP embeddings and domain vectors, by pack and sha256 of the input ----

  async getEmbedding(pack: string, key: string): Promise<Float32Array | undefined> {
    const v = await this.embeddings.get<string>(`${pack}:${key}`);
    return v === undefined ? undefined : base64ToFloats(v);
  }
  async setEmbedding(pack: string, key: string, v: Float32Array): Promise<void> {
    await this.cache(this.embeddings, `${pack}:${key}`, v);
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
    try {
      await this.putVector(pack, id, floatsToBase64(v));
      await this.domains.set(`${pack}:${key}`, `@${id}`);
    } catch (e) {
      this.log.error(`store: cache entry ${key} was not written to ${this.backend.where}`, e);
    }
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
    await this.write('a result', async () => {
      if (byId) await this.putVector(r.pack, r.domainId!, domain);
      await this.results.set(`${r.serverId}:${r.id}`, byId ? rest : r);
      await this.results.set(`latest:${r.serverId}:${r.channelId}`, r.id);
    });
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
    await this.write('a result deletion', async () => {
      await this.results.delete(`${serverId}:${id}`);
      if (r && (await this.results.get<string>(`latest:${serverId}:${r.channelId}`)) === id)
        await this.results.delete(`latest:${serverId}:${r.channelId}`);
    });
  }

  // ---- saved domains: one hash per server, name → record ----

  static normalizeName(name: string): string {
    const n = name.trim().toLowerCase().replace(/\s+/g, '-');
    if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(n))
      throw new UserError('A domain name is 1–32 letters, digits, "-" or "_" (e.g. `pixar-faces`).');
    return n;
  }

  async saveDomain(d: SavedDomain, opts: { replace?: boolean } = {}): Promise<SavedDomain> {
    const name = Stores.normalizeName(d.name);
    const rec = { ...d, name };
    const saved = await this.write('a saved domain', async () => {
      const json = JSON.stringify(rec);
      if (opts.replace) await this.backend.hashSet(savedKey(d.serverId), { [name]: json });
      else if (!(await this.backend.hashSetIfAbsent(savedKey(d.serverId), name, json)))
        throw new UserError(`A domain called \`${name}\` already exists on this server.`);
      return rec;
    });
    this.changes.emit('saved', d.serverId);
    return saved;
  }
  async getSaved(serverId: string, name: string): Promise<SavedDomain | undefined> {
    let n: string;
    try {
      n = Stores.normalizeName(name);
    } catch {
      return undefined;
    }
    const json = await this.backend.hashGet(savedKey(serverId), n);
    return json === undefined ? undefined : (JSON.parse(json) as SavedDomain);
  }
  /** Saved domains of a server, by name. */
  async listSaved(serverId: string): Promise<SavedDomain[]> {
    const all = await this.backend.hashGetAll(savedKey(serverId));
    return Object.keys(all)
      .sort()
      .map((n) => JSON.parse(all[n]) as SavedDomain);
  }
  async renameSaved(serverId: string, from: string, to: string): Promise<SavedDomain> {
    const a = Stores.normalizeName(from);
    const b = Stores.normalizeName(to);
    const rec = await this.getSaved(serverId, a);
    if (!rec) throw new UserError(`There is no saved domain called \`${a}\`.`);
    const moved = { ...rec, name: b };
    const outcome = await this.write('a renamed domain', () => this.backend.hashMove(savedKey(serverId), a, b, JSON.stringify(moved)));
    if (outcome === 'missing') throw new UserError(`There is no saved domain called \`${a}\`.`);
    if (outcome === 'exists') throw new UserError(`A domain called \`${b}\` already exists on this server.`);
    this.changes.emit('saved', serverId);
    return moved;
  }
  async deleteSaved(serverId: string, name: string): Promise<boolean> {
    const n = Stores.normalizeName(name);
    const deleted = await this.write('a domain deletion', () => this.backend.hashDelete(savedKey(serverId), n));
    if (deleted) this.changes.emit('saved', serverId);
    return deleted;
  }

  // ---- votes: one per user per domain (by domain id); a new vote replaces the old, the same vote again removes it ----

  async vote(serverId: string, domainKey: string, userId: string, value: 1 | -1): Promise<VoteTally & { mine: 1 | -1 | 0 }> {
    const all = await this.write('a vote', () => this.backend.hashToggle(votesKey(serverId, domainKey), userId, String(value)));
    const mine = all[userId] === String(value) ? value : 0;
    return { ...tally(all), mine };
  }
  async tally(serverId: string, domainKey: string): Promise<VoteTally> {
    return tally(await this.backend.hashGetAll(votesKey(serverId, domainKey)));
  }

  // ---- settings: one hash field per setting, so concurrent changes of different settings both stay ----

  async getSettings(serverId: string): Promise<ServerSettings> {
    const fields = await this.backend.hashGetAll(settingsKey(serverId));
    const stored = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, JSON.parse(v)])) as Partial<ServerSettings>;
    return { ...defaultSettings(), ...stored };
  }
  async updateSettings(serverId: string, patch: Partial<ServerSettings>): Promise<ServerSettings> {
    const fields = Object.fromEntries(
      Object.entries(patch)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, JSON.stringify(v)]),
    );
    await this.write('the settings', () => this.backend.hashSet(settingsKey(serverId), fields));
    return this.getSettings(serverId);
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

function vectorKey(pack: string, id: string): string {
  return `${pack}:id:${id}`;
}

function tally(all: Record<string, string>): VoteTally {
  let up = 0;
  let down = 0;
  for (const v of Object.values(all)) v === '1' ? up++ : down++;
  return { up, down };
}

// What every command gets: the loaded pack(s), the stores, the job queue, the limits and the log.
// openServices() wires the real ones; tests may build BotServices from parts (a real engine, a temp SQLite).
import type { Engine } from '../engine/types.js';
import { openPack } from '../engine/index.js';
import { EngineCache } from './cache.js';
import { PictureCache } from './picture-cache.js';
import type { JobQueue } from './jobs.js';
import { InProcessJobQueue } from './in-process-queue.js';
import { defaultLimits, type Limits } from './limits.js';
import { consoleLogger, type Logger } from './log.js';
import { UserError } from './platform.js';
import { Stores } from './stores.js';

export interface BotServices {
  /** packs by pack.json name; the first one opened is the default */
  readonly engines: Map<string, Engine>;
  readonly defaultPack: string;
  readonly stores: Stores;
  readonly cache: EngineCache;
  /** rendered rows that results share (the "before" row), in memory, bounded */
  readonly pictures: PictureCache;
  readonly jobs: JobQueue;
  readonly limits: Limits;
  readonly log: Logger;
  /** the engine a server uses (its /settings default pack, else the bot's) */
  engineFor(serverId: string): Promise<Engine>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** one pack folder, or several (the first is the default) */
  packDir: string | string[];
  /** keyv URL: sqlite://FILE (default sqlite://data/domainshift.sqlite), redis://…, memory:// */
  storeUrl?: string;
  limits?: Partial<Limits>;
  /** jobs running at once (one per device) */
  concurrency?: number;
  log?: Logger;
  /** bytes of rendered pictures kept in memory (default picture-cache.ts) */
  pictureCacheBytes?: number;
  /** how a pack is opened; default: the engine's openPack */
  openEngine?: (packDir: string) => Promise<Engine>;
}

function defaultOpenEngine(packDir: string): Promise<Engine> {
  return openPack(packDir);
}

export function assembleServices(parts: {
  engines: Engine[];
  stores: Stores;
  jobs?: JobQueue;
  limits?: Partial<Limits>;
  log?: Logger;
  concurrency?: number;
  /** bytes of rendered pictures kept in memory (default picture-cache.ts) */
  pictureCacheBytes?: number;
}): BotServices {
  if (!parts.engines.length) throw new Error('at least one model pack is needed');
  const engines = new Map(parts.engines.map((e) => [e.manifest.name, e]));
  const defaultPack = parts.engines[0].manifest.name;
  const stores = parts.stores;
  return {
    engines,
    defaultPack,
    stores,
    cache: new EngineCache(stores),
    pictures: new PictureCache(parts.pictureCacheBytes),
    jobs: parts.jobs ?? new InProcessJobQueue({ concurrency: parts.concurrency ?? 1 }),
    limits: { ...defaultLimits(), ...parts.limits },
    log: parts.log ?? consoleLogger(),
    async engineFor(serverId) {
      const { defaultPack: chosen } = await stores.getSettings(serverId);
      if (chosen && !engines.has(chosen))
        throw new UserError(`This server's pack \`${chosen}\` is not loaded; a manager can pick another with /settings.`);
      return engines.get(chosen ?? defaultPack)!;
    },
    async close() {
      await this.jobs.onIdle();
      for (const e of engines.values()) await e.close();
      await stores.close();
    },
  };
}

export async function openServices(options: ServiceOptions): Promise<BotServices> {
  const dirs = Array.isArray(options.packDir) ? options.packDir : [options.packDir];
  const open = options.openEngine ?? defaultOpenEngine;
  const stores = await Stores.open(options.storeUrl ?? 'sqlite://data/domainshift.sqlite', { log: options.log });
  const engines: Engine[] = [];
  try {
    for (const d of dirs) engines.push(await open(d));
  } catch (e) {
    for (const en of engines) await en.close();
    await stores.close();
    throw e;
  }
  const services = assembleServices({
    engines,
    stores,
    limits: options.limits,
    log: options.log,
    concurrency: options.concurrency,
    pictureCacheBytes: options.pictureCacheBytes,
  });
  services.log.info(`packs: ${[...services.engines.values()].map((e) => `${e.manifest.name} (${e.provider})`).join(', ')}`);
  return services;
}

// Shared setup for core tests: the real engine on the tiny fixture pack, a real SQLite file in a temp folder,
// and an engine wrapper that counts calls (the real engine still does the work).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPack } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/types.js';
import { Stores } from '../../src/core/stores.js';
import { assembleServices, type BotServices } from '../../src/core/services.js';
import { consoleLogger, type Logger } from '../../src/core/log.js';
import { UserError, type Attachment } from '../../src/core/platform.js';

export const TINY_PACK = join(import.meta.dirname, '..', 'fixtures', 'packs', 'tiny');

export type CountingEngine = Engine & { calls: Record<string, number> };

/** A Proxy over the real engine: every method call is counted, then forwarded unchanged. */
export function countCalls(engine: Engine): CountingEngine {
  const calls: Record<string, number> = {};
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (prop === 'calls') return calls;
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as CountingEngine;
}

/** The product's console logger (with its redaction), writing into an array instead of the console. */
export class MemoryLog implements Logger {
  lines: string[] = [];
  private inner = consoleLogger({ log: (l: string) => this.lines.push(l), error: (l: string) => this.lines.push(l) });
  info(msg: string) {
    this.inner.info(msg);
  }
  error(msg: string, err?: unknown) {
    this.inner.error(msg, err);
  }
}

export interface TestServices {
  services: BotServices;
  engine: CountingEngine;
  log: MemoryLog;
  storeUrl: string;
  dir: string;
  cleanup(): Promise<void>;
}

export async function openTestServices(opts: { dir?: string } = {}): Promise<TestServices> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ds-core-'));
  const storeUrl = `sqlite://${join(dir, 'bot.sqlite')}`;
  const engine = countCalls(await openPack(TINY_PACK));
  const log = new MemoryLog();
  const services = assembleServices({ engines: [engine], stores: await Stores.open(storeUrl), log });
  return {
    services,
    engine,
    log,
    storeUrl,
    dir,
    async cleanup() {
      await services.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an adapter hands over: metadata as the platform reported it, and a bounded download that counts itself. */
export function bytesAttachment(
  name: string,
  data: Buffer,
  contentType: string | undefined,
  over: Partial<Attachment> = {},
): Attachment & { downloads: number } {
  const a = {
    name,
    contentType,
    size: data.byteLength,
    url: `https://cdn.test/${name}`,
    downloads: 0,
    async download(max: number) {
      a.downloads++;
      if (data.byteLength > max) throw new UserError('too large');
      return data;
    },
    ...over,
  };
  return a;
}

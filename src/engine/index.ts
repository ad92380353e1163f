// The engine's public entry: openPack() and the types the rest of the product uses. The product sees the Engine
// interface only; openOnnxPack() hands the tools that measure the engine's insides (CLI relevance, benches) the class.
import path from 'node:path';
import { OnnxEngine, type EngineOptions } from './engine.js';
import { loadPack, releasePack, type LoadedPack } from './loaded-pack.js';
import type { ProviderChoice } from './session.js';
import type { Engine } from './types.js';

export interface OpenPackOptions extends EngineOptions {
  provider?: ProviderChoice;
  /** intra-op threads per ONNX session (session.ts) */
  threads?: number;
  /** idle pool threads spin-wait (ONNX Runtime's default) or sleep at once (session.ts) */
  spinning?: boolean;
  cudaDevice?: number;
  /** check sha256 of every file at load (default true; size is always checked) */
  verifyHashes?: boolean;
}

// Packs shared by every handle on the same folder and provider: sessions are loaded once and released when the last
// handle closes.
const cache = new Map<string, { pack: Promise<LoadedPack>; handles: number }>();

/** A pack's engine, as the product uses it. */
export function openPack(dir: string, opts: OpenPackOptions = {}): Promise<Engine> {
  return openOnnxPack(dir, opts);
}

/** The same engine with its internals (stage timings, StyleCLIP relevance), for the CLI and benches. */
export async function openOnnxPack(dir: string, opts: OpenPackOptions = {}): Promise<OnnxEngine> {
  const key = `${path.resolve(dir)}|${opts.provider ?? 'auto'}|${opts.threads ?? 0}|${opts.spinning ?? 'default'}|${opts.cudaDevice ?? 0}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = {
      pack: loadPack(dir, {
        provider: opts.provider,
        threads: opts.threads,
        spinning: opts.spinning,
        cudaDevice: opts.cudaDevice,
        hash: opts.verifyHashes,
      }),
      handles: 0,
    };
    cache.set(key, entry);
    entry.pack.catch(() => cache.delete(key));
  }
  const pack = await entry.pack;
  entry.handles++;
  const held = entry;
  return new OnnxEngine(
    pack,
    async () => {
      held.handles--;
      if (held.handles === 0 && cache.get(key) === held) {
        cache.delete(key);
        await releasePack(pack.sessions);
      }
    },
    opts,
  );
}

export { OnnxEngine } from './engine.js';
export { EngineInputError, ImageInputError, InputError } from './errors.js';
export { PackError } from './pack.js';
export type * from './types.js';

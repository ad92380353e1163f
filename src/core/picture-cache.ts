// Pictures that depend only on the pack, the samples, ψ and the domain they are drawn in, kept in memory so that a
// result's "before" row is drawn once: the strength buttons, a repeated seed and re-renders of a result reuse it.
// Bounded by bytes; the least recently used pictures go first.
import type { DomainVector, Engine, RgbImage, SampleSource } from '../engine/types.js';
import { domainId, sha256Hex } from './encoding.js';

/** Default bound: about 80 before-rows of 4 samples at 256 px, or 5 at 1024 px. */
const DEFAULT_PICTURE_CACHE_BYTES = 64 << 20;

export interface RenderedRow {
  images: RgbImage[];
  ws: Float32Array;
}

export class PictureCache {
  // a Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used
  private rows = new Map<string, { row: RenderedRow; bytes: number }>();
  private bytes = 0;

  constructor(readonly maxBytes = DEFAULT_PICTURE_CACHE_BYTES) {}

  get size(): number {
    return this.rows.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get(key: string): RenderedRow | undefined {
    const hit = this.rows.get(key);
    if (!hit) return undefined;
    this.rows.delete(key);
    this.rows.set(key, hit);
    return hit.row;
  }

  set(key: string, row: RenderedRow): void {
    const bytes = row.images.reduce((n, i) => n + i.data.byteLength, 0) + row.ws.byteLength;
    if (bytes > this.maxBytes) return;
    const old = this.rows.get(key);
    if (old) {
      this.rows.delete(key);
      this.bytes -= old.bytes;
    }
    this.rows.set(key, { row, bytes });
    this.bytes += bytes;
    for (const [k, v] of this.rows) {
      if (this.bytes <= this.maxBytes) break;
      this.rows.delete(k);
      this.bytes -= v.bytes;
    }
  }

  /** The cached row for a render, or the render itself (then cached). */
  async through(key: string, render: () => Promise<RenderedRow>): Promise<RenderedRow> {
    const hit = this.get(key);
    if (hit) return hit;
    const row = await render();
    this.set(key, row);
    return row;
  }
}

const packHashes = new WeakMap<object, string>();

/** The pack's content: pack.json names every file with its sha256, so its own hash stands for all of them. */
function packContentHash(engine: Engine): string {
  let h = packHashes.get(engine.manifest);
  if (!h) {
    h = sha256Hex(JSON.stringify(engine.manifest));
    packHashes.set(engine.manifest, h);
  }
  return h;
}

function samplesKey(samples: SampleSource): string {
  if ('seeds' in samples) return `seeds:${samples.seeds.join(',')}`;
  const v = 'ws' in samples ? samples.ws : samples.z;
  return `${'ws' in samples ? 'ws' : 'z'}:${samples.n}:${sha256Hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}`;
}

/**
 * What a render without a style edit depends on: the pack's content, the samples, ψ (the pack's default when
 * unset), and the domain (none: the unchanged generator) with its strength, or an imported NADA domain.
 */
export function renderKey(
  engine: Engine,
  req: { samples: SampleSource; truncation?: number; domain?: DomainVector; strength?: number; nadaDomain?: string },
): string {
  const psi = req.truncation ?? engine.manifest.truncation;
  const domain = req.domain ? `${domainId(req.domain)}@${req.strength ?? 1}` : 'identity';
  return [packContentHash(engine), samplesKey(req.samples), `psi:${psi}`, domain, `nada:${req.nadaDomain ?? ''}`].join('|');
}

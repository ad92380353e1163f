// CLIP embeddings and domain vectors, cached per pack (by its files' hashes) by sha256 of their input: a repeated
// prompt or picture goes to neither CLIP nor the hypernet again.
import type { DomainVector, Engine } from '../engine/types.js';
import type { Stores } from './stores.js';
import { sha256Hex } from './encoding.js';

export class EngineCache {
  constructor(private readonly stores: Stores) {}

  private readonly packKeys = new WeakMap<Engine, string>();

  /** A pack's cache key is its name plus a hash of its files' sha256s: two packs that share a name never share entries. */
  private pack(engine: Engine): string {
    let key = this.packKeys.get(engine);
    if (!key) {
      const files = Object.entries(engine.manifest.files)
        .flatMap(([role, f]) => (f ? [`${role}:${f.sha256}`] : []))
        .sort();
      key = `${engine.manifest.name}@${sha256Hex(files.join('\n')).slice(0, 16)}`;
      this.packKeys.set(engine, key);
    }
    return key;
  }

  async textEmbedding(engine: Engine, text: string): Promise<Float32Array> {
    const key = `text:${sha256Hex(text)}`;
    const hit = await this.stores.getEmbedding(this.pack(engine), key);
    if (hit) return hit;
    const [v] = await engine.embedText([text]);
    await this.stores.setEmbedding(this.pack(engine), key, v);
    return v;
  }

  async imageEmbedding(engine: Engine, image: Buffer): Promise<Float32Array> {
    const key = `image:${sha256Hex(image)}`;
    const hit = await this.stores.getEmbedding(this.pack(engine), key);
    if (hit) return hit;
    const [v] = await engine.embedImage([image]);
    await this.stores.setEmbedding(this.pack(engine), key, v);
    return v;
  }

  async domainFromText(engine: Engine, target: string, source?: string): Promise<DomainVector> {
    const src = source ?? engine.manifest.defaultSource;
    const key = `text:${sha256Hex(`${src}\u0000${target}`)}`;
    const hit = await this.stores.getDomain(this.pack(engine), key);
    if (hit) return hit;
    const targetEmbedding = await this.textEmbedding(engine, target);
    const sourceEmbedding = engine.manifest.condition.text.source === 'text' ? await this.textEmbedding(engine, src) : undefined;
    const d = await engine.domainFromText({ target, source: src, targetEmbedding, sourceEmbedding });
    await this.stores.setDomain(this.pack(engine), key, d);
    return d;
  }

  async domainFromImage(engine: Engine, image: Buffer): Promise<DomainVector> {
    const key = `image:${sha256Hex(image)}`;
    const hit = await this.stores.getDomain(this.pack(engine), key);
    if (hit) return hit;
    const imageEmbedding = await this.imageEmbedding(engine, image);
    const d = await engine.domainFromImage({ image, imageEmbedding });
    await this.stores.setDomain(this.pack(engine), key, d);
    return d;
  }

  /** StyleCLIP global direction for "neutral → target" at a strength (cached like domains; keyed by the pack's text settings too, which live in pack.json, not in its files). */
  async editDirection(engine: Engine, target: string, neutral: string | undefined, strength: number): Promise<Float32Array> {
    const text = engine.manifest.styleclip?.text;
    const settings = text ? `\u0000${JSON.stringify(text)}` : ''; // packs without settings keep their cached entries
    const key = `edit:${sha256Hex(`${neutral ?? ''}\u0000${target}\u0000${strength}${settings}`)}`;
    const hit = await this.stores.getDomain(this.pack(engine), key);
    if (hit) return hit;
    const { delta: d } = await engine.editDirection({ target, neutral, strength });
    await this.stores.setDomain(this.pack(engine), key, d);
    return d;
  }
}

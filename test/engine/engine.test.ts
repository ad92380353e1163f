// The Engine on the tiny fixture pack with the real ONNX Runtime: generation, domains, edits, metrics, photos.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineInputError, ImageInputError, openOnnxPack, type OnnxEngine } from '../../src/engine/index.js';
import { stylizeCenterCrop } from '../../src/engine/stylize-crop.js';
import type { RgbImage } from '../../src/engine/types.js';
import { tinyPack } from '../parity/packs.js';
import { packWithoutRelevance } from './official-styleclip.js';

function meanAbs(a: RgbImage[], b: RgbImage[]): number {
  let s = 0;
  let n = 0;
  a.forEach((img, i) =>
    img.data.forEach((v, j) => {
      s += Math.abs(v - b[i].data[j]);
      n++;
    }),
  );
  return s / n;
}

let engine: OnnxEngine;
let packCopy: string;
beforeAll(async () => {
  // a private copy: the StyleCLIP relevance cache is written beside the pack
  packCopy = await mkdtemp(path.join(tmpdir(), 'engine-'));
  await cp(tinyPack(), packCopy, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}reference`) && !src.includes('styleclip_relevance'),
  });
  engine = await openOnnxPack(packCopy, { provider: 'cpu', threads: 1, relevanceSamples: 1 });
});
afterAll(async () => {
  await engine?.close();
  await rm(packCopy, { recursive: true, force: true });
});

describe('generation', () => {
  it('is deterministic per seed, and different seeds differ', async () => {
    const a = await engine.generate({ samples: { seeds: [5, 6] } });
    const b = await engine.generate({ samples: { seeds: [5] } });
    const R = engine.manifest.resolution;
    expect(a.images.map((i) => [i.width, i.height])).toEqual([
      [R, R],
      [R, R],
    ]);
    expect(a.ws.length).toBe(2 * engine.manifest.numWs * engine.manifest.latentDim);
    expect(meanAbs([a.images[0]], b.images)).toBe(0);
    expect(meanAbs([a.images[0]], [a.images[1]])).toBeGreaterThan(1);
  });

  it('a text domain changes the picture; strength 0 is exactly the identity; the returned W+ re-renders the same', async () => {
    const domain = await engine.domainFromText({ target: 'a pixar character' });
    expect(domain.length).toBe(engine.manifest.domainDim);
    const samples = { seeds: [1, 2, 3] };
    const identity = await engine.generate({ samples });
    const adapted = await engine.generate({ samples, domain });
    const zero = await engine.generate({ samples, domain, strength: 0 });
    expect(meanAbs(identity.images, adapted.images)).toBeGreaterThan(2);
    expect(meanAbs(identity.images, zero.images)).toBe(0);
    const again = await engine.generate({ samples: { ws: adapted.ws, n: 3 }, domain });
    expect(meanAbs(again.images, adapted.images)).toBe(0);
    const half = await engine.generate({ samples, domain, strength: 0.5 });
    const dHalf = meanAbs(identity.images, half.images);
    expect(dHalf).toBeGreaterThan(0);
    expect(dHalf).toBeLessThan(meanAbs(identity.images, adapted.images));
  });

  it('a different source text gives a different domain', async () => {
    const a = await engine.domainFromText({ target: 'a zombie' });
    const b = await engine.domainFromText({ target: 'a zombie', source: 'a pencil sketch' });
    expect(a.some((v, i) => Math.abs(v - b[i]) > 1e-6)).toBe(true);
  });

  it('given z latents run through mapping and truncation', async () => {
    const L = engine.manifest.latentDim;
    const z = new Float32Array(2 * L).map((_, i) => Math.sin(i));
    const full = await engine.generate({ samples: { z, n: 2 }, truncation: 1 });
    const none = await engine.generate({ samples: { z, n: 2 }, truncation: 0 });
    // ψ = 0 collapses every sample to w_avg
    expect(meanAbs([none.images[0]], [none.images[1]])).toBe(0);
    expect(meanAbs([full.images[0]], [full.images[1]])).toBeGreaterThan(0);
  });

  it('refuses bad requests with EngineInputError', async () => {
    await expect(engine.generate({ samples: { seeds: [] } })).rejects.toThrow(EngineInputError);
    await expect(engine.generate({ samples: { seeds: [1.5] } })).rejects.toThrow(/seed must be an integer/);
    await expect(engine.generate({ samples: { seeds: Array.from({ length: 65 }, (_, i) => i) } })).rejects.toThrow(/1 to 64/);
    await expect(engine.generate({ samples: { z: new Float32Array(3), n: 1 } })).rejects.toThrow(/z latents must hold/);
    await expect(engine.generate({ samples: { seeds: [1] }, domain: new Float32Array(3) })).rejects.toThrow(/has \d+ values, got 3/);
    await expect(engine.generate({ samples: { seeds: [1] }, strength: Number.NaN })).rejects.toThrow(/strength/);
    await expect(engine.generate({ samples: { seeds: [1] }, nadaDomain: 'nope' })).rejects.toThrow(/no imported domain "nope"/);
    await expect(engine.embedText(['  '])).rejects.toThrow(/empty/);
  });
});

describe('tokenizer', () => {
  it('pads with 0 to the context length and truncates long text keeping <|endoftext|> last', async () => {
    const { ClipTokenizer } = await import('../../src/engine/clip.js');
    const tok = await ClipTokenizer.load(path.join(packCopy, engine.manifest.files.tokenizer.path), engine.manifest.clip.contextLength);
    const C = engine.manifest.clip.contextLength;
    const [short, long] = tok.encode(['a face', Array.from({ length: 200 }, () => 'word').join(' ')]).ids;
    expect(short).toHaveLength(C);
    expect(long).toHaveLength(C);
    const eot = Math.max(...short);
    expect(short.indexOf(eot)).toBeGreaterThan(1);
    expect(short.slice(short.indexOf(eot) + 1).every((v) => v === 0)).toBe(true);
    expect(long[C - 1]).toBe(eot);
    expect(long[0]).toBe(short[0]); // <|startoftext|>
    // truncation changes nothing about the embedding's shape, and long text still embeds
    const [e] = await engine.embedText([Array.from({ length: 200 }, () => 'word').join(' ')]);
    expect(e.length).toBe(engine.manifest.embedDim);
  });
});

describe('domains', () => {
  it("blend of one domain with weight 1 is that domain; a blend holds each domain's residual with its weight as gain", async () => {
    const a = await engine.domainFromText({ target: 'a zombie' });
    const b = await engine.domainFromText({ target: 'an oil painting' });
    expect(Array.from(engine.blend([a], [1]))).toEqual(Array.from(a));
    const layout = engine.manifest.domainLayout;
    if (layout?.kind !== 'residual-slots') throw new Error('the tiny fixture is a published-formulation hypergan-clip pack');
    expect(layout.slots * layout.slotSize).toBe(engine.manifest.domainDim);
    const P = layout.slotSize;
    expect(a[0]).toBe(1); // the hypernet fills slot 0 with gain 1 and leaves the others empty
    expect(Array.from(a.subarray(P)).every((v) => v === 0)).toBe(true);
    const mid = engine.blend([a, b], [0.5, 0.5]);
    expect(mid[0]).toBeCloseTo(0.5, 6);
    expect(mid[P]).toBeCloseTo(0.5, 6);
    expect(Array.from(mid.subarray(1, P))).toEqual(Array.from(a.subarray(1, P)));
    expect(Array.from(mid.subarray(P + 1, 2 * P))).toEqual(Array.from(b.subarray(1, P)));
    // strength scales the gains only: what each residual adds, linearly
    const both = engine.blend([mid], [0.5]);
    expect([both[0], both[P]]).toEqual([0.25, 0.25]);
    expect(Array.from(both.subarray(1, P))).toEqual(Array.from(a.subarray(1, P)));
    expect(() => engine.blend([a, b], [1])).toThrow(EngineInputError);
    const many = Array.from({ length: layout.slots + 1 }, () => a);
    expect(() =>
      engine.blend(
        many,
        many.map(() => 1),
      ),
    ).toThrow(/at most 4 domains/);
  });

  it('strength 0 renders exactly the identity domain; strength 1 changes the images', async () => {
    const a = await engine.domainFromText({ target: 'a zombie' });
    const samples = { seeds: [3] };
    const id = await engine.generate({ samples, domain: engine.identityDomain() });
    const zero = await engine.generate({ samples, domain: a, strength: 0 });
    expect(Array.from(zero.images[0].data)).toEqual(Array.from(id.images[0].data));
    const full = await engine.generate({ samples, domain: a });
    expect(Array.from(full.images[0].data)).not.toEqual(Array.from(id.images[0].data));
  });

  it('reference-guided synthesis: a domain from the picture, its fine W+ entries copied into every sample', async () => {
    const ref = await sharp({
      create: { width: 96, height: 80, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 50 } },
    })
      .png()
      .toBuffer();
    const res = await engine.generateFromReference({ samples: { seeds: [1, 2] }, reference: ref });
    const { numWs: N, latentDim: L, fineLayersFrom: F } = engine.manifest;
    expect(res.domain.length).toBe(engine.manifest.domainDim);
    expect(res.images).toHaveLength(2);
    // fine entries equal across samples (both from the reference), coarse entries differ (from the seeds)
    const entry = (i: number, k: number) => Array.from(res.ws.subarray((i * N + k) * L, (i * N + k + 1) * L));
    expect(entry(0, N - 1)).toEqual(entry(1, N - 1));
    expect(entry(0, F)).toEqual(entry(1, F));
    expect(entry(0, 0)).not.toEqual(entry(1, 0));
    await expect(engine.generateFromReference({ samples: { seeds: [1] }, reference: Buffer.from('nope') })).rejects.toThrow(
      ImageInputError,
    );
  });
});

describe('StyleCLIP edit', () => {
  it("uses the pack's relevance and σ, and the edit changes the image", async () => {
    const { delta } = await engine.editDirection({ target: 'smiling', strength: 3, disentanglement: 0 });
    expect(delta.length).toBe(engine.manifest.styleDim);
    expect(delta.some((v) => v !== 0)).toBe(true);
    const samples = { seeds: [4, 5] };
    const before = await engine.generate({ samples });
    const after = await engine.generate({ samples, styleDelta: delta });
    expect(meanAbs(before.images, after.images)).toBeGreaterThan(1);
    // a strict threshold moves fewer channels; an impossible one moves none
    const loose = await engine.editDirection({ target: 'smiling', strength: 3, disentanglement: 0 });
    const strict = await engine.editDirection({ target: 'smiling', strength: 3, disentanglement: 0.3 });
    expect(strict.channels).toBeLessThan(loose.channels);
    expect((await engine.editDirection({ target: 'smiling', strength: 3, disentanglement: 1 })).channels).toBeLessThanOrEqual(1);
    await expect(engine.editDirection({ target: 'smiling', strength: 3, disentanglement: 2 })).rejects.toThrow(/disentanglement/);
    await expect(engine.editDirection({ target: '  ', strength: 3 })).rejects.toThrow(/must not be empty/);
  });
});

describe('StyleCLIP relevance on demand', () => {
  it('refuses past the budget with a hint, then computes (official recipe), caches beside the pack and edits', async () => {
    const dir = await packWithoutRelevance(tinyPack(), { channels: 6 });
    const tight = await openOnnxPack(dir, { provider: 'cpu', threads: 1, relevanceSamples: 2, relevanceMaxPasses: 10 });
    try {
      await expect(tight.editDirection({ target: 'smiling', strength: 1 })).rejects.toThrow(/domainshift pack relevance/);
      const seen: number[] = [];
      const first = await tight.computeStyleRelevance(2, true, (done) => seen.push(done));
      expect(first.cached).toBe(false);
      expect(seen.at(-1)).toBe(2 * 6 * 2); // progress counts every pass: 2 signs × 6 channels × 2 samples
      const E = tight.manifest.embedDim;
      expect(first.relevance.length).toBe(tight.manifest.styleDim * E);
      expect(Math.hypot(...first.relevance.subarray(0, E))).toBeCloseTo(1, 4); // rows are unit directions
      expect(first.relevance.subarray(6 * E).every((v) => v === 0)).toBe(true); // uncovered channels: zero rows
      expect(await readdir(dir)).toContain('styleclip_relevance.bin');
      expect((await tight.computeStyleRelevance(2)).cached).toBe(true);
      const { delta } = await tight.editDirection({ target: 'smiling', strength: 1, disentanglement: 0 });
      expect(delta.some((v) => v !== 0)).toBe(true);
      expect(delta.subarray(6).every((v) => v === 0)).toBe(true);
    } finally {
      await tight.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a pack made before styles.onnx: edits with its relevance use unit σ; computing one is refused with a reason', async () => {
    const dir = await packWithoutRelevance(tinyPack(), { dropStats: true });
    const raw = JSON.parse(await readFile(path.join(dir, 'pack.json'), 'utf8'));
    delete raw.files.styles;
    delete raw.styleclip;
    await writeFile(path.join(dir, 'pack.json'), JSON.stringify(raw));
    const old = await openOnnxPack(dir, { provider: 'cpu', threads: 1, relevanceSamples: 1 });
    try {
      await expect(old.editDirection({ target: 'smiling', strength: 1 })).rejects.toThrow(/predates styles.onnx/);
    } finally {
      await old.close();
    }
    await cp(path.join(tinyPack(), 'style_relevance.bin'), path.join(dir, 'style_relevance.bin'));
    raw.files.styleRelevance = engine.manifest.files.styleRelevance;
    await writeFile(path.join(dir, 'pack.json'), JSON.stringify(raw));
    const withRelevance = await openOnnxPack(dir, { provider: 'cpu', threads: 1 });
    try {
      const { delta } = await withRelevance.editDirection({ target: 'smiling', strength: 1.5, disentanglement: 0 });
      expect(Math.max(...delta.map(Math.abs))).toBeCloseTo(1.5, 5);
    } finally {
      await withRelevance.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('evaluation (seed 004)', () => {
  it('returns Semantic-Score in [-1,1] and Diversity in [0,2]', async () => {
    const domain = await engine.domainFromText({ target: 'a zombie' });
    const s = await engine.evaluate({ domain, target: { text: 'a zombie' }, samples: 4 });
    expect(s.semanticScore).toBeGreaterThanOrEqual(-1);
    expect(s.semanticScore).toBeLessThanOrEqual(1);
    expect(s.diversity).toBeGreaterThan(0);
    expect(s.diversity).toBeLessThanOrEqual(2);
    await expect(engine.evaluate({ domain, target: { text: 'x' }, samples: 1 })).rejects.toThrow(/2 to 64/);
  });
});

describe('photos', () => {
  it('centre-crop stylize: the photo is inverted and re-rendered in the domain; bad photos are refused', async () => {
    const photo = await sharp({
      create: { width: 120, height: 90, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
    })
      .jpeg()
      .toBuffer();
    const domain = await engine.domainFromText({ target: 'a zombie' });
    const res = await stylizeCenterCrop(engine, { image: photo, domain });
    expect(res.faces).toHaveLength(1);
    expect(res.faces[0].box).toEqual({ x: 15, y: 0, width: 90, height: 90 });
    expect(res.faces[0].before.width).toBe(engine.manifest.encoder.resolution);
    const plain = await stylizeCenterCrop(engine, { image: photo, domain, strength: 0 });
    expect(meanAbs([plain.composite], [res.composite])).toBeGreaterThan(1);
    await expect(stylizeCenterCrop(engine, { image: Buffer.from('not a picture') })).rejects.toThrow(ImageInputError);
  });

  it('Engine.stylize on a real face photo (face-api sample) goes through detection and returns the person re-drawn', async () => {
    const photo = await readFile(path.resolve(import.meta.dirname, '../../node_modules/@vladmandic/face-api/demo/sample1.jpg'));
    const domain = await engine.domainFromText({ target: 'a zombie' });
    const res = await engine.stylize({ image: photo, domain });
    expect(res.faces.length).toBe(1);
    const meta = await sharp(photo).metadata();
    // the face path pastes back into the whole photo (the centre-crop path would return a square crop)
    expect(res.composite.width).toBe(meta.width);
    expect(res.faces[0].after.width).toBe(engine.manifest.resolution);
  });

  it('invert: W+ of the right shape, and the aligned crop at the encoder resolution', async () => {
    const pic = await sharp({ create: { width: 50, height: 70, channels: 3, background: '#884422' } })
      .png()
      .toBuffer();
    const inv = await engine.invert([pic, pic]);
    const { numWs: N, latentDim: L } = engine.manifest;
    expect(inv.ws.length).toBe(2 * N * L);
    expect(inv.aligned[0].width).toBe(engine.manifest.encoder.resolution);
  });
});

describe('pack cache', () => {
  it('shares one loaded pack between handles; closing one leaves the other working', async () => {
    const other = await openOnnxPack(packCopy, { provider: 'cpu', threads: 1 });
    const t0 = performance.now();
    const third = await openOnnxPack(packCopy, { provider: 'cpu', threads: 1 });
    expect(performance.now() - t0).toBeLessThan(50); // no second load
    await third.close();
    expect((await other.generate({ samples: { seeds: [1] } })).images).toHaveLength(1);
    await other.close();
    await expect(other.generate({ samples: { seeds: [1] } })).rejects.toThrow(/closed/);
    expect((await engine.generate({ samples: { seeds: [1] } })).images).toHaveLength(1);
  });
});

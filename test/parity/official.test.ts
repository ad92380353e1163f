// The published checkpoint layouts end to end: models/export/tests/make_official_packs.py writes tiny checkpoints in
// the exact official layouts (HyperGAN-CLIP g_ema with c_dim 101 in both formulations, HyperDomainNet td and im2im
// mappers, CLIP as a TorchScript archive, e4e, rosinality ffhq.pt, a NADA generator), exports each with the real
// command line, and writes what an independent forward from the official formulas gives. The engine must match it
// within 1e-4 mean absolute on the float images, for strength 1, strength 0.5 and a 50/50 blend.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOnnxPack, type OnnxEngine } from '../../src/engine/index.js';
import { loadPack, releasePack, type LoadedPack } from '../../src/engine/loaded-pack.js';
import { withStrength } from '../../src/engine/domains.js';
import { EngineInputError } from '../../src/engine/errors.js';
import { readNpyF32 } from '../../src/engine/npy.js';
import { f32, ort, runF32 } from '../../src/engine/session.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/domainshift.js');
let work: string;

function exec(file: string, args: string[], cwd: string): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 1_500_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function meanAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

// DOMAINSHIFT_OFFICIAL_PACKS: a folder make_official_packs.py already wrote (it takes minutes on a busy CPU)
const prebuilt = process.env.DOMAINSHIFT_OFFICIAL_PACKS;
beforeAll(async () => {
  if (prebuilt) {
    work = path.resolve(prebuilt);
    return;
  }
  work = await mkdtemp(path.join(tmpdir(), 'official-'));
  const made = await exec('/usr/bin/python3', ['-W', 'ignore', '-m', 'models.export.tests.make_official_packs', work], root);
  expect(made.code, made.stderr).toBe(0);
}, 1_500_000);
afterAll(async () => {
  if (!prebuilt) await rm(work, { recursive: true, force: true });
});

async function expected(dir: string, name: string): Promise<{ data: Float32Array; shape: number[] }> {
  return readNpyF32(path.join(dir, 'expected', `${name}.npy`));
}

/** The pack's CLIP towers (exported from a TorchScript archive as clip.load downloads it) against OpenAI's formulas. */
async function expectClipMatches(dir: string, pack: LoadedPack): Promise<void> {
  const pixels = await expected(dir, 'pixels');
  const img = await runF32(pack.sessions.clipVision, { pixel_values: f32(pixels.data, pixels.shape) }, 'image_embeds');
  expect(meanAbs(img.data, (await expected(dir, 'image_embeds')).data), 'image').toBeLessThanOrEqual(1e-4);
  const ids = await expected(dir, 'input_ids');
  const idTensor = new ort.Tensor(
    'int64',
    BigInt64Array.from(ids.data, (v) => BigInt(Math.round(v))),
    ids.shape,
  );
  const txt = await runF32(pack.sessions.clipText, { input_ids: idTensor }, 'text_embeds');
  expect(meanAbs(txt.data, (await expected(dir, 'text_embeds')).data), 'text').toBeLessThanOrEqual(1e-4);
}

for (const name of ['hgc-residual', 'hgc-in-weight', 'hdn-td', 'hdn-im2im']) {
  describe(`published layout ${name}`, () => {
    let dir: string;
    let pack: LoadedPack;
    let engine: OnnxEngine;
    beforeAll(async () => {
      dir = path.join(work, name);
      pack = await loadPack(dir, { provider: 'cpu' });
      engine = await openOnnxPack(dir, { provider: 'cpu' });
    });
    afterAll(async () => {
      await engine?.close();
      if (pack) await releasePack(pack.sessions);
    });

    it("`domainshift pack verify` passes; its CLIP (TorchScript ViT-B/16 or ViT-B/32) matches OpenAI's formulas", async () => {
      const res = await exec(process.execPath, [bin, 'pack', 'verify', dir], root);
      expect(res.code, res.stderr).toBe(0);
      expect(pack.manifest.clip.hypernetTrainedWith).toBe(name.startsWith('hgc') ? 'ViT-B/16' : 'ViT-B/32');
      await expectClipMatches(dir, pack);
    });

    it('engine domains (strength 1, strength 0.5, a 50/50 blend) render what the official formulas give, mean-abs ≤ 1e-4', async () => {
      const ws = await expected(dir, 'ws');
      const embeds = await expected(dir, 'embeds');
      const E = embeds.shape[1];
      const zeros = new Float32Array(E);
      const [d0, d1] = await engine.hypernetBatch([embeds.data.slice(0, E), embeds.data.slice(E)], [zeros, zeros]);
      const m = pack.manifest;
      const domains = {
        full: d0,
        half: withStrength(d0, pack.identity, 0.5, m.domainLayout),
        blend: engine.blend([d0, d1], [0.5, 0.5]),
      };
      const n = ws.shape[0];
      for (const [label, domain] of Object.entries(domains)) {
        const dom = new Float32Array(n * m.domainDim);
        for (let i = 0; i < n; i++) dom.set(domain, i * m.domainDim);
        const got = await runF32(
          pack.sessions.synthesis,
          {
            ws: f32(ws.data, ws.shape),
            domain: f32(dom, [n, m.domainDim]),
            style_delta: f32(new Float32Array(n * m.styleDim), [n, m.styleDim]),
          },
          'images',
        );
        const want = await expected(dir, label);
        expect(meanAbs(got.data, want.data), label).toBeLessThanOrEqual(1e-4);
      }
      if (name.startsWith('hgc')) {
        // text on a hypernetwork trained on raw image embeddings: the text embedding, unit length times the measured norm
        const recipe = m.condition.text;
        expect(recipe).toMatchObject({ normalize: true, source: 'zeros' });
        const [t] = await engine.embedText(['a pencil sketch']);
        const len = Math.hypot(...t);
        const [want] = await engine.hypernetBatch([t.map((v) => (v / len) * recipe.norm!)], [new Float32Array(E)]);
        const got = await engine.domainFromText({ target: 'a pencil sketch' });
        expect(meanAbs(got, want)).toBeLessThanOrEqual(1e-6);
        expect(meanAbs(got, (await engine.hypernetBatch([t], [new Float32Array(E)]))[0])).toBeGreaterThan(1e-3); // not raw
        const image = m.condition.image;
        expect(image).toEqual({ target: 'image', source: 'zeros', normalize: false }); // raw, as the official scripts
      }
      if (name === 'hdn-td') {
        // a single-domain checkpoint (td_checkpoints/*.pt) made into a domain vector by `--hdn-domain`
        const single = await expected(dir, 'single_domain');
        const dom = new Float32Array(n * m.domainDim);
        for (let i = 0; i < n; i++) dom.set(single.data, i * m.domainDim);
        const got = await runF32(
          pack.sessions.synthesis,
          {
            ws: f32(ws.data, ws.shape),
            domain: f32(dom, [n, m.domainDim]),
            style_delta: f32(new Float32Array(n * m.styleDim), [n, m.styleDim]),
          },
          'images',
        );
        expect(meanAbs(got.data, (await expected(dir, 'single')).data), 'single').toBeLessThanOrEqual(1e-4);
      }
    });
  });
}

describe('a pack from a generator alone (rosinality ffhq.pt, CLIP TorchScript, a NADA domain)', () => {
  let dir: string;
  let pack: LoadedPack;
  let engine: OnnxEngine;
  beforeAll(async () => {
    dir = path.join(work, 'generator-only');
    pack = await loadPack(dir, { provider: 'cpu' });
    engine = await openOnnxPack(dir, { provider: 'cpu' });
  });
  afterAll(async () => {
    await engine?.close();
    if (pack) await releasePack(pack.sessions);
  });

  it('has no hypernetwork or encoder; `pack verify` passes', async () => {
    expect(pack.manifest.files.hypernet).toBeUndefined();
    expect(pack.manifest.files.encoder).toBeUndefined();
    expect(JSON.parse(await readFile(path.join(dir, 'pack.json'), 'utf8')).domains.map((d: { name: string }) => d.name)).toEqual([
      'sketch',
    ]);
    const res = await exec(process.execPath, [bin, 'pack', 'verify', dir], root);
    expect(res.code, res.stderr).toBe(0);
  });

  it('a text or picture domain is refused with what the pack lacks and how to add it', async () => {
    const err = await engine.domainFromText({ target: 'a pixar character' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineInputError);
    expect((err as Error).message).toMatch(/has no hypernetwork.*can still edit with text.*re-export it with --hypernet/);
    expect(pack.manifest.files.styles).toBeDefined(); // what /edit needs besides CLIP
  });

  it('serves what needs no hypernetwork: a StyleCLIP text edit and the imported NADA domain change the pictures', async () => {
    const samples = { seeds: [1, 2] };
    const base = await engine.generate({ samples });
    const { delta } = await engine.editDirection({ target: 'a pixar character', strength: 3 });
    expect(delta.length).toBe(pack.manifest.styleDim);
    const edited = await engine.generate({ samples, styleDelta: delta });
    const nada = await engine.generate({ samples, nadaDomain: 'sketch' });
    const moved = (a: typeof base, b: typeof base) => a.images.some((img, i) => img.data.some((v, j) => v !== b.images[i].data[j]));
    expect(moved(edited, base)).toBe(true);
    expect(moved(nada, base)).toBe(true);
  });

  it('CLIP from the TorchScript archive and the generator match the independent forward, mean-abs ≤ 1e-4', async () => {
    await expectClipMatches(dir, pack);
    const ws = await expected(dir, 'ws');
    const n = ws.shape[0];
    const feeds = {
      ws: f32(ws.data, ws.shape),
      domain: f32(new Float32Array(n * pack.manifest.domainDim).fill(1), [n, pack.manifest.domainDim]),
      style_delta: f32(new Float32Array(n * pack.manifest.styleDim), [n, pack.manifest.styleDim]),
    };
    expect(
      meanAbs((await runF32(pack.sessions.synthesis, feeds, 'images')).data, (await expected(dir, 'identity')).data),
    ).toBeLessThanOrEqual(1e-4);
    expect(
      meanAbs((await runF32(pack.sessions.nada.get('sketch')!, feeds, 'images')).data, (await expected(dir, 'nada')).data),
    ).toBeLessThanOrEqual(1e-4);
  });
});

// StyleCLIP edit texts in a pack's own words (pack.json `styleclip.text`): the prompts CLIP embeds for an edit text and
// for the neutral, with and without the settings, and the edit direction they give through ONNX Runtime on a copy of
// the tiny fixture with the settings added (the fixture itself keeps the 79 official templates and defaultSource).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOnnxPack, type OnnxEngine } from '../../src/engine/index.js';
import type { PackManifest, StyleClipText } from '../../src/engine/manifest.js';
import { globalDirection, meanDirection } from '../../src/engine/styleclip.js';
import { editPrompts, neutralText, PROMPT_TEMPLATES, subjectPhrase, templated } from '../../src/engine/styleclip-templates.js';
import { tinyPack } from '../parity/packs.js';

/** the demo world's settings, shortened to three of its style frames (models/train/captions.py styleclip_text) */
const SETTINGS: StyleClipText = {
  templates: ['a photo of {}', 'a pencil sketch of {}', 'a photo of {} at night'],
  neutral: 'a face',
  phrase: { subjects: ['a face', 'a person'], before: ['smiling', 'frowning'] },
};
const withSettings = { styleclip: { truncation: 1, maxResolution: 128, channels: 1, text: SETTINGS }, defaultSource: 'a photo of a face' };
const without: Pick<PackManifest, 'styleclip' | 'defaultSource'> = { defaultSource: 'a photo of a face' };

describe('StyleCLIP edit texts in the pack’s own words', () => {
  it('says a short edit text as the subject phrase, and keeps a text that already names a subject', () => {
    const say = (text: string) => subjectPhrase(text, SETTINGS.phrase);
    expect(say('smiling')).toBe('a smiling face');
    expect(say('frowning')).toBe('a frowning face');
    expect(say('glasses')).toBe('a face with glasses');
    expect(say('red hair')).toBe('a face with red hair');
    expect(say('big eyes')).toBe('a face with big eyes');
    expect(say('  Smiling   with glasses ')).toBe('a Smiling face with glasses');
    expect(say('smiling and red hair')).toBe('a smiling face with red hair');
    expect(say('with glasses')).toBe('a face with glasses');
    expect(say('a smiling face')).toBe('a smiling face');
    expect(say('a person with glasses')).toBe('a person with glasses');
    expect(subjectPhrase('angry', { subjects: ['a cat'], before: ['angry'] })).toBe('an angry cat');
    expect(subjectPhrase('whiskers', { subjects: ['a cat'] })).toBe('a cat with whiskers');
    expect(subjectPhrase('  smiling ', undefined)).toBe('smiling');
  });

  it("puts target and neutral through the pack's templates; the neutral defaults to the pack's", () => {
    expect(editPrompts('smiling', withSettings)).toEqual([
      'a photo of a smiling face',
      'a pencil sketch of a smiling face',
      'a photo of a smiling face at night',
    ]);
    expect(editPrompts('glasses', withSettings)[2]).toBe('a photo of a face with glasses at night');
    expect(neutralText(withSettings)).toBe('a face');
    expect(neutralText(withSettings, '  frowning ')).toBe('frowning');
    expect(editPrompts(neutralText(withSettings), withSettings)).toEqual([
      'a photo of a face',
      'a pencil sketch of a face',
      'a photo of a face at night',
    ]);
    expect(editPrompts('$& glasses', withSettings)[0]).toBe('a photo of a face with $& glasses'); // no replacement patterns
  });

  it('without settings: the 79 official templates, the text as typed, neutral = defaultSource', () => {
    expect(editPrompts(' smiling ', without)).toEqual(templated('smiling'));
    expect(editPrompts('smiling', without)).toHaveLength(79);
    expect(editPrompts('smiling', without)[0]).toBe('a bad photo of a smiling.');
    expect(neutralText(without)).toBe('a photo of a face');
    // settings with a neutral alone keep the official templates and the text as typed
    const neutralOnly = { styleclip: { ...withSettings.styleclip, text: { neutral: 'a face' } }, defaultSource: 'a photo of a face' };
    expect(editPrompts('smiling', neutralOnly)).toEqual(templated('smiling', PROMPT_TEMPLATES));
    expect(neutralText(neutralOnly)).toBe('a face');
  });
});

describe('edit directions through ONNX Runtime, with and without the settings', () => {
  let dir: string;
  let plain: OnnxEngine;
  let own: OnnxEngine;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'styleclip-text-'));
    await cp(tinyPack(), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}reference`) && !src.includes('styleclip_') });
    const file = path.join(dir, 'pack.json');
    const m = JSON.parse(await readFile(file, 'utf8'));
    m.styleclip.text = SETTINGS; // pack.json itself carries no sha256: the other files' entries stay valid
    await writeFile(file, JSON.stringify(m));
    plain = await openOnnxPack(tinyPack(), { provider: 'cpu', threads: 1 });
    own = await openOnnxPack(dir, { provider: 'cpu', threads: 1 });
  });
  afterAll(async () => {
    await plain?.close();
    await own?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** the direction written out from literal prompts, through the pack's relevance and σ */
  async function expected(engine: OnnxEngine, target: string[], neutral: string[], alpha: number): Promise<Float32Array> {
    const { styleDim: S, embedDim: E } = engine.manifest;
    const t = meanDirection(await engine.embedText(target));
    const n = meanDirection(await engine.embedText(neutral));
    const R = await engine.styleclip.styleRelevance();
    const stats = await engine.styleclip.styleStats();
    return globalDirection(
      R,
      S,
      E,
      t.map((v, i) => v - n[i]),
      alpha,
      0,
      stats!.std,
    ).delta;
  }
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  it("a pack with settings: 'smiling' is 'a smiling face' in its templates against 'a face' in them", async () => {
    const { delta } = await own.editDirection({ target: 'smiling', strength: 3, disentanglement: 0 });
    const want = await expected(
      own,
      editPrompts('smiling', withSettings),
      ['a photo of a face', 'a pencil sketch of a face', 'a photo of a face at night'],
      3,
    );
    expect(maxDiff(delta, want)).toBeLessThan(1e-6);
    expect(delta.some((v) => v !== 0)).toBe(true);
  });

  it('a pack without settings: the 79 official templates and its defaultSource, as before', async () => {
    const { delta } = await plain.editDirection({ target: 'smiling', strength: 3, disentanglement: 0 });
    const want = await expected(plain, templated('smiling'), templated(plain.manifest.defaultSource), 3);
    expect(maxDiff(delta, want)).toBeLessThan(1e-6);
    const mine = (await own.editDirection({ target: 'smiling', strength: 3, disentanglement: 0 })).delta;
    expect(maxDiff(delta, mine)).toBeGreaterThan(1e-3); // the settings change what CLIP reads
  });
});

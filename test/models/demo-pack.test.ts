// The bundled demo pack is trained (models/train): its domains move the faces towards what the words say, as an
// independent judge (models/judge, trained on the renderer alone) sees it. A few samples on three styles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPack } from '../../src/engine/index.js';
import type { Engine } from '../../src/engine/types.js';
import { unknownWords } from '../../src/engine/vocabulary.js';
import { formatWorldEvaluation, runWorldEvaluation } from '../../src/engine/world-eval-run.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openPack('models/demo', { provider: 'cpu' });
});
afterAll(async () => engine?.close());

describe('the trained demo pack', () => {
  it('is marked as trained, not random, and lists the words it knows', () => {
    expect(engine.manifest.randomWeights).toBe(false);
    expect(engine.manifest.provenance.source).toBe('trained');
    expect(engine.manifest.vocabulary).toContain('zombie');
  });

  it('adapts to night, zombie and marble statue as the judge sees it, keeping most of the face (docs/demo-pack.md has the full table), from text and from reference pictures', async () => {
    const result = await runWorldEvaluation(engine, 'models/judge', {
      samples: 12,
      scoreSamples: 4,
      styles: ['night', 'zombie', 'marble statue'],
      edits: false,
    });
    const text = result.styles.filter((r) => r.kind === 'text');
    expect(text.map((r) => r.style)).toEqual(['night', 'zombie', 'marble statue']);
    for (const row of text) {
      expect(row.styleAccuracy, `${row.style}: judge accuracy`).toBeGreaterThanOrEqual(0.9);
      expect(row.contentAgreement, `${row.style}: content kept`).toBeGreaterThanOrEqual(0.55);
      // the renderer's own picture of the same faces, judged by the same measure: defined, and not perfect (the
      // generator's faces are not the renderer's)
      expect(row.truthContent, `${row.style}: the renderer's content`).toBeGreaterThan(0.5);
      expect(row.truthContent, `${row.style}: the renderer's content`).toBeLessThan(1);
    }
    // by reference: each of the 12 faces from the renderer's picture of each of the 11 others in the style
    const reference = result.styles.filter((r) => r.kind === 'reference');
    expect(reference.map((r) => [r.style, r.samples])).toEqual([
      ['night', 132],
      ['zombie', 132],
      ['marble statue', 132],
    ]);
    for (const row of reference) expect(row.styleAccuracy, `${row.style}: by reference`).toBeGreaterThanOrEqual(0.8);
    expect(formatWorldEvaluation(result)).toContain('truth kept');
  }, 240_000);

  it('reaches the held-out styles, sepia and neon, through CLIP alone (the hypernetwork never trained on them)', async () => {
    const result = await runWorldEvaluation(engine, 'models/judge', {
      samples: 12,
      scoreSamples: 4,
      styles: ['sepia', 'neon'],
      edits: false,
    });
    const text = result.styles.filter((r) => r.kind === 'text');
    expect(text.map((r) => [r.style, r.heldOut])).toEqual([
      ['sepia', true],
      ['neon', true],
    ]);
    for (const row of text) expect(row.styleAccuracy, `${row.style}: judge accuracy`).toBeGreaterThanOrEqual(0.7);
  }, 240_000);

  it("measures /edit at the chat's strength 1 by default (the pack's StyleCLIP α 1.5), and at another strength when asked", async () => {
    const standard = await runWorldEvaluation(engine, 'models/judge', { samples: 16, styles: [] });
    expect(standard).toMatchObject({ editStrength: 1, editAlpha: 1.5 });
    expect(standard.edits.map((r) => r.edit)).toEqual(['smiling', 'glasses']);
    expect(formatWorldEvaluation(standard)).toContain('edit at /edit strength 1 (StyleCLIP α 1.5)');
    // the CLIP's attribute stage put glasses into its image embedding: /edit glasses draws them, in the same style
    const glasses = standard.edits.find((r) => r.edit === 'glasses')!;
    expect(glasses.samples).toBeGreaterThan(4);
    expect(glasses.changed).toBeGreaterThanOrEqual(0.8);
    expect(glasses.styleKept).toBeGreaterThanOrEqual(0.6);
    const none = await runWorldEvaluation(engine, 'models/judge', { samples: 4, styles: [], editStrength: 0 });
    expect(none.editAlpha).toBe(0);
    for (const row of none.edits) {
      expect(row.samples).toBeGreaterThan(0);
      expect(row.changed, row.edit).toBe(0); // strength 0 moves no channel, so no attribute appears
    }
    // β 1: no channel is that relevant, so the standard edit moves nothing either (β 0.1 drew glasses above)
    const strict = await runWorldEvaluation(engine, 'models/judge', { samples: 16, styles: [], editDisentanglement: 1 });
    expect(formatWorldEvaluation(strict)).toContain('edit at /edit strength 1 (StyleCLIP α 1.5, β 1)');
    for (const row of strict.edits) expect(row.changed, row.edit).toBe(0);
  }, 120_000);

  it('names the words of a prompt that its CLIP never learned', () => {
    expect(unknownWords(engine.manifest, 'a photo → nicolas cage')).toEqual(['nicolas', 'cage']);
    expect(unknownWords(engine.manifest, 'a photo → a pencil sketch')).toEqual([]);
  });
});

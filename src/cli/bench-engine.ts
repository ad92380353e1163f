// Engine-side stage timings: each ONNX graph on one batch, the way the engine runs it, plus PNG encoding.
// Times come from the engine's own stage clock (graph runs only), so they compare with PyTorch forward times.
import { encodePng } from '../engine/images.js';
import type { OnnxEngine } from '../engine/engine.js';
import type { Engine } from '../engine/types.js';

export interface StageRow {
  stage: string;
  batch: number;
  /** median milliseconds per batch */
  ms: number;
  perImageMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function runEngineBench(engineLike: Engine, opts: { batch: number; repeat: number }): Promise<StageRow[]> {
  const engine = engineLike as OnnxEngine;
  const n = opts.batch;
  const m = engine.manifest;
  const texts = Array.from({ length: n }, (_, i) => `a photo of a face number ${i}`);
  const samples = { seeds: Array.from({ length: n }, (_, i) => i) };
  const { ws } = await engine.generate({ samples }); // warm
  const images = await engine.synthesize(ws, n, engine.identityDomain());
  const emb = await engine.embedText(texts);
  const stages: Record<string, () => Promise<unknown>> = {
    clipText: () => engine.embedText(texts),
    clipImage: () => engine.embedImage(images),
    hypernet: () => engine.hypernetBatch(emb, emb),
    mapping: () => engine.samplesToWs(samples),
    synthesis: () => engine.synthesize(ws, n, engine.identityDomain()),
    encoder: () => engine.invert(images),
  };
  const rows: StageRow[] = [];
  for (const [stage, run] of Object.entries(stages)) {
    await run(); // one untimed run per stage and batch size
    const times: number[] = [];
    for (let r = 0; r < opts.repeat; r++) {
      engine.resetStageTimes();
      await run();
      times.push(engine.stageTimes[stage] ?? NaN);
    }
    const ms = median(times);
    rows.push({ stage, batch: n, ms, perImageMs: ms / n });
  }
  const pngTimes: number[] = [];
  for (let r = 0; r < opts.repeat; r++) {
    const t0 = performance.now();
    for (const img of images) await encodePng(img);
    pngTimes.push(performance.now() - t0);
  }
  const png = median(pngTimes);
  rows.push({ stage: 'pngEncode', batch: n, ms: png, perImageMs: png / n });
  void m;
  return rows;
}

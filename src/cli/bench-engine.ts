// Engine-side stage timings: each ONNX graph on one batch, the way the engine runs it, plus PNG encoding.
// Times come from the engine's own stage clock (graph runs only), so they compare with PyTorch forward times.
// `npm run bench` interleaves these runs with PyTorch's (bench/run.ts); `domainshift bench` prints them alone.
import { encodePng } from '../engine/images.js';
import type { OnnxEngine } from '../engine/engine.js';

export interface StageRow {
  stage: string;
  batch: number;
  /** median milliseconds per batch */
  ms: number;
  perImageMs: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** the graph stages PyTorch has a counterpart of, in the order they run in a job */
export const GRAPH_STAGES = ['clipText', 'clipImage', 'hypernet', 'mapping', 'synthesis', 'encoder'] as const;

/** One timed run per call: each returns the milliseconds the engine's clock gave that stage (pngEncode: wall time). */
export async function engineStages(engine: OnnxEngine, batch: number): Promise<Record<string, () => Promise<number>>> {
  const n = batch;
  const texts = Array.from({ length: n }, (_, i) => `a photo of a face number ${i}`);
  const samples = { seeds: Array.from({ length: n }, (_, i) => i) };
  const { ws } = await engine.generate({ samples });
  const images = await engine.synthesize(ws, n, engine.identityDomain());
  const emb = await engine.embedText(texts);
  // "synthesis" is the graph an "after" row runs: any domain but the identity (which the identity graph draws, where
  // the pack has one: the "before" rows, stage synthesisIdentity); the time does not depend on the values
  const domain = engine.identityDomain().map((v, i) => v + 1e-3 * Math.sin(i));
  const graph = (stage: string, run: () => Promise<unknown>) => async () => {
    engine.resetStageTimes();
    await run();
    return engine.stageTimes[stage] ?? NaN;
  };
  return {
    clipText: graph('clipText', () => engine.embedText(texts)),
    clipImage: graph('clipImage', () => engine.embedImage(images)),
    hypernet: graph('hypernet', () => engine.hypernetBatch(emb, emb)),
    mapping: graph('mapping', () => engine.samplesToWs(samples)),
    synthesis: graph('synthesis', () => engine.synthesize(ws, n, domain)),
    ...(engine.manifest.files.synthesisIdentity
      ? { synthesisIdentity: graph('synthesis', () => engine.synthesize(ws, n, engine.identityDomain())) }
      : {}),
    encoder: graph('encoder', () => engine.invert(images)),
    pngEncode: async () => {
      const t0 = performance.now();
      for (const img of images) await encodePng(img);
      return performance.now() - t0;
    },
  };
}

export async function runEngineBench(engine: OnnxEngine, opts: { batch: number; repeat: number }): Promise<StageRow[]> {
  const stages = await engineStages(engine, opts.batch);
  const rows: StageRow[] = [];
  for (const [stage, run] of Object.entries(stages)) {
    await run(); // one untimed run per stage and batch size
    const times: number[] = [];
    for (let r = 0; r < opts.repeat; r++) times.push(await run());
    const ms = median(times);
    rows.push({ stage, batch: opts.batch, ms, perImageMs: ms / opts.batch });
  }
  return rows;
}

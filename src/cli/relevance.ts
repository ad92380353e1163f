// `domainshift pack relevance DIR`: StyleCLIP statistics (μ, σ) and relevance computed with the pack's own graphs
// (official recipe, src/engine/styleclip.ts) or imported from the official fs3.npy, and stored in the pack.
import { openOnnxPack } from '../engine/index.js';
import { readNpyF32 } from '../engine/npy.js';
import { addPackFiles, f32Bytes, type NewPackFile } from '../engine/pack-write.js';
import { RECIPE, RELEVANCE_MAX_RESOLUTION, RELEVANCE_PUSH, type Progress } from '../engine/styleclip.js';
import { CliInputError, parseInteger, readInputFile } from './input.js';

export interface RelevanceOpts {
  samples: string;
  styleSamples: string;
  import?: string;
  force?: boolean;
  json?: boolean;
  provider: 'auto' | 'cpu' | 'cuda';
}

/** progress with an ETA on stderr, at most every 2 s (and at the end) */
function progressLine(label: string, quiet: boolean): Progress {
  const t0 = performance.now();
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (quiet || (now - last < 2000 && done < total)) return;
    last = now;
    const spent = (now - t0) / 1000;
    const eta = done ? (spent / done) * (total - done) : 0;
    process.stderr.write(
      `${label}: ${done}/${total} (${Math.round((100 * done) / total)} %), ${spent.toFixed(0)} s, about ${eta.toFixed(0)} s left\n`,
    );
  };
}

async function importedRelevance(file: string, S: number, E: number): Promise<{ data: Float32Array; rows: number }> {
  await readInputFile('--import', file);
  let a: { shape: number[]; data: Float32Array };
  try {
    a = await readNpyF32(file);
  } catch (err) {
    throw new CliInputError(`--import ${file}: ${(err as Error).message.replace(`${file}: `, '')}`);
  }
  const [rows, cols] = a.shape;
  if (a.shape.length !== 2 || cols !== E || rows > S || rows < 1) {
    throw new CliInputError(
      `--import ${file}: shape [${a.shape}], this pack wants [channels ≤ ${S}, ${E}] (StyleCLIP's fs3.npy: conv channels up to 128 px × CLIP width)`,
    );
  }
  const data = new Float32Array(S * E); // rows past the file's stay zero, as StyleCLIP's SplitS leaves them
  data.set(a.data);
  return { data, rows };
}

export async function packRelevance(dir: string, opts: RelevanceOpts): Promise<void> {
  const samples = parseInteger('samples', opts.samples, 1, 10_000)!;
  const styleSamples = parseInteger('style-samples', opts.styleSamples, 100, 10_000_000)!;
  const engine = await openOnnxPack(dir, { provider: opts.provider });
  const say = (line: string) => (opts.json ? undefined : process.stderr.write(line + '\n'));
  try {
    const m = engine.manifest;
    const { styleDim: S, embedDim: E } = m;
    if (m.files.styleRelevance && !opts.force && !opts.import) {
      const summary = {
        pack: m.name,
        relevance: m.files.styleRelevance.path,
        styleclip: m.styleclip ?? null,
        note: 'the pack brings its own relevance; --force recomputes it',
      };
      process.stdout.write(JSON.stringify(summary) + '\n');
      return;
    }
    const t0 = performance.now();
    const files: NewPackFile[] = [];
    if (!m.files.styleStats && !m.files.styles)
      say('this pack has no styles.onnx: edits will use unit σ; re-export it for the official σ scaling');
    if (!m.files.styleStats && m.files.styles) say(`style statistics over ${styleSamples} samples …`);
    const stats = await engine.styleclip.styleStats(styleSamples, progressLine('style statistics', !!opts.json));
    if (stats && !m.files.styleStats) {
      const data = new Float32Array(2 * S);
      data.set(stats.mean);
      data.set(stats.std, S);
      files.push({ role: 'styleStats', path: 'style_stats.bin', data: f32Bytes(data) });
    }
    let relevance: Float32Array;
    let section: Record<string, unknown>;
    let channels = engine.styleclip.coveredChannels;
    if (opts.import) {
      const imported = await importedRelevance(opts.import, S, E);
      relevance = imported.data;
      channels = imported.rows;
      section = { source: 'imported' };
    } else {
      say(
        `relevance of ${channels} style channels (StyledConvs up to ${RELEVANCE_MAX_RESOLUTION} px) over ${samples} samples: ${2 * channels * samples} passes on ${engine.provider} …`,
      );
      relevance = (await engine.computeStyleRelevance(samples, true, progressLine('relevance passes', !!opts.json))).relevance;
      section = { source: 'computed', samples, push: RELEVANCE_PUSH, recipe: RECIPE };
    }
    files.push({ role: 'styleRelevance', path: 'style_relevance.bin', data: f32Bytes(relevance) });
    const styleclip = {
      statsSamples: !stats ? undefined : m.files.styleStats ? m.styleclip?.statsSamples : styleSamples,
      truncation: m.styleclip?.truncation ?? m.truncation,
      maxResolution: RELEVANCE_MAX_RESOLUTION,
      channels,
      relevance: section,
    };
    try {
      await addPackFiles(engine.packDir, files, { styleclip });
    } catch (err) {
      throw new CliInputError(
        `cannot store the relevance in ${engine.packDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    const summary = {
      pack: m.name,
      styleDim: S,
      channels,
      samples: opts.import ? null : samples,
      imported: opts.import ?? null,
      sigma: stats ? 'style_stats.bin' : null,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      files: files.map((f) => f.path),
    };
    process.stdout.write(
      (opts.json
        ? JSON.stringify(summary)
        : Object.entries(summary)
            .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
            .join('\n')) + '\n',
    );
  } finally {
    await engine.close();
  }
}

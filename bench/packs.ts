// The packs the bench runs on: models/demo as it is, and a random pack of FFHQ-256 size, exported once outside the
// repository (the temp dir, or BENCH_CACHE) and reused for as long as the exporter's sources and the export's
// arguments are unchanged (its folder name carries their hash). It is never committed: it is 1.6 GB.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/**
 * What the bench needs of the pack, and nothing more: no reference outputs (parity has its own fixtures) and style
 * statistics over 4,096 samples instead of the official 100,000 (σ only scales /edit, whose cost does not depend
 * on it; at 100,000 the statistics alone took most of an export of 10–15 minutes that never finished under load).
 */
const EXPORT_ARGS = ['--preset', 'hypergan-clip', '--random', '--config', 'ffhq256', '--no-reference', '--style-samples', '4096'];

/** what the exported pack depends on: the exporter's Python sources and the export's arguments */
function exporterHash(root: string): string {
  const dir = path.join(root, 'models/export');
  const h = createHash('sha256').update(EXPORT_ARGS.join(' '));
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.py'))
    .sort())
    h.update(f).update(readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 12);
}

/**
 * StyleCLIP relevance for the bench pack only: random numbers of the right shape, so that /edit runs (an /edit
 * costs the same whatever the relevance holds). Computing the real one takes 2·S·K generator passes at 256 px.
 */
function addTimingRelevance(dir: string): void {
  const file = path.join(dir, 'pack.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  if (m.files.styleRelevance) return;
  const values = new Float32Array(m.styleDim * m.embedDim);
  let s = 7;
  for (let i = 0; i < values.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    values[i] = (s / 2 ** 32 - 0.5) * 0.1;
  }
  const data = Buffer.from(values.buffer);
  writeFileSync(path.join(dir, 'style_relevance.bin'), data);
  m.files.styleRelevance = { path: 'style_relevance.bin', sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength };
  m.description += ' Bench copy: its style_relevance.bin is random (for timing /edit only).';
  writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
}

/** The FFHQ-256-size pack, exported on first use; null, with the reason printed, if it cannot be. */
export async function ffhq256Pack(root: string): Promise<string | null> {
  const dir = path.join(process.env.BENCH_CACHE ?? tmpdir(), `domainshift-bench-ffhq256-${exporterHash(root)}`);
  if (existsSync(path.join(dir, 'pack.json'))) {
    addTimingRelevance(dir);
    return dir;
  }
  console.log(`exporting a random ffhq256 pack into ${dir} (once per exporter version; about 1.6 GB, minutes) …`);
  const t0 = performance.now();
  try {
    await run('nice', ['-n', '10', PYTHON, '-m', 'models.export', ...EXPORT_ARGS, '--out', dir], { cwd: root, timeout: 3_600_000 });
  } catch (err) {
    console.log(`skipping ffhq256: export failed (${(err as Error).message.split('\n')[0]})`);
    return null;
  }
  console.log(`exported in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  addTimingRelevance(dir);
  return dir;
}

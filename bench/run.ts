// `npm run bench`: per-stage engine timings (ONNX Runtime, this machine) next to the PyTorch reference of the same
// graphs (bench/torch_bench.py, the exporter's modules) with the same batch sizes, on models/demo and on a random
// ffhq256 pack (the real 256-px widths), which is exported once into the temp dir and reused.
//
//   npm run bench                       both packs, default batches
//   npm run bench -- --no-torch         engine only
//   npm run bench -- --no-ffhq256       demo pack only
//   npm run bench -- --json out.json    also write the rows as JSON
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runEngineBench, type StageRow } from '../src/cli/bench-engine.js';
import { openPack } from '../src/engine/index.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const PYTHON = '/usr/bin/python3';
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

interface Row extends StageRow {
  pack: string;
  torchMs: number | null;
}

async function torchTimes(pack: string, batch: number, repeat: number): Promise<Record<string, number> | string> {
  try {
    const { stdout } = await run(PYTHON, [path.join(root, 'bench/torch_bench.py'), pack, '--batch', String(batch), '--repeat', String(repeat)], {
      cwd: root,
      timeout: 600_000,
      maxBuffer: 1 << 20,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    return out.error ? String(out.error) : out;
  } catch (err) {
    return `PyTorch reference failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** A random ffhq256 pack in the temp dir, exported on first use; null (with the reason printed) if it cannot be. */
async function ffhq256Pack(): Promise<string | null> {
  const dir = path.join(tmpdir(), 'domainshift-bench-ffhq256');
  if (existsSync(path.join(dir, 'pack.json'))) return dir;
  try {
    await run(PYTHON, ['-c', 'from models.export.configs import CONFIGS; assert "ffhq256" in CONFIGS'], { cwd: root });
  } catch {
    console.log('skipping ffhq256: the exporter has no ffhq256 config yet');
    return null;
  }
  console.log(`exporting a random ffhq256 pack into ${dir} (once; a few minutes) …`);
  const t0 = performance.now();
  try {
    await run(PYTHON, ['-m', 'models.export', '--preset', 'hypergan-clip', '--random', '--config', 'ffhq256', '--out', dir, '--no-reference'], {
      cwd: root,
      timeout: 900_000,
    });
  } catch (err) {
    console.log(`skipping ffhq256: export failed (${(err as Error).message.split('\n')[0]})`);
    return null;
  }
  console.log(`exported in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return dir;
}

function table(rows: Row[]): string {
  const head = ['pack', 'stage', 'batch', 'engine ms/batch', 'engine ms/img', 'torch ms/batch', 'torch/engine'];
  const body = rows.map((r) => [
    r.pack,
    r.stage,
    String(r.batch),
    r.ms.toFixed(2),
    r.perImageMs.toFixed(2),
    r.torchMs === null ? '–' : r.torchMs.toFixed(2),
    r.torchMs === null ? '–' : (r.torchMs / r.ms).toFixed(2) + '×',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function benchPack(label: string, dir: string, batch: number, repeat: number, withTorch: boolean): Promise<Row[]> {
  const t0 = performance.now();
  const engine = await openPack(dir);
  const m = engine.manifest;
  console.log(`${label}: ${m.name} R=${m.resolution} N=${m.numWs} D=${m.domainDim} S=${m.styleDim} E=${m.embedDim}, loaded on ${engine.provider} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let stages: StageRow[];
  try {
    stages = await runEngineBench(engine, { batch, repeat });
  } finally {
    await engine.close();
  }
  let torch: Record<string, number> | string = 'not run (--no-torch)';
  if (withTorch) torch = await torchTimes(dir, batch, repeat);
  if (typeof torch === 'string') console.log(`  PyTorch: ${torch}`);
  else console.log(`  PyTorch ${torch._torch}, ${torch._threads} thread(s)`);
  return stages.map((s) => ({ ...s, pack: label, torchMs: typeof torch === 'string' ? null : (torch[s.stage] ?? null) }));
}

async function main(): Promise<void> {
  const repeat = Number(value('--repeat') ?? 3);
  const withTorch = !flag('--no-torch');
  const rows: Row[] = [];
  const demo = path.join(root, 'models/demo');
  if (existsSync(path.join(demo, 'pack.json'))) rows.push(...(await benchPack('demo', demo, Number(value('--batch') ?? 4), repeat, withTorch)));
  else console.log('skipping models/demo: no pack.json there');
  if (!flag('--no-ffhq256')) {
    const dir = await ffhq256Pack();
    if (dir) rows.push(...(await benchPack('ffhq256', dir, Number(value('--batch-ffhq') ?? 2), Math.min(repeat, 2), withTorch)));
  }
  console.log('\n' + table(rows));
  console.log('\nms are medians of the timed runs after one untimed run; graph time only (pre/post-processing excluded),');
  console.log('except pngEncode (sharp, per batch of images). torch/engine > 1 means the engine is faster.');
  const out = value('--json');
  if (out) await writeFile(out, JSON.stringify(rows, null, 2));
}

await main();

// Where a synthesis graph spends its time, per ONNX Runtime kernel type: ONNX Runtime's own profiler (the optimised
// graph, fused kernels under their own names), summed over the timed runs, per run. Several graphs of the same pack
// are run in turns in the same process, so "before" and "after" graphs see the same machine. The load average is
// printed beside the table, since a shared machine moves every number.
//
//   npx tsx bench/profile-synthesis.ts --pack models/demo [--graph OTHER.onnx ...] [--batch 4] [--threads 1,2] [--runs 20] [--nodes 15] [--no-profile] [--conv-limit]
//
// --conv-limit: the convolution micro-benchmark. bench/conv_limit.py puts every convolution of the pack's synthesis
// graph, and nothing else, in one graph (same shapes and attributes, constant weights), which takes its turns with
// the other graphs; the profiler's Conv + ConvTranspose kernel time of that graph is the convolution limit (what
// the convolutions cost on this CPU with nothing else running), and each graph's run is printed as a multiple of it
// (so the limit needs the profiler: not with --no-profile).
//
// Every graph gets the pack's inputs: W+ from fixed random latents, the identity domain, zero style delta (the cost
// of these graphs does not depend on the values). The profile files go to a temp folder and are deleted.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readManifest } from '../src/engine/pack.js';
import { f32, ort } from '../src/engine/session.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const values = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]] : []));
const packDir = values('--pack')[0] ?? 'models/demo';
const batch = Number(values('--batch')[0] ?? 4);
const runs = Number(values('--runs')[0] ?? 20);
const topNodes = Number(values('--nodes')[0] ?? 0);
const threadCounts = (values('--threads')[0] ?? '1,2').split(',').map(Number);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

async function inputs(): Promise<Record<string, ort.Tensor>> {
  const m = await readManifest(packDir);
  const { numWs: N, latentDim: L, domainDim: D, styleDim: S } = m;
  const identity = new Float32Array((await readFile(path.join(packDir, m.files.identityDomain.path))).buffer.slice(0));
  const ws = new Float32Array(batch * N * L).map((_, i) => Math.sin(i * 12.9898) * 0.5);
  const domain = new Float32Array(batch * D);
  for (let b = 0; b < batch; b++) domain.set(identity, b * D);
  return { ws: f32(ws, [batch, N, L]), domain: f32(domain, [batch, D]), style_delta: f32(new Float32Array(batch * S), [batch, S]) };
}

/** Per kernel type: microseconds per run; and the whole run's mean in milliseconds. */
async function profile(file: string, tag: string, threads: number, feeds: Record<string, ort.Tensor>, dir: string) {
  // one prefix per graph and thread count: two graphs may share a file name
  const prefix = path.join(dir, `${tag}-${threads}-`);
  const session = await ort.InferenceSession.create(file, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableProfiling: true,
    profileFilePrefix: prefix,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const wanted = Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]]));
  await session.run(wanted); // warm-up, not counted below
  for (let i = 0; i < runs; i++) await session.run(wanted);
  session.endProfiling();
  await session.release();
  const written = (await readdir(dir)).find((f) => path.join(dir, f).startsWith(prefix) && f.endsWith('.json'));
  if (!written) throw new Error(`ONNX Runtime wrote no profile for ${file}`);
  const events = JSON.parse(await readFile(path.join(dir, written), 'utf8')) as ProfileEvent[];
  const runsSeen = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const timed = runsSeen.slice(1); // the warm-up
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  const firstTimed = runsSeen.length > 1 ? events.indexOf(runsSeen[0]) : 0;
  for (const e of events.slice(firstTimed + 1)) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur / timed.length);
    const node = `${op} ${e.name.slice(0, -'_kernel_time'.length)}`;
    byNode.set(node, (byNode.get(node) ?? 0) + e.dur / timed.length);
  }
  const runMs = timed.reduce((s, e) => s + e.dur, 0) / timed.length / 1000;
  return { byOp, byNode, runMs };
}

type ConvolutionsGraph = { file: string; inputs: Record<string, number[]>; gflop: number };

/** bench/conv_limit.py's graph of the pack's synthesis graph's convolutions alone, at this batch, in `dir`. */
async function convolutionsGraph(dir: string): Promise<ConvolutionsGraph> {
  const file = path.join(dir, 'convolutions.onnx');
  const script = path.join(import.meta.dirname, 'conv_limit.py');
  await promisify(execFile)('/usr/bin/python3', [script, graphs[0], String(batch), file]);
  return { file, ...JSON.parse(await readFile(file.replace(/\.onnx$/, '.json'), 'utf8')) };
}

/** Fixed inputs for the convolutions graph (its cost does not depend on the values). */
function convolutionFeeds(convolutions: ConvolutionsGraph): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, shape] of Object.entries(convolutions.inputs)) {
    const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i * 0.37));
    feeds[name] = f32(x, shape);
  }
  return feeds;
}

const min = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall time per run of every graph without the profiler, the graphs taking turns run by run: min and median. */
async function interleaved(threads: number, feeds: Record<string, ort.Tensor>, convolutions?: ConvolutionsGraph): Promise<number[]> {
  const sessions = [];
  for (const g of timed) {
    const session = await ort.InferenceSession.create(g, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    const wanted = Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]]));
    await session.run(wanted);
    sessions.push({ session, wanted, ms: [] as number[] });
  }
  for (let i = 0; i < runs; i++)
    for (const s of i % 2 ? [...sessions].reverse() : sessions) {
      const t0 = performance.now();
      await s.session.run(s.wanted);
      s.ms.push(performance.now() - t0);
    }
  console.log(`\n${threads} thread(s), no profiler, graphs in turns; ms per run min / median (load average now ${load()})`);
  for (const [i, s] of sessions.entries()) {
    const about =
      convolutions && timed[i] === convolutions.file
        ? `  (${Object.keys(convolutions.inputs).length} convolutions, ${convolutions.gflop.toFixed(3)} GFLOP: ${(convolutions.gflop / (min(s.ms) / 1000)).toFixed(1)} GFLOP/s at the min)`
        : '';
    console.log(`  ${min(s.ms).toFixed(2).padStart(7)} / ${median(s.ms).toFixed(2).padStart(7)}  ${timed[i]}${about}`);
    await s.session.release();
  }
  return sessions.map((s) => min(s.ms));
}

const CONVOLUTION_OPS = ['Conv', 'ConvTranspose'];
const graphs = [path.join(packDir, 'synthesis.onnx'), ...values('--graph')];
const dir = await mkdtemp(path.join(tmpdir(), 'profile-synthesis-'));
const convolutions = flag('--conv-limit') ? await convolutionsGraph(dir) : undefined;
// the convolutions graph takes its turns like the others, on its own inputs (x0, x1, …: no name is shared)
const timed = convolutions ? [...graphs, convolutions.file] : graphs;
const feeds = { ...(await inputs()), ...(convolutions ? convolutionFeeds(convolutions) : {}) };
try {
  console.log(`${packDir}, batch ${batch}, ${runs} runs per graph after one warm-up; load average (1/5/15 min) before: ${load()}`);
  const mins = new Map<number, number[]>();
  for (const threads of threadCounts) mins.set(threads, await interleaved(threads, feeds, convolutions));
  for (const threads of flag('--no-profile') ? [] : threadCounts) {
    const results: Array<{ g: string } & Awaited<ReturnType<typeof profile>>> = [];
    for (const [i, g] of timed.entries()) results.push({ g, ...(await profile(g, `graph${i}`, threads, feeds, dir)) });
    const ops = [...new Set(results.flatMap((r) => [...r.byOp.keys()]))];
    const total = (r: (typeof results)[number]) => [...r.byOp.values()].reduce((s, v) => s + v, 0);
    ops.sort((a, b) => (results[0].byOp.get(b) ?? 0) - (results[0].byOp.get(a) ?? 0));
    console.log(`\n${threads} thread(s); ms per run, kernel time summed by op type (load average now ${load()})`);
    console.log(
      ['op'.padEnd(22), ...results.map((r) => path.basename(path.dirname(r.g)).concat('/', path.basename(r.g)).padStart(34))].join(''),
    );
    for (const op of ops)
      console.log([op.padEnd(22), ...results.map((r) => ((r.byOp.get(op) ?? 0) / 1000).toFixed(2).padStart(34))].join(''));
    console.log(['kernels, all'.padEnd(22), ...results.map((r) => (total(r) / 1000).toFixed(2).padStart(34))].join(''));
    console.log(['model_run (wall)'.padEnd(22), ...results.map((r) => r.runMs.toFixed(2).padStart(34))].join(''));
    if (convolutions) {
      // the limit: the convolutions' own kernels, run alone (their layout reorders, which a graph of chained
      // convolutions mostly avoids, left out)
      const alone = results[results.length - 1];
      const limit = CONVOLUTION_OPS.reduce((sum, op) => sum + (alone.byOp.get(op) ?? 0), 0) / 1000;
      console.log(`\nconvolution limit: the Conv + ConvTranspose kernels of the convolutions graph, ${limit.toFixed(2)} ms per run`);
      for (const [i, r] of results.slice(0, -1).entries()) {
        const wall = mins.get(threads)?.[i] ?? Number.NaN;
        console.log(
          `  ${(wall / limit).toFixed(2)}× the limit (min without the profiler), ${(r.runMs / limit).toFixed(2)}× (model_run under it)  ${r.g}`,
        );
      }
    }
    for (const r of topNodes ? results : []) {
      console.log(`\nthe ${topNodes} slowest kernels of ${r.g}, ms per run:`);
      const nodes = [...r.byNode].sort((a, b) => b[1] - a[1]).slice(0, topNodes);
      for (const [name, us] of nodes) console.log(`  ${(us / 1000).toFixed(3).padStart(8)}  ${name}`);
    }
  }
  console.log(`\nload average (1/5/15 min) after: ${load()}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

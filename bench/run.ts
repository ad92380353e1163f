// `npm run bench`: the engine and PyTorch timed in the same rounds, at the same thread count, on models/demo and on
// a random pack of FFHQ-256 size; then whole /adapt, Strength +, Stylize and /edit jobs as the bot runs them, with
// /adapt and Strength + also run by the bot as it was before issue 13 (its own code, bench/pre-issue.ts) in the same
// rounds. Min and median over the rounds; the machine's load average is printed beside the table, since a shared
// machine moves every number. bench/README.md says more.
//
//   nice -n 10 npm run bench                        everything (the first run exports the FFHQ-256 pack)
//   npm run bench -- --no-ffhq256 --rounds 3        demo pack only, fewer rounds
//   options: --rounds N (5)  --threads N (cores)  --spin on|off  --provider cpu|cuda  --batch N (4)
//            --batch-ffhq N (2)  --samples N (4, per job)  --no-torch  --no-jobs  --no-pre-issue  --no-demo
//            --threads-sweep  --json FILE  --demo DIR (models/demo)  --pre-issue-pack demo|ffhq256=DIR
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { engineStages, GRAPH_STAGES, median } from '../src/cli/bench-engine.js';
import { openOnnxPack } from '../src/engine/index.js';
import type { OnnxEngine } from '../src/engine/engine.js';
import { JobBench, PRE_ISSUE } from './jobs.js';
import { ffhq256Pack } from './packs.js';
import { PreIssueBot, preIssueTree } from './pre-issue.js';
import { TorchWorker } from './torch.js';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = Number(value('--rounds') ?? 5);
const threads = Number(value('--threads') ?? availableParallelism());
const spin = value('--spin');
const spinning = spin === undefined ? undefined : spin === 'on';
const provider = (value('--provider') ?? 'cpu') as 'cpu' | 'cuda';
const samples = Number(value('--samples') ?? 4);

interface Row {
  pack: string;
  what: string;
  batch: number;
  engine: number[];
  torch: number[];
  /** whole jobs: milliseconds of graph runs inside each */
  graph: number[];
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const fmt = (xs: number[]) => (xs.length ? `${Math.min(...xs).toFixed(1)} / ${median(xs).toFixed(1)}` : '–');
const ratio = (a: number[], b: number[]) => (a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}×` : '–');

async function stageRows(label: string, engine: OnnxEngine, dir: string, batch: number, withTorch: boolean): Promise<Row[]> {
  const stages = await engineStages(engine, batch);
  let torch: TorchWorker | null = null;
  if (withTorch) {
    const started = await TorchWorker.start(root, dir, batch, threads, provider);
    if (typeof started === 'string') console.log(`  PyTorch: not run (${started})`);
    else {
      torch = started.worker;
      console.log(
        `  PyTorch ${started.info.torch} on ${provider}, ${started.info.threads} thread(s), oneDNN ${started.info.mkldnn ? 'on' : 'off'}`,
      );
    }
  }
  const rows = Object.keys(stages).map((what) => ({
    pack: label,
    what,
    batch,
    engine: [] as number[],
    torch: [] as number[],
    graph: [] as number[],
  }));
  try {
    for (const row of rows) {
      await stages[row.what](); // warm-up runs, untimed
      if (torch && (GRAPH_STAGES as readonly string[]).includes(row.what)) await torch.run(row.what);
    }
    for (let r = 0; r < rounds; r++) {
      for (const row of rows) {
        const hasTorch = torch && (GRAPH_STAGES as readonly string[]).includes(row.what);
        // the two sides take turns going first
        if (hasTorch && r % 2) row.torch.push(await torch!.run(row.what));
        row.engine.push(await stages[row.what]());
        if (hasTorch && !(r % 2)) row.torch.push(await torch!.run(row.what));
      }
      console.log(`  stages, round ${r + 1}/${rounds} (load ${load()})`);
    }
  } finally {
    torch?.stop();
  }
  return rows;
}

async function jobRows(label: string, engine: OnnxEngine, dir: string): Promise<Row[]> {
  let pre: PreIssueBot | null = null;
  const tree = flag('--no-pre-issue') ? null : await preIssueTree(root);
  if (tree) {
    // --pre-issue-pack LABEL=DIR: the old bot on the same weights in another folder (its graphs as its exporter made
    // them), so that "pre-issue / now" compares the bot and its graphs; default: the same pack files as today's bot
    const own = args.flatMap((a, i) =>
      args[i - 1] === '--pre-issue-pack' && a.startsWith(`${label}=`) ? [a.slice(label.length + 1)] : [],
    );
    const preDir = own.length ? path.resolve(root, own[0]) : dir;
    console.log(`  pre-issue bot on ${preDir}, today's on ${dir}`);
    const started = await PreIssueBot.start(root, tree, preDir, threads);
    if (typeof started === 'string') console.log(`  pre-issue bot: not run (${started})`);
    else pre = started;
  }
  const bench = await JobBench.open(root, engine, pre);
  const rows = new Map<string, Row>();
  try {
    await bench.round(-1, samples); // warm-up: face detector, fonts, SQLite files
    for (let r = 0; r < rounds; r++) {
      for (const t of await bench.round(r, samples)) {
        const row = rows.get(t.job) ?? { pack: label, what: t.job, batch: t.samples, engine: [], torch: [], graph: [] };
        row.engine.push(t.ms);
        row.graph.push(t.graphMs);
        rows.set(t.job, row);
      }
      console.log(`  jobs, round ${r + 1}/${rounds} (load ${load()})`);
    }
  } finally {
    await bench.close();
    pre?.stop();
  }
  return [...rows.values()];
}

/** Synthesis of the demo pack at 1 and all threads, spinning on and off: what ORT_THREADS and ORT_SPIN default to. */
async function threadRows(dir: string, batch: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const t of [...new Set([1, availableParallelism()])])
    for (const s of [true, false]) {
      const engine = await openOnnxPack(dir, { provider, threads: t, spinning: s });
      try {
        const stages = await engineStages(engine, batch);
        await stages.synthesis();
        const row: Row = {
          pack: 'demo',
          what: `synthesis, ${t} thread(s), spin ${s ? 'on' : 'off'}`,
          batch,
          engine: [],
          torch: [],
          graph: [],
        };
        for (let r = 0; r < rounds; r++) row.engine.push(await stages.synthesis());
        rows.push(row);
      } finally {
        await engine.close();
      }
    }
  return rows;
}

function table(rows: Row[], jobs: boolean): string {
  const head = jobs
    ? ['pack', 'job', 'pictures', 'ms min / median', 'graphs ms median', 'rest ms median', 'pre-issue / now']
    : ['pack', 'stage', 'batch', 'engine ms min / median', 'torch ms min / median', 'torch / engine'];
  const body = rows.map((r) => {
    if (!jobs) return [r.pack, r.what, String(r.batch), fmt(r.engine), fmt(r.torch), ratio(r.torch, r.engine)];
    const old = rows.find((o) => o.pack === r.pack && o.what === `${r.what}${PRE_ISSUE}`);
    return [
      r.pack,
      r.what,
      String(r.batch),
      fmt(r.engine),
      median(r.graph).toFixed(1),
      (median(r.engine) - median(r.graph)).toFixed(1),
      old ? ratio(old.engine, r.engine) : '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function benchPack(label: string, dir: string, batch: number): Promise<{ stages: Row[]; jobs: Row[] }> {
  const t0 = performance.now();
  const engine = await openOnnxPack(dir, { provider, threads, spinning });
  const m = engine.manifest;
  console.log(
    `${label}: ${m.name} R=${m.resolution} N=${m.numWs} D=${m.domainDim} S=${m.styleDim}, on ${engine.provider}, ${threads} intra-op thread(s), loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  try {
    const stages = await stageRows(label, engine, dir, batch, !flag('--no-torch'));
    const jobs = flag('--no-jobs') ? [] : await jobRows(label, engine, dir);
    return { stages, jobs };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const loadBefore = load();
  const stages: Row[] = [];
  const jobs: Row[] = [];
  // --demo DIR: the trained demo pack's weights in another folder (e.g. re-exported with a newer exporter)
  const demo = path.resolve(root, value('--demo') ?? 'models/demo');
  if (flag('--no-demo')) console.log('skipping models/demo (--no-demo)');
  else if (existsSync(path.join(demo, 'pack.json'))) {
    const out = await benchPack('demo', demo, Number(value('--batch') ?? 4));
    stages.push(...out.stages);
    jobs.push(...out.jobs);
  } else console.log(`skipping ${demo}: no pack.json there`);
  if (!flag('--no-ffhq256')) {
    const dir = await ffhq256Pack(root);
    if (dir) {
      const out = await benchPack('ffhq256', dir, Number(value('--batch-ffhq') ?? 2));
      stages.push(...out.stages);
      jobs.push(...out.jobs);
    }
  }
  const sweep =
    flag('--threads-sweep') && existsSync(path.join(demo, 'pack.json')) ? await threadRows(demo, Number(value('--batch') ?? 4)) : [];
  console.log(
    `\n${rounds} rounds, ${threads} thread(s) on both sides, ${provider}; load average (1/5/15 min) before: ${loadBefore}, after: ${load()}\n`,
  );
  console.log(table(stages, false));
  console.log("\nGraph runs only (the engine's stage clock; PyTorch forward under inference_mode), interleaved in rounds;");
  console.log("pngEncode: sharp, the batch's pictures one by one. torch / engine > 1: the engine is faster.");
  if (jobs.length) {
    console.log(`\n${table(jobs, true)}`);
    console.log('\nWhole jobs through createBot, the queue, the engine, the grid, PNG and SQLite, from command to final message;');
    console.log(`"${PRE_ISSUE.trim()}": the same job, in the same round, through the code of the last commit before issue 13`);
    console.log('(bench/pre-issue.ts) on the same pack and threads; "pre-issue / now" > 1: today\'s bot is faster.');
  }
  if (sweep.length) console.log(`\n${table(sweep, false)}`);
  const out = value('--json');
  if (out)
    await writeFile(
      out,
      JSON.stringify({ rounds, threads, provider, load: { before: loadBefore, after: load() }, stages, jobs, sweep }, null, 2),
    );
}

await main();

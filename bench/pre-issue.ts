// The bot as it was before issue 13, timed in the same rounds as today's: the tree of PRE_ISSUE_COMMIT (the last
// commit before the session that filed the issue) is extracted once into the temp dir with `git archive`, installed
// with its own lock file, and run by bench/pre_issue_worker.ts in a child process (its own engine, stores and
// queue, its own defaults), which the bench asks for one /adapt at a time.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LineWorker } from './line-worker.js';

const run = promisify(execFile);

/** main before the session of 2026-11-29 that filed issue 13 ("Core tests: one in-memory attachment builder") */
export const PRE_ISSUE_COMMIT = '2c9157ffa00f3928a5831382ec24b7f6e5488919';

/** The pre-issue tree, installed; null, with the reason printed, if it cannot be made. */
export async function preIssueTree(root: string): Promise<string | null> {
  const dir = path.join(tmpdir(), `domainshift-bench-pre-issue-${PRE_ISSUE_COMMIT.slice(0, 12)}`);
  // written last: an install that was cut off (its native sqlite3 never built) is redone, not taken for finished
  const installed = path.join(dir, '.bench-installed');
  if (existsSync(installed)) return dir;
  console.log(`installing the pre-issue-13 bot (${PRE_ISSUE_COMMIT.slice(0, 12)}) into ${dir} (once; minutes) …`);
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await run('sh', ['-c', `git -C "${root}" archive ${PRE_ISSUE_COMMIT} | tar -x -C "${dir}"`]);
    await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, timeout: 1_800_000 });
    // the old bot's store is the native sqlite3, built from source by its install script; `npm run bench` passes
    // this project's ignore-scripts=true (.npmrc) on to child npm processes, which keeps `npm ci` from running any
    // (onnxruntime-node's would download CUDA libraries), so that one script is run by name with scripts allowed
    const withScripts = { ...process.env, npm_config_ignore_scripts: 'false' };
    await run('npm', ['rebuild', 'sqlite3'], { cwd: dir, timeout: 1_800_000, env: withScripts });
    writeFileSync(installed, `${new Date().toISOString()}\n`);
  } catch (err) {
    console.log(`no pre-issue rows: ${(err as Error).message.split('\n')[0]}`);
    return null;
  }
  return dir;
}

/**
 * The pack as the old bot can open it: the same files (linked), with pack.json's provenance.source mapped onto the
 * two values the old contract knew ("trained" packs came later: "checkpoints"). Nothing the engine runs changes.
 */
export function packForOldBot(pack: string): string {
  const m = JSON.parse(readFileSync(path.join(pack, 'pack.json'), 'utf8'));
  if (!['random', 'checkpoints'].includes(m.provenance?.source)) m.provenance = { ...m.provenance, source: 'checkpoints' };
  const dir = path.join(tmpdir(), `domainshift-bench-pre-issue-pack-${path.basename(pack)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const f of readdirSync(pack)) if (f !== 'pack.json') symlinkSync(path.join(path.resolve(pack), f), path.join(dir, f));
  writeFileSync(path.join(dir, 'pack.json'), JSON.stringify(m, null, 2));
  return dir;
}

export interface JobMs {
  ms: number;
  /** of which ONNX graph runs (its engine's stage clock) */
  graphMs: number;
}

export class PreIssueBot {
  private constructor(private readonly worker: LineWorker) {}

  static async start(root: string, tree: string, pack: string, threads: number): Promise<PreIssueBot | string> {
    const worker = LineWorker.spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'bench/pre_issue_worker.ts')], tree, {
      ...process.env,
      PRE_ISSUE_TREE: tree,
    });
    const ready = await worker.ask({ setup: packForOldBot(pack), threads });
    if ('error' in ready) {
      worker.stop();
      return String(ready.error);
    }
    return new PreIssueBot(worker);
  }

  /** one /adapt through the old bot, from command to final message */
  adapt(prompt: string, seed: number, count: number): Promise<JobMs> {
    return this.job('/adapt', { adapt: { prompt, seed, count } });
  }

  /** the Strength + button under the last /adapt's result */
  strengthUp(): Promise<JobMs> {
    return this.job('Strength +', { strengthUp: true });
  }

  private async job(name: string, req: object): Promise<JobMs> {
    const out = await this.worker.ask(req);
    if (typeof out.ms !== 'number') throw new Error(`pre-issue ${name}: ${String(out.error ?? 'no answer')}`);
    return { ms: out.ms, graphMs: Number(out.graphMs) };
  }

  stop(): void {
    this.worker.stop();
  }
}

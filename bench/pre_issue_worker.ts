// Runs inside the pre-issue-13 tree (cwd, PRE_ISSUE_TREE), loading that tree's own engine, stores, queue and
// commands: one JSON request a line on stdin, one answer a line on stdout (bench/pre-issue.ts is the other end).
//   {"setup": PACK_DIR, "threads": 2}                        -> {"ok": true}
//   {"adapt": {"prompt": "...", "seed": 1, "count": 4}}      -> {"ms": ..., "graphMs": ...}
//   {"strengthUp": true}                                     -> the Strength + button of the last result, timed
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

// the old tree's types are not this tree's: only the parts used here
interface Message {
  text: string;
  files?: unknown[];
  buttons?: Array<Array<{ id: string; label: string }>>;
}
interface Posted {
  id: string;
  edit(m: Message): Promise<void>;
  delete(): Promise<void>;
}
interface OldBot {
  handleCommand(ctx: unknown, inv: { command: string; options: Record<string, unknown> }): Promise<void>;
  handleButton(ctx: unknown, id: string): Promise<void>;
}
interface OldEngine {
  stageTimes: Record<string, number>;
  resetStageTimes(): void;
}

const tree = process.env.PRE_ISSUE_TREE ?? process.cwd();
const load = (rel: string) => import(path.join(tree, rel));
const GRAPHS = ['clipText', 'clipImage', 'hypernet', 'mapping', 'synthesis', 'encoder'];
let bot: OldBot;
let engine: OldEngine;
let last: Message | undefined;
// the old tree's own prints must not reach stdout, which carries the answers
console.log = console.error;

async function setup(pack: string, threads: number): Promise<object> {
  const [{ openPack }, { Stores }, { assembleServices }, { createBot }, { allCommands }] = await Promise.all(
    ['src/engine/index.ts', 'src/core/stores.ts', 'src/core/services.ts', 'src/core/bot.ts', 'commands/index.ts'].map(load),
  );
  engine = await openPack(pack, { provider: 'cpu', threads });
  const stores = await Stores.open(`sqlite://${path.join(mkdtempSync(path.join(tmpdir(), 'ds-pre13-')), 'bot.sqlite')}`);
  bot = createBot(assembleServices({ engines: [engine], stores, log: { info: () => {}, error: () => {} } }), allCommands());
  return { ok: true };
}

/** Runs one job through the old bot, from the event to its final message. */
async function timed(run: (ctx: unknown) => Promise<void>): Promise<object> {
  let latest: Message | undefined;
  const edit = async (e: Message) => {
    latest = e;
  };
  const ctx = {
    actor: { id: 'bench', name: 'Bench', isManager: true },
    place: { platform: 'playground', serverId: 'bench', channelId: 'c1' },
    reply: async (m: Message): Promise<Posted> => {
      latest = m;
      return { id: 'm1', edit, delete: async () => undefined };
    },
    source: { id: 'm1', edit, delete: async () => undefined },
  };
  engine.resetStageTimes();
  const t0 = performance.now();
  await run(ctx);
  const ms = performance.now() - t0;
  if (!latest?.files?.length) return { error: `no picture came back: ${latest?.text ?? 'no message'}` };
  last = latest;
  return { ms, graphMs: GRAPHS.reduce((s, k) => s + (engine.stageTimes[k] ?? 0), 0) };
}

function strengthUp(): Promise<object> {
  const id = last?.buttons?.flat().find((b) => b.label === 'Strength +')?.id;
  if (!id) return Promise.resolve({ error: 'the last result has no Strength + button' });
  return timed((ctx) => bot.handleButton(ctx, id));
}

for await (const line of createInterface({ input: process.stdin })) {
  let answer: object;
  try {
    const req = JSON.parse(line);
    answer = req.setup
      ? await setup(req.setup, req.threads)
      : req.adapt
        ? await timed((ctx) => bot.handleCommand(ctx, { command: 'adapt', options: req.adapt }))
        : req.strengthUp
          ? await strengthUp()
          : { error: 'unknown request' };
  } catch (err) {
    answer = { error: (err as Error).message.split('\n')[0] };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
process.exit(0);

// Whole jobs as the bot runs them: the command goes through createBot, the job queue, the engine, the grid, PNG
// encoding and the SQLite store, and is timed from the command to the final message. /adapt and its Strength +
// also run, in the same round, through the bot as it was before issue 13 (bench/pre-issue.ts: that commit's own
// code in a child process, on the same pack and thread count).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allCommands } from '../commands/index.js';
import { createBot } from '../src/core/bot.js';
import type { Attachment, Bot, CommandContext, OutgoingMessage, PostedMessage } from '../src/core/platform.js';
import { assembleServices, type BotServices } from '../src/core/services.js';
import { Stores } from '../src/core/stores.js';
import type { OnnxEngine } from '../src/engine/engine.js';
import { GRAPH_STAGES } from '../src/cli/bench-engine.js';
import type { PreIssueBot } from './pre-issue.js';

export interface JobTiming {
  job: string;
  /** pictures the job makes (a Stylize: one photo) */
  samples: number;
  ms: number;
  /** of which ONNX graph runs (the engine's stage clock) */
  graphMs: number;
}

/** the label of a job run by the pre-issue bot */
export const PRE_ISSUE = ' (pre-issue bot)';

// targets in the demo pack's vocabulary (a pack with a vocabulary refuses other words), a new one each round
const STYLES = [
  'a pencil sketch',
  'a zombie',
  'a marble statue',
  'pixel art',
  'pop art',
  'a watercolor painting',
  'a photo at night',
  'neon art',
  'a sepia photo',
];
const WITH = ['', ' with glasses', ' with red hair', ' with blue eyes', ' with long hair'];
export const roundTarget = (r: number) => `${STYLES[r % STYLES.length]}${WITH[Math.floor(r / STYLES.length) % WITH.length]}`;

/** A chat place that keeps the latest version of each message it was sent, like a platform would show it. */
class Channel {
  latest: OutgoingMessage | undefined;
  context(source?: PostedMessage): CommandContext {
    const post = (m: OutgoingMessage): PostedMessage => {
      this.latest = m;
      return {
        id: 'm1',
        edit: async (e) => {
          this.latest = e;
        },
        delete: async () => undefined,
      };
    };
    return {
      actor: { id: 'bench', name: 'Bench', isManager: true },
      place: { platform: 'playground', serverId: 'bench', channelId: 'c1' },
      reply: async (m) => post(m),
      source,
    };
  }
}

function photo(root: string): Attachment {
  const data = readFileSync(path.join(root, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'));
  return {
    name: 'sample1.jpg',
    contentType: 'image/jpeg',
    size: data.byteLength,
    url: 'https://cdn.bench/sample1.jpg',
    download: async () => data,
  };
}

export class JobBench {
  private constructor(
    private readonly engine: OnnxEngine,
    private readonly bot: Bot,
    private readonly services: BotServices,
    private pre: PreIssueBot | null,
    private readonly dir: string,
    private readonly picture: Attachment,
  ) {}

  static async open(root: string, engine: OnnxEngine, pre: PreIssueBot | null): Promise<JobBench> {
    const dir = mkdtempSync(path.join(tmpdir(), 'ds-bench-'));
    const services = assembleServices({
      engines: [engine],
      stores: await Stores.open(`sqlite://${path.join(dir, 'bench.sqlite')}`),
      log: { info: () => {}, error: () => {} },
    });
    return new JobBench(engine, createBot(services, allCommands()), services, pre, dir, photo(root));
  }

  /** Runs one job and checks that it ended with a picture (a refusal or failure stops the bench with its text). */
  private async timed(
    job: string,
    channel: Channel,
    run: (bot: Bot, channel: Channel) => Promise<void>,
  ): Promise<JobTiming & { resultId: string; buttons: string[] }> {
    this.engine.resetStageTimes();
    const t0 = performance.now();
    await run(this.bot, channel);
    const ms = performance.now() - t0;
    const graphMs = GRAPH_STAGES.reduce((s, k) => s + (this.engine.stageTimes[k] ?? 0), 0);
    const msg = channel.latest;
    if (!msg?.files?.length) throw new Error(`${job}: no picture came back: ${msg?.text ?? 'no message'}`);
    const resultId = /result `([^`]+)`/.exec(msg.text)?.[1] ?? '';
    return { job, samples: 0, ms, graphMs, resultId, buttons: (msg.buttons ?? []).flat().map((b) => b.id) };
  }

  /** today's /adapt and Strength + on it; the id of the /adapt result */
  private async adaptNow(options: { prompt: string; seed: number; count: number }): Promise<{ timings: JobTiming[]; resultId: string }> {
    const ch = new Channel();
    const first = await this.timed('/adapt', ch, (b, c) => b.handleCommand(c.context(), { command: 'adapt', options }));
    const up = first.buttons.find((id) => id.includes(':str:') && id.endsWith(':up'));
    if (!up) throw new Error('/adapt: no Strength + button');
    const again = await this.timed('Strength +', ch, (b, c) =>
      b.handleButton(c.context({ id: 'm1', edit: async () => {}, delete: async () => {} }), up),
    );
    return { timings: [first, again], resultId: first.resultId };
  }

  private async adaptPre(options: { prompt: string; seed: number; count: number }): Promise<JobTiming[]> {
    if (!this.pre) return [];
    try {
      const first = await this.pre.adapt(options.prompt, options.seed, options.count);
      const again = await this.pre.strengthUp();
      return [
        { job: `/adapt${PRE_ISSUE}`, samples: 0, ...first },
        { job: `Strength +${PRE_ISSUE}`, samples: 0, ...again },
      ];
    } catch (err) {
      // the old code may not run on a pack made after it: today's rows still count, without the comparison
      console.log(`  pre-issue bot stopped: ${(err as Error).message}`);
      this.pre.stop();
      this.pre = null;
      return [];
    }
  }

  /** One round: each job once, with a new prompt and new seeds (nothing cached from earlier rounds). */
  async round(r: number, samples: number): Promise<JobTiming[]> {
    const target = roundTarget(r + 1);
    const adapt = { prompt: `a photo of a face → ${target}`, seed: 1000 + (r + 1) * 64, count: samples };
    const out: JobTiming[] = [];
    // today's bot and the pre-issue one take turns going first
    const before = r % 2 ? await this.adaptPre(adapt) : [];
    const now = await this.adaptNow(adapt);
    const after = r % 2 ? [] : await this.adaptPre(adapt);
    out.push(...now.timings, ...before, ...after);
    out.push(
      await this.timed('Stylize', new Channel(), (b, c) =>
        b.handleCommand(c.context(), { command: 'stylize', options: { image: this.picture, target } }),
      ),
    );
    out.push(
      await this.timed('/edit', new Channel(), (b, c) =>
        b.handleCommand(c.context(), { command: 'edit', options: { text: 'smiling', result: now.resultId, strength: 1 } }),
      ),
    );
    return out.map(({ job, ms, graphMs }) => ({ job, samples: job === 'Stylize' ? 1 : samples, ms, graphMs }));
  }

  async close(): Promise<void> {
    await this.services.jobs.onIdle();
    await this.services.stores.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

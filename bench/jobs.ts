// Whole jobs as the bot runs them: the command goes through createBot, the job queue, the engine, the grid, PNG
// encoding and the SQLite store, and is timed from the command to the final message. Two bots share the pack: the
// one as shipped, and one with the picture cache off, which renders every result the way it was done before issue
// 13 (the "before" row drawn again for every result).
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

export interface JobTiming {
  job: string;
  /** pictures the job makes (a Stylize: one photo) */
  samples: number;
  ms: number;
  /** of which ONNX graph runs (the engine's stage clock) */
  graphMs: number;
}

/** A chat place that keeps the latest version of each message it was sent, like a platform would show it. */
class Channel {
  latest: OutgoingMessage | undefined;
  context(source?: PostedMessage): CommandContext {
    const post = (m: OutgoingMessage): PostedMessage => {
      this.latest = m;
      return { id: 'm1', edit: async (e) => { this.latest = e; }, delete: async () => undefined };
    };
    return { actor: { id: 'bench', name: 'Bench', isManager: true }, place: { platform: 'playground', serverId: 'bench', channelId: 'c1' }, reply: async (m) => post(m), source };
  }
}

function photo(root: string): Attachment {
  const data = readFileSync(path.join(root, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'));
  return { name: 'sample1.jpg', contentType: 'image/jpeg', size: data.byteLength, url: 'https://cdn.bench/sample1.jpg', download: async () => data };
}

export class JobBench {
  private constructor(
    private readonly engine: OnnxEngine,
    private readonly bots: { now: Bot; before13: Bot },
    private readonly services: BotServices[],
    private readonly dir: string,
    private readonly picture: Attachment,
  ) {}

  static async open(root: string, engine: OnnxEngine): Promise<JobBench> {
    const dir = mkdtempSync(path.join(tmpdir(), 'ds-bench-'));
    const open = async (name: string, pictureCacheBytes?: number) =>
      assembleServices({ engines: [engine], stores: await Stores.open(`sqlite://${path.join(dir, `${name}.sqlite`)}`), log: { info: () => {}, error: () => {} }, pictureCacheBytes });
    const now = await open('now');
    const before13 = await open('before13', 0);
    return new JobBench(engine, { now: createBot(now, allCommands()), before13: createBot(before13, allCommands()) }, [now, before13], dir, photo(root));
  }

  /** Runs one job and checks that it ended with a picture (a refusal or failure stops the bench with its text). */
  private async timed(job: string, bot: Bot, channel: Channel, run: (bot: Bot, channel: Channel) => Promise<void>): Promise<JobTiming & { resultId: string; buttons: string[] }> {
    this.engine.resetStageTimes();
    const t0 = performance.now();
    await run(bot, channel);
    const ms = performance.now() - t0;
    const graphMs = GRAPH_STAGES.reduce((s, k) => s + (this.engine.stageTimes[k] ?? 0), 0);
    const msg = channel.latest;
    if (!msg?.files?.length) throw new Error(`${job}: no picture came back: ${msg?.text ?? 'no message'}`);
    const resultId = /result `([^`]+)`/.exec(msg.text)?.[1] ?? '';
    return { job, samples: 0, ms, graphMs, resultId, buttons: (msg.buttons ?? []).flat().map((b) => b.id) };
  }

  /** One round: each job once, with a new prompt and new seeds (nothing cached from earlier rounds). */
  async round(r: number, samples: number): Promise<JobTiming[]> {
    const prompt = `a photo of a face → bench style ${r}`;
    const adapt = { command: 'adapt', options: { prompt, seed: 1000 + r * 64, count: samples } };
    const out: JobTiming[] = [];
    // the current bot and the one as before issue 13 take turns going first
    const order = r % 2 ? (['before13', 'now'] as const) : (['now', 'before13'] as const);
    let editFrom = '';
    for (const which of order) {
      const bot = this.bots[which];
      const ch = new Channel();
      const suffix = which === 'now' ? '' : ' (before #13)';
      const first = await this.timed(`/adapt${suffix}`, bot, ch, (b, c) => b.handleCommand(c.context(), adapt));
      const up = first.buttons.find((id) => id.includes(':str:') && id.endsWith(':up'));
      if (!up) throw new Error('/adapt: no Strength + button');
      const again = await this.timed(`Strength +${suffix}`, bot, ch, (b, c) => b.handleButton(c.context({ id: 'm1', edit: async () => {}, delete: async () => {} }), up));
      out.push(first, again);
      if (which === 'now') editFrom = first.resultId;
    }
    const bot = this.bots.now;
    out.push(await this.timed('Stylize', bot, new Channel(), (b, c) => b.handleCommand(c.context(), { command: 'stylize', options: { image: this.picture, target: `bench style ${r}` } })));
    out.push(await this.timed('/edit', bot, new Channel(), (b, c) => b.handleCommand(c.context(), { command: 'edit', options: { text: 'smiling', result: editFrom, strength: 3 } })));
    return out.map(({ job, ms, graphMs }) => ({ job, samples: job === 'Stylize' ? 1 : samples, ms, graphMs }));
  }

  async close(): Promise<void> {
    for (const s of this.services) {
      await s.jobs.onIdle();
      await s.stores.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

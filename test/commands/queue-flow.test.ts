// Queue positions and cancel buttons as a user sees them: /adapt waits behind another job, shows its
// position, and its cancel button works for its owner only; /queue lists it with positions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../src/core/bot.js';
import { allCommands } from '../../commands/index.js';
import type { Bot } from '../../src/core/platform.js';
import { Recorder } from '../core/recording.js';
import { openTestServices, type TestServices } from '../core/helpers.js';

let t: TestServices;
let bot: Bot;
beforeAll(async () => {
  t = await openTestServices();
  bot = createBot(t.services, allCommands());
});
afterAll(async () => t?.cleanup());

async function until(cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('queued /adapt', () => {
  it('shows its position, lists in /queue, and is cancelled by its owner before rendering', async () => {
    // another user's long job holds the device
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const blocker = await t.services.jobs.submit({
      userId: 'other',
      serverId: 's1',
      kind: 'test',
      description: 'a long job',
      run: () => held,
    });

    const rec = new Recorder();
    const ada = { id: 'ada', name: 'Ada', isManager: false };
    const generateBefore = t.engine.calls.generate ?? 0;
    const pending = bot.handleCommand(rec.context({ actor: ada }), {
      command: 'adapt',
      options: { prompt: 'cat → lion', seed: 4, count: 1 },
    });
    await until(() => rec.messages.length === 1);
    const progress = rec.messages[0];
    expect(progress.latest.text).toMatch(/queued, position 1/);
    const cancelId = Recorder.buttonIds(progress).find((id) => id.startsWith('queue:cancel:'))!;
    const jobId = cancelId.split(':')[2];

    // /queue shows it with its position
    const q = new Recorder();
    await bot.handleCommand(q.context({ actor: ada }), { command: 'queue', options: {} });
    expect(q.messages[0].latest.text).toContain(`\`${jobId}\` /adapt cat → lion — position 1`);
    expect(Recorder.buttonIds(q.messages[0])).toContain(cancelId);

    // someone else cannot cancel it
    const bo = new Recorder();
    await bot.handleButton(bo.context({ actor: { id: 'bo', name: 'Bo', isManager: false }, source: progress }), cancelId);
    expect(bo.messages[0].latest.text).toMatch(/only cancel your own jobs/);

    // its owner can
    await bot.handleButton(rec.context({ actor: ada, source: progress }), cancelId);
    await pending;
    expect(progress.latest.text).toMatch(/cancelled/);
    const texts = rec.messages.map((m) => m.latest.text);
    expect(texts).toContain(`Cancelled job \`${jobId}\`.`);
    expect(texts).toContain('This job was cancelled.');
    release();
    await blocker.result;
    expect(t.engine.calls.generate ?? 0).toBe(generateBefore); // nothing was rendered
    expect(await t.services.jobs.list()).toEqual([]);
  });
});

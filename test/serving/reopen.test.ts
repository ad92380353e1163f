// Delivery by another front end: a message the bot posted is reopened from its handle alone (plain data, as it
// travels through Redis) and edited into the result. Real discord.js and Bolt against the loopback stand-ins:
// Discord edits through the channel route (no interaction token), Slack through chat.update on channel + ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot, CommandContext, MessageHandle, PostedMessage } from '../../src/core/platform.js';
import { startHarness as startDiscordHarness, type Harness as DiscordHarness } from '../platforms/discord/harness.js';
import { slashCommand } from '../platforms/discord/payloads.js';
import { CHANNEL, startHarness as startSlackHarness, type Harness as SlackHarness } from '../platforms/slack/harness.js';
import { testPng } from '../platforms/slack/test-bot.js';

/** a bot whose one command posts a progress message and keeps it, as runAsJob does */
function progressBot(posted: PostedMessage[], reply: (ctx: CommandContext) => Promise<PostedMessage>): Bot {
  return {
    specs: [
      {
        name: 'adapt',
        description: 'A new domain from text',
        kind: 'slash',
        options: [{ name: 'prompt', description: 'p', type: 'string' }],
      },
    ],
    wantsModal: () => false,
    handleCommand: async (ctx) => void posted.push(await reply(ctx)),
    handleButton: async () => undefined,
    handleModal: async () => undefined,
  };
}

/** the handle as another process gets it: through JSON */
const travelled = (h: MessageHandle | undefined): MessageHandle => JSON.parse(JSON.stringify(h));

describe('Discord: a message reopened from its handle', () => {
  const posted: PostedMessage[] = [];
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await startDiscordHarness(progressBot(posted, (ctx) => ctx.reply({ text: '⏳ /adapt — queued, position 2' })));
  });
  afterAll(() => h?.stop());

  it('is edited into the result, file included, through the channel route', async () => {
    await h.interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'a zombie' }]));
    const handle = travelled(posted[0].handle);
    expect(handle).toMatchObject({ platform: 'discord', messageId: posted[0].id });
    const before = h.discord.requests.length;
    await h.handle
      .reopen(handle)
      .edit({ text: '**Domain:** a zombie', files: [{ name: 'grid.png', data: await testPng(), contentType: 'image/png' }], buttons: [] });
    const edits = h.discord.requests.slice(before).filter((r) => r.method === 'PATCH');
    expect(edits.map((r) => r.path)).toEqual([`/channels/${handle.channelId}/messages/${handle.messageId}`]);
    expect(edits[0].body.content).toBe('**Domain:** a zombie');
    expect(edits[0].files.map((f) => f.name)).toEqual(['grid.png']);
  });

  it('gives no handle for a private answer, which no other process could edit', async () => {
    const p = progressBot(posted, (ctx) => ctx.reply({ text: 'only you', private: true }));
    const own = await startDiscordHarness(p);
    try {
      await own.interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }]));
      expect(posted.at(-1)!.handle).toBeUndefined();
    } finally {
      await own.stop();
    }
  });
});

describe('Slack: a message reopened from its handle', () => {
  const posted: PostedMessage[] = [];
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness(progressBot(posted, (ctx) => ctx.reply({ text: '⏳ /adapt — queued, position 2' })));
  });
  afterAll(() => h?.stop());

  it('is edited into the result with chat.update on its channel and ts, the picture uploaded to its thread', async () => {
    await h.slash('/adapt', 'a zombie');
    await h.app.idle();
    const handle = travelled(posted[0].handle);
    expect(handle).toMatchObject({ platform: 'slack', channel: CHANNEL });
    await h.app
      .reopen(handle)
      .edit({ text: '**Domain:** a zombie', files: [{ name: 'grid.png', data: await testPng(), contentType: 'image/png' }], buttons: [] });
    const update = (await h.fake.waitFor('chat.update', (c) => c.args.ts === handle.ts)).at(-1)!;
    expect(update.args.channel).toBe(CHANNEL);
    expect(String(update.args.text)).toContain('Domain');
    expect(h.fake.callsTo('files.completeUploadExternal').length).toBeGreaterThan(0);
  });
});

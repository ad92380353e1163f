// The real discord.js client, connected to a loopback Discord (gateway + REST), driven by raw interactions.
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordHandle } from '../../../src/platforms/discord/index.js';
import { APP_ID, CHANNEL_ID, type FakeDiscord, UNKNOWN_INTERACTION, type RecordedRequest } from './fake-discord.js';
import { buttonPress, MANAGE_GUILD, messageJSON, slashCommand, USER_ID } from './payloads.js';
import { startHarness, TOKEN, type Harness } from './harness.js';
import { ScriptedBot } from './scripted-bot.js';

const EDIT_INTERVAL_MS = 300;
const BUTTON_GRACE_MS = 300;

const bot = new ScriptedBot();
let h: Harness;
let discord: FakeDiscord;
let handle: DiscordHandle;
let logs: string[];
const interact = (payload: any) => h.interact(payload);

const isCallback = (r: RecordedRequest) => r.method === 'POST' && r.path.endsWith('/callback');
const tokenOf = (payload: any) => payload.token as string;
const forToken = (payload: any) => (r: RecordedRequest) => r.path.includes(tokenOf(payload));

beforeAll(async () => {
  h = await startHarness(bot, { editIntervalMs: EDIT_INTERVAL_MS, buttonGraceMs: BUTTON_GRACE_MS });
  ({ discord, handle, logs } = h);
});

afterAll(async () => {
  await h?.stop();
});

beforeEach(() => {
  discord.overrides = [];
  bot.reset();
});

describe('gateway', () => {
  it('identifies with the Guilds intent only and the token from the options', () => {
    expect(discord.identifies).toHaveLength(1);
    expect(discord.identifies[0].intents).toBe(1);
    expect(discord.identifies[0].token).toBe(TOKEN);
    expect(handle.client.isReady()).toBe(true);
  });

  it('logs a dropped gateway connection, the reconnect and the resume, and keeps answering', async () => {
    const before = logs.length;
    discord.dropGateway();
    await expect.poll(() => discord.resumes.length, { timeout: 20_000 }).toBe(1);
    expect(discord.resumes[0].session_id).toBe('session-1');
    await expect.poll(() => logs.slice(before).join('\n'), { timeout: 10_000 }).toMatch(/resumed/);
    const lines = logs.slice(before).join('\n');
    expect(lines).toMatch(/shard 0 reconnecting to the gateway/);
    expect(lines).toMatch(/shard 0 resumed/);
    expect(discord.identifies).toHaveLength(1);
    bot.onCommand = async (ctx) => void (await ctx.reply({ text: 'still here' }));
    const payload = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'after the drop' }]);
    const since = discord.requests.length;
    await interact(payload);
    await discord.waitFor((r) => r.method === 'PATCH' && r.path.includes(tokenOf(payload)), since);
  });
});

describe('slash commands', () => {
  it('defers at once, then edits the deferred reply with files and buttons, then follows up', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f80' } })
      .png()
      .toBuffer();
    bot.onCommand = async (ctx) => {
      await new Promise((r) => setTimeout(r, 100)); // a job that takes a moment
      await ctx.reply({
        text: '**dog → cat**',
        files: [{ name: 'grid.png', data: png, contentType: 'image/png' }],
        buttons: [
          [
            { id: 'adapt:vote:up', label: 'Like', emoji: '👍', style: 'success' },
            { id: 'adapt:more', label: 'More' },
          ],
        ],
      });
      await ctx.reply({ text: 'and one more thing' });
    };
    const payload = slashCommand('adapt', [
      { name: 'prompt', type: 3, value: 'dog → cat' },
      { name: 'strength', type: 10, value: 1.5 },
    ]);
    const sent = await interact(payload);
    expect(bot.calls[0]!.inv).toEqual({ command: 'adapt', options: { prompt: 'dog → cat', strength: 1.5 } });
    const mine = sent.filter(forToken(payload));
    expect(mine.map((r) => `${r.method} ${r.path.replace(tokenOf(payload), 'TOKEN')}`)).toEqual([
      `POST /interactions/${payload.id}/TOKEN/callback`,
      `PATCH /webhooks/${APP_ID}/TOKEN/messages/@original`,
      `POST /webhooks/${APP_ID}/TOKEN`,
    ]);
    const [callback, edit, followUp] = mine as [RecordedRequest, RecordedRequest, RecordedRequest];
    expect(callback.body.type).toBe(5);
    // the defer goes out before the job's 100 ms of work
    expect(edit.at - callback.at).toBeGreaterThanOrEqual(90);
    expect(edit.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(edit.body.content).toBe('**dog → cat**');
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0]!.name).toBe('grid.png');
    expect(edit.files[0]!.data.equals(png)).toBe(true);
    expect(edit.body.components).toEqual([
      {
        type: 1,
        components: [
          {
            type: 2,
            custom_id: 'adapt:vote:up',
            label: 'Like',
            emoji: { name: '👍', animated: false, id: undefined },
            style: 3,
            disabled: false,
          },
          { type: 2, custom_id: 'adapt:more', label: 'More', style: 2, disabled: false },
        ].map((c) => JSON.parse(JSON.stringify(c))),
      },
    ]);
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
    expect(followUp.body.content).toBe('and one more thing');
    expect(followUp.headers.authorization).toBeUndefined();
  });

  it('reads the actor and the place from the interaction, managers from ManageGuild', async () => {
    await interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'a' }], [], { permissions: MANAGE_GUILD }));
    await interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'b' }], [], { permissions: '0' }));
    const [manager, member] = bot.calls;
    expect(manager!.ctx.actor).toEqual({ id: expect.any(String), name: 'Ada', isManager: true });
    expect(manager!.ctx.place).toEqual({ platform: 'discord', serverId: expect.any(String), channelId: CHANNEL_ID });
    expect(member!.ctx.actor.isManager).toBe(false);
  });

  it('passes subcommands and their options', async () => {
    await interact(slashCommand('domains', [{ name: 'delete', type: 1, options: [{ name: 'name', type: 3, value: 'pixar' }] }]));
    expect(bot.calls[0]!.inv).toMatchObject({ command: 'domains', subcommand: 'delete', options: { name: 'pixar' } });
  });
});

describe('edits', () => {
  it('throttles edits of one message and always delivers the last one', async () => {
    bot.onCommand = async (ctx) => {
      const posted = await ctx.reply({ text: 'queued' });
      const edits: Promise<void>[] = [];
      for (let i = 1; i <= 8; i++) {
        edits.push(posted.edit({ text: `progress ${i}/8` }));
        await new Promise((r) => setTimeout(r, 40));
      }
      await Promise.all(edits);
    };
    const payload = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }]);
    const sent = (await interact(payload)).filter((r) => r.method === 'PATCH' && forToken(payload)(r));
    // the reply itself, then throttled edits: 8 edits over ~320 ms fit in two intervals
    expect(sent.map((r) => r.body.content)[0]).toBe('queued');
    expect(sent.length).toBeLessThanOrEqual(3);
    expect(sent.at(-1)!.body.content).toBe('progress 8/8');
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS - 20);
  });

  it('replaces the files on an edit that has files, and keeps them on an edit without', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#00f' } })
      .png()
      .toBuffer();
    bot.onCommand = async (ctx) => {
      const posted = await ctx.reply({ text: 'progress 50%' });
      await posted.edit({ text: 'result', files: [{ name: 'result.png', data: png, contentType: 'image/png' }] });
      await posted.edit({ text: 'result 👍 1' });
    };
    const payload = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }]);
    const patches = (await interact(payload)).filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.body.content)).toEqual(['progress 50%', 'result', 'result 👍 1']);
    expect(patches[1]!.body.attachments.map((a: any) => String(a.id))).toEqual(['0']); // only the new upload
    expect(patches[1]!.files.map((f) => f.name)).toEqual(['result.png']);
    expect(patches[2]!.body).not.toHaveProperty('attachments');
    expect(patches[2]!.files).toEqual([]);
  });

  it('leaves 429s to discord.js: a rate-limited edit is retried after retry_after and lands', async () => {
    let limited = 0;
    discord.overrides.push((r) => {
      if (r.method === 'PATCH' && r.body?.content === 'final' && limited++ === 0) {
        return {
          status: 429,
          body: { message: 'You are being rate limited.', retry_after: 0.25, global: false },
          headers: { 'retry-after': '0.25', 'x-ratelimit-scope': 'user' },
        };
      }
      return undefined;
    });
    bot.onCommand = async (ctx) => {
      const posted = await ctx.reply({ text: 'working' });
      await posted.edit({ text: 'final' });
    };
    const payload = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }]);
    const finals = (await interact(payload)).filter((r) => r.method === 'PATCH' && r.body?.content === 'final');
    expect(finals).toHaveLength(2);
    expect(finals[1]!.at - finals[0]!.at).toBeGreaterThanOrEqual(200);
  });
});

describe('buttons', () => {
  it('defers the update, edits the message holding the button, and answers privately in a follow-up', async () => {
    bot.onButton = async (ctx) => {
      await ctx.source!.edit({ text: '👍 1', buttons: [[{ id: 'adapt:vote:up', label: '1' }]] });
      await ctx.reply({ text: 'vote counted', private: true });
    };
    const message = messageJSON([], 'a result');
    const payload = buttonPress('adapt:vote:up', message);
    const mine = (await interact(payload)).filter(forToken(payload));
    expect(mine.map((r) => `${r.method} ${r.path.replace(tokenOf(payload), 'TOKEN')}`)).toEqual([
      `POST /interactions/${payload.id}/TOKEN/callback`,
      `PATCH /webhooks/${APP_ID}/TOKEN/messages/@original`,
      `POST /webhooks/${APP_ID}/TOKEN`,
    ]);
    expect(mine[0]!.body.type).toBe(6);
    expect(mine[1]!.body.content).toBe('👍 1');
    expect(mine[2]!.body.flags).toBe(64);
    expect(bot.calls[0]!.id).toBe('adapt:vote:up');
    expect(bot.calls[0]!.ctx.source!.id).toBe(message.id);
  });
});

describe('buttons that open a modal or take their time', () => {
  it('lets a button answer with a modal as its first answer', async () => {
    bot.onButton = async (ctx) => {
      await ctx.openModal!({
        id: 'adapt:save:r1',
        title: 'Save this domain',
        fields: [{ id: 'name', label: 'Name', kind: 'text', required: true }],
      });
    };
    const payload = buttonPress('adapt:save:r1', messageJSON([], 'a result'));
    const mine = (await interact(payload)).filter(forToken(payload));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toMatchObject({ type: 9, data: { custom_id: 'adapt:save:r1', title: 'Save this domain' } });
  });

  it('acknowledges a slow button within the grace time, before its answer', async () => {
    const payload = buttonPress('adapt:more:r1', messageJSON([], 'a result'));
    // the answer waits until Discord has the ack: an adapter that acked only with the answer would never finish
    bot.onButton = async (ctx) => {
      while (!discord.requests.some((r) => forToken(payload)(r) && r.method === 'POST')) await new Promise((r) => setTimeout(r, 20));
      await ctx.source!.edit({ text: 'rendered more samples' });
    };
    const mine = (await interact(payload)).filter(forToken(payload));
    expect(mine.map((r) => r.method)).toEqual(['POST', 'PATCH']);
    expect(mine[0]!.body.type).toBe(6);
  });

  it('acknowledges a button that answers nothing', async () => {
    bot.onButton = async () => undefined;
    const payload = buttonPress('adapt:noop', messageJSON([], 'a result'));
    const mine = (await interact(payload)).filter(forToken(payload));
    expect(mine.map((r) => r.body.type)).toEqual([6]);
  });
});

describe('when the interaction is gone', () => {
  it('answers in the channel after "Unknown interaction" (10062)', async () => {
    discord.overrides.push((r) => (isCallback(r) ? UNKNOWN_INTERACTION : undefined));
    bot.onCommand = async (ctx) => {
      const posted = await ctx.reply({ text: 'late result' });
      await posted.edit({ text: 'late result, edited' });
    };
    const payload = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }]);
    const sent = await interact(payload);
    expect(sent.filter((r) => r.path.startsWith('/webhooks/'))).toEqual([]);
    const post = sent.find((r) => r.method === 'POST' && r.path === `/channels/${CHANNEL_ID}/messages`);
    expect(post?.body.content).toMatch(/late result$/);
    expect(post?.body.content).toContain(`<@`);
    const edit = sent.find((r) => r.method === 'PATCH' && r.path.startsWith(`/channels/${CHANNEL_ID}/messages/`));
    expect(edit?.body.content).toBe('late result, edited');
  });

  it('sends a private answer by direct message when the interaction is gone', async () => {
    discord.overrides.push((r) => (isCallback(r) ? UNKNOWN_INTERACTION : undefined));
    bot.onCommand = async (ctx) => void (await ctx.reply({ text: 'only for you', private: true }));
    const sent = await interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }]));
    const dm = sent.find((r) => r.method === 'POST' && r.path === '/users/@me/channels');
    expect(dm?.body.recipient_id).toBe(USER_ID);
    const post = sent.find((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path));
    expect(post?.path).not.toBe(`/channels/${CHANNEL_ID}/messages`); // never in the public channel
    expect(post?.body.content).toBe('only for you');
  });

  it('does not use an interaction token older than 15 minutes', async () => {
    bot.onCommand = async (ctx) => void (await ctx.reply({ text: 'done after a long queue' }));
    const payload = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }], [], { ageMs: 16 * 60_000 });
    const sent = await interact(payload);
    expect(sent.filter((r) => r.path.startsWith('/webhooks/'))).toEqual([]);
    expect(sent.find((r) => r.path === `/channels/${CHANNEL_ID}/messages`)?.body.content).toContain('done after a long queue');
  });
});

describe('failures', () => {
  it('survives a REST 500 in the middle of a job and keeps serving', async () => {
    discord.overrides.push((r) =>
      r.method === 'PATCH' && r.body?.content === 'boom' ? { status: 500, body: { message: 'oops' } } : undefined,
    );
    bot.onCommand = async (ctx) => void (await ctx.reply({ text: 'boom' }));
    const first = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'x' }]);
    const sent = (await interact(first)).filter(forToken(first));
    // the user is told, privately, that something went wrong
    const apology = sent.find((r) => r.method === 'POST' && r.path.startsWith('/webhooks/'));
    expect(apology?.body.flags).toBe(64);
    expect(apology?.body.content).toMatch(/something went wrong/i);
    // the public "thinking…" placeholder is removed, not left spinning
    expect(sent.some((r) => r.method === 'DELETE' && r.path.endsWith('/messages/@original'))).toBe(true);
    expect(logs.some((l) => l.includes('500'))).toBe(true);

    bot.onCommand = async (ctx) => void (await ctx.reply({ text: 'fine again' }));
    const second = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'y' }]);
    const after = (await interact(second)).filter(forToken(second));
    expect(after.find((r) => r.method === 'PATCH')?.body.content).toBe('fine again');
    expect(handle.client.isReady()).toBe(true);
  });

  it('logs client errors instead of crashing, and keeps answering', async () => {
    handle.client.emit('error', new Error('gateway hiccup'));
    expect(logs.some((l) => l.includes('gateway hiccup'))).toBe(true);
    const payload = slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'z' }]);
    const sent = (await interact(payload)).filter(forToken(payload));
    expect(sent.map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('never writes the bot token or an interaction token into a log line', () => {
    const all = logs.join('\n');
    expect(all).toContain('[token]'); // failed calls were logged, with their paths
    expect(all).not.toContain(TOKEN);
    expect(all).not.toMatch(/interaction-token-/);
  });
});

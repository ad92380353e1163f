// Slash commands through Bolt's real HTTP receiver, answered through the real Web API client into a local fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_TOKEN, CHANNEL, SIGNING_SECRET, startHarness, type Harness } from './harness.js';
import { testPng, TestBot } from './test-bot.js';

const EDIT_INTERVAL_MS = 250;

describe('Slack slash commands (HTTP receiver)', () => {
  let h: Harness;
  const bot = new TestBot();

  beforeAll(async () => {
    h = await startHarness(bot, EDIT_INTERVAL_MS);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('acks /adapt at once, then answers in a thread with throttled progress, the PNG and buttons', async () => {
    let release!: () => void;
    bot.gate = new Promise<void>((r) => (release = r));
    // The command's work is held until the ack has arrived: an ack that waited for the work would never come.
    const res = await h.slash('/adapt', 'dog → nicolas cage');
    expect(res.status).toBe(200);
    release();

    const [parent] = await h.fake.waitFor('chat.postMessage', (c) => !c.args.thread_ts);
    expect(parent.args.channel).toBe(CHANNEL);
    expect(parent.args.text).toContain('*dog → nicolas cage*');
    expect(parent.authorization).toBe(`Bearer ${BOT_TOKEN}`);

    const [threaded] = await h.fake.waitFor('chat.postMessage', (c) => !!c.args.thread_ts);
    await h.app.idle();
    bot.gate = undefined;
    const parentTs = parent.result!.ts as string;
    expect(threaded.args.thread_ts).toBe(parentTs);
    expect(threaded.args.text).toContain('Done: _dog → nicolas cage_');
    const blocks = JSON.parse(threaded.args.blocks as string);
    const actions = blocks.find((b: { type: string }) => b.type === 'actions');
    expect(actions.elements.map((e: { action_id: string }) => e.action_id)).toEqual(['adapt:vote:up:d1', 'adapt:vote:down:d1']);
    expect(actions.elements[0].style).toBe('primary');
    expect(actions.elements[1].style).toBe('danger');
    // the disabled "score" button has no Slack equivalent: it is shown as context text
    expect(JSON.stringify(blocks)).toContain('score 0');

    // progress: chat.update on the parent, fewer calls than steps, spaced by the interval, the last step delivered
    const updates = h.fake.callsTo('chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThan(bot.progressSteps);
    for (const u of updates) expect([u.args.channel, u.args.ts]).toEqual([CHANNEL, parentTs]);
    expect(updates.at(-1)!.args.text).toContain('100%');
    for (let i = 1; i < updates.length; i++) expect(updates[i].at - updates[i - 1].at).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS - 20);

    // the file: getUploadURLExternal → POST of the PNG bytes → completeUploadExternal into the thread
    const [getUrl] = h.fake.callsTo('files.getUploadURLExternal');
    const png = await testPng();
    expect(Number(getUrl.args.length)).toBe(png.length);
    expect(getUrl.args.filename).toBe('grid.png');
    const [complete] = h.fake.callsTo('files.completeUploadExternal');
    expect(complete.args.channel_id).toBe(CHANNEL);
    expect(complete.args.thread_ts).toBe(parentTs);
    const fileId = JSON.parse(complete.args.files as string)[0].id as string;
    expect(h.fake.uploads.get(fileId)?.equals(png)).toBe(true);
    // pictures come before the text and buttons in the thread
    expect(complete.at).toBeLessThanOrEqual(threaded.at);

    const seen = bot.seen.find((s) => s.inv?.command === 'adapt')!;
    expect(seen.inv!.options).toEqual({ target: 'dog → nicolas cage' });
    expect(seen.ctx.place).toEqual({ platform: 'slack', serverId: 'T1', channelId: CHANNEL });
    expect(seen.ctx.actor).toEqual({ id: 'UUSER', name: 'Uma User', isManager: false });
  });

  it('parses subcommands and gives free text to the first string option', async () => {
    await h.slash('/domains', 'delete my cage domain', 'UADMIN');
    await h.app.idle();
    const seen = bot.seen.filter((s) => s.inv?.command === 'domains').at(-1)!;
    expect(seen.inv!.subcommand).toBe('delete');
    expect(seen.inv!.options).toEqual({ name: 'my cage domain' });
    // workspace admins are managers (users.info is_admin)
    expect(seen.ctx.actor.isManager).toBe(true);
    expect(seen.ctx.actor.name).toBe('Ada Admin');
  });

  it('sends private answers as ephemeral messages to the user', async () => {
    const before = h.fake.callsTo('chat.postMessage').length;
    await h.slash('/help', 'adapt');
    await h.app.idle();
    const [eph] = h.fake.callsTo('chat.postEphemeral').slice(-1);
    expect(eph.args.user).toBe('UUSER');
    expect(eph.args.channel).toBe(CHANNEL);
    expect(eph.args.text).toContain('{"topic":"adapt"}');
    expect(h.fake.callsTo('chat.postMessage').length).toBe(before);
  });

  it('answers a UserError from the text parser with its message, privately', async () => {
    const seenBefore = bot.seen.length;
    const res = await h.slash('/adapt', 'target: a target: b');
    expect(res.status).toBe(200);
    await h.app.idle();
    const eph = h.fake.callsTo('chat.postEphemeral').at(-1)!;
    expect(eph.args.text).toContain('/adapt: target is given twice.');
    expect(bot.seen.length).toBe(seenBefore);
  });

  it('answers an internal error with a generic message and logs the detail', async () => {
    await h.slash('/crash', '');
    await h.app.idle();
    const eph = h.fake.callsTo('chat.postEphemeral').at(-1)!;
    expect(eph.args.text).toContain('Something went wrong');
    expect(eph.args.text).not.toContain('engine exploded');
    expect(h.logs.some((l) => l.includes('engine exploded'))).toBe(true);
  });

  it('rejects a request with a bad signature (401) before it reaches the bot', async () => {
    const seenBefore = bot.seen.length;
    const callsBefore = h.fake.calls.length;
    const { postSigned } = await import('./fake-slack.js');
    const res = await postSigned(
      h.app.port!,
      SIGNING_SECRET,
      { command: '/adapt', text: 'dog → cat', team_id: 'T1', channel_id: CHANNEL, user_id: 'UUSER' },
      true,
    );
    expect(res.status).toBe(401);
    // a correctly signed request replayed ten minutes later is refused too
    const replay = await postSigned(
      h.app.port!,
      SIGNING_SECRET,
      { command: '/adapt', text: 'dog → cat', team_id: 'T1', channel_id: CHANNEL, user_id: 'UUSER' },
      false,
      600,
    );
    expect(replay.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    await h.app.idle();
    expect(bot.seen.length).toBe(seenBefore);
    expect(h.fake.calls.length).toBe(callsBefore);
  });

  it('stays up after Web API errors mid-job, tells the user, and serves the next command', async () => {
    h.fake.failOnce('chat.update', 'internal_error');
    await h.slash('/adapt', 'cat');
    await h.app.idle();
    const eph = h.fake.callsTo('chat.postEphemeral').at(-1)!;
    expect(eph.args.text).toContain('Something went wrong');

    // an HTTP 500 from Slack in the middle of an upload
    h.fake.failOnce('files.completeUploadExternal', 'http500');
    const ephBefore = h.fake.callsTo('chat.postEphemeral').length;
    await h.slash('/adapt', 'owl');
    await h.app.idle();
    expect(h.fake.callsTo('chat.postEphemeral').length).toBe(ephBefore + 1);

    const postsBefore = h.fake.callsTo('chat.postMessage').length;
    const res = await h.slash('/adapt', 'fox');
    expect(res.status).toBe(200);
    await h.app.idle();
    expect(h.fake.callsTo('chat.postMessage').length).toBe(postsBefore + 2);
  });

  it('falls back to the response_url when it cannot post in the channel', async () => {
    h.fake.failOnce('chat.postMessage', 'not_in_channel');
    h.fake.failOnce('chat.postEphemeral', 'not_in_channel');
    await h.slash('/adapt', 'bear');
    await h.app.idle();
    const [resp] = h.fake.callsTo('response_url').slice(-1);
    expect(resp.args.response_type).toBe('ephemeral');
    expect(resp.args.text).toContain('/invite @DomainShift');
  });

  it('answers a health check in HTTP mode, unsigned', async () => {
    const res = await fetch(`http://127.0.0.1:${h.app.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('never writes a token or the signing secret to the log', () => {
    const all = h.logs.join('\n');
    expect(all).not.toContain(BOT_TOKEN);
    expect(all).not.toContain(SIGNING_SECRET);
  });
});

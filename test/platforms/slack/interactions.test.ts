// Buttons, the "Stylize" message shortcut with its modal, view submissions and the checks on user files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_TOKEN, CHANNEL, blockActions, messageShortcut, slackFile, startHarness, viewSubmission, type Harness } from './harness.js';
import { testPng, TestBot } from './test-bot.js';

describe('Slack interactivity (HTTP receiver)', () => {
  let h: Harness;
  const bot = new TestBot();
  let png: Buffer;

  beforeAll(async () => {
    h = await startHarness(bot, 200);
    png = await testPng();
    h.fake.files.set('photo.png', { data: png, contentType: 'image/png' });
    h.fake.files.set('big.png', { data: Buffer.alloc(2 * 1024 * 1024, 1), contentType: 'image/png' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('routes a button click to handleButton and edits its message in place (chat.update)', async () => {
    let release!: () => void;
    bot.gate = new Promise<void>((r) => (release = r));
    // the button's work is held until the ack has arrived: an ack that waited for the work would never come
    const res = await h.interact(
      blockActions(h.fake, { actionId: 'adapt:vote:up:d1', messageTs: '1700000000.000777', threadTs: '1700000000.000700', user: 'UADMIN' }),
    );
    expect(res.status).toBe(200);
    release();
    bot.gate = undefined;
    await h.app.idle();
    const seen = bot.seen.find((s) => s.kind === 'button')!;
    expect(seen.id).toBe('adapt:vote:up:d1');
    expect(seen.ctx.actor.isManager).toBe(true);
    expect(seen.ctx.source?.id).toBe(`${CHANNEL}/1700000000.000777`);
    const update = h.fake.callsTo('chat.update').at(-1)!;
    expect(update.args.ts).toBe('1700000000.000777');
    expect(update.args.text).toContain('👍 1');
    // the private "thanks" goes to the clicker, in the message's thread
    const eph = h.fake.callsTo('chat.postEphemeral').at(-1)!;
    expect(eph.args.user).toBe('UADMIN');
    expect(eph.args.thread_ts).toBe('1700000000.000700');
  });

  it('spaces edits of one message across events (quick clicks by several people)', async () => {
    const before = h.fake.callsTo('chat.update').length;
    await Promise.all([
      h.interact(blockActions(h.fake, { actionId: 'adapt:vote:up:d1', messageTs: '1700000000.000999' })),
      h.interact(blockActions(h.fake, { actionId: 'adapt:vote:down:d1', messageTs: '1700000000.000999', user: 'UADMIN' })),
    ]);
    await h.app.idle();
    await h.interact(blockActions(h.fake, { actionId: 'adapt:vote:up:d1', messageTs: '1700000000.000999' }));
    await h.app.idle();
    const updates = h.fake.callsTo('chat.update').slice(before);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < updates.length; i++) expect(updates[i].at - updates[i - 1].at).toBeGreaterThanOrEqual(180);
  });

  it('edits an ephemeral message through its response_url', async () => {
    await h.interact(blockActions(h.fake, { actionId: 'adapt:vote:down:d1', messageTs: '1700000000.000888', ephemeral: true }));
    await h.app.idle();
    const resp = h.fake.callsTo('response_url').at(-1)!;
    expect(resp.args.replace_original).toBe(true);
    expect(resp.args.text).toContain('👎 1');
  });

  let metadata = '';
  let callbackId = '';

  it('opens the modal for "Stylize" on a message with a picture (views.open with file input, select, text)', async () => {
    const res = await h.interact(messageShortcut(h.fake, [slackFile(h.fake, 'photo.png', 'image/png', png.length)]));
    expect(res.status).toBe(200);
    const [open] = await h.fake.waitFor('views.open');
    await h.app.idle();
    expect(open.args.trigger_id).toBe('trigger-shortcut');
    const view = JSON.parse(open.args.view as string);
    expect(view.type).toBe('modal');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    const elements = view.blocks.map((b: { element: { type: string } }) => b.element.type);
    expect(elements).toEqual(['file_input', 'static_select', 'plain_text_input']);
    expect(view.blocks[0].element.filetypes).toContain('png');
    expect(view.blocks[1].element.options.map((o: { value: string }) => o.value)).toEqual(['pixar', 'sketch']);
    metadata = view.private_metadata;
    callbackId = view.callback_id;

    const seen = bot.seen.find((s) => s.inv?.command === 'stylize')!;
    expect(seen.inv!.target!.messageId).toBe(`${CHANNEL}/1699999999.000100`);
    expect(seen.inv!.target!.attachments.map((a) => [a.name, a.contentType, a.size])).toEqual([['photo.png', 'image/png', png.length]]);
    // the target picture downloads with the bot token from the allowed host
    const bytes = await seen.inv!.target!.attachments[0].download(1024 * 1024);
    expect(bytes.equals(png)).toBe(true);
    expect(h.fake.downloads.at(-1)!.authorization).toBe(`Bearer ${BOT_TOKEN}`);
  });

  it('hands a view submission to handleModal with the reference file and answers in the message thread', async () => {
    const values = {
      reference: { reference: { type: 'file_input', files: [slackFile(h.fake, 'photo.png', 'image/png', png.length)] } },
      domain: { domain: { type: 'static_select', selected_option: { value: 'pixar', text: { type: 'plain_text', text: 'Pixar' } } } },
      target: { target: { type: 'plain_text_input', value: '  ' } },
    };
    const res = await h.interact(viewSubmission(callbackId, metadata, values));
    expect(res.status).toBe(200);
    await h.app.idle();
    const seen = bot.seen.filter((s) => s.kind === 'modal').at(-1)!;
    expect(seen.id).toBe(callbackId);
    expect(seen.values!.domain).toBe('pixar');
    expect(seen.values!.target).toBeUndefined();
    expect(seen.downloaded?.equals(png)).toBe(true);
    expect(seen.ctx.place.channelId).toBe(CHANNEL);
    const post = h.fake.callsTo('chat.postMessage').at(-1)!;
    expect(post.args.thread_ts).toBe('1699999999.000100');
    expect(post.args.text).toContain('Stylized with pixar');
    const complete = h.fake.callsTo('files.completeUploadExternal').at(-1)!;
    expect(complete.args.thread_ts).toBe('1699999999.000100');
  });

  /** a form's refusal: the view_submission's answer keeps the form open with the error under the field */
  async function fieldErrors(payload: unknown): Promise<Record<string, string>> {
    const ephemeralBefore = h.fake.callsTo('chat.postEphemeral').length;
    const res = await h.interact(payload);
    await h.app.idle();
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.text) as { response_action: string; errors: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    // and nothing else: no private message behind the form
    expect(h.fake.callsTo('chat.postEphemeral').length).toBe(ephemeralBefore);
    return answer.errors;
  }

  async function submitReference(file: unknown): Promise<string> {
    const downloadsBefore = h.fake.downloads.length;
    const errors = await fieldErrors(
      viewSubmission(callbackId, metadata, { reference: { reference: { type: 'file_input', files: [file] } } }),
    );
    // every check happens before a single byte is fetched
    expect(h.fake.downloads.length).toBe(downloadsBefore);
    expect(Object.keys(errors)).toEqual(['reference']);
    return errors.reference;
  }

  it('refuses a reference that is not a picture, beside the form field', async () => {
    const text = await submitReference(slackFile(h.fake, 'notes.pdf', 'application/pdf', 1000));
    expect(text).toContain('notes.pdf');
    expect(text).toContain('not a picture');
  });

  it('refuses a picture larger than the limit before downloading it', async () => {
    const text = await submitReference(slackFile(h.fake, 'big.png', 'image/png', 2 * 1024 * 1024));
    expect(text).toContain('big.png');
    expect(text).toMatch(/2\.0 MB; the limit is 1\.0 MB/);
  });

  it('refuses a file on a host that is not Slack', async () => {
    const text = await submitReference(slackFile(h.fake, 'photo.png', 'image/png', 100, 'http://localhost:9'));
    expect(text).toContain("not stored on Slack's file servers");
  });

  it('stops a download that runs past the limit although the file object said it was small', async () => {
    const errors = await fieldErrors(
      viewSubmission(callbackId, metadata, {
        reference: { reference: { type: 'file_input', files: [slackFile(h.fake, 'big.png', 'image/png', 1000)] } },
      }),
    );
    expect(h.fake.downloads.at(-1)!.path).toBe('/files/big.png');
    expect(errors.reference).toContain('"big.png" is larger than 1.0 MB');
  });

  it('closes the form at once when the bot answers, and an answer after it is a message', async () => {
    const res = await h.interact(
      viewSubmission(callbackId, metadata, { target: { target: { type: 'plain_text_input', value: 'a statue' } } }),
    );
    await h.app.idle();
    expect(res.text).toBe('');
    expect(h.fake.callsTo('chat.postMessage').at(-1)!.args.text).toContain('Stylized with a statue');
  });

  it('completes a partial file object (file_access check_file_info) with files.info', async () => {
    const full = slackFile(h.fake, 'photo.png', 'image/png', png.length);
    h.fake.fileInfos.set('F-shared', { ...full, id: 'F-shared' });
    const commandsBefore = bot.seen.filter((s) => s.kind === 'command').length;
    await h.interact(messageShortcut(h.fake, [{ id: 'F-shared', file_access: 'check_file_info' }]));
    await h.app.idle();
    expect(h.fake.callsTo('files.info').at(-1)!.args.file).toBe('F-shared');
    const seen = bot.seen.filter((s) => s.kind === 'command');
    expect(seen.length).toBe(commandsBefore + 1);
    expect(seen.at(-1)!.inv!.target!.attachments.map((a) => a.contentType)).toEqual(['image/png']);
  });

  it('answers "Stylize" on a message without a picture privately, without calling the bot', async () => {
    const commandsBefore = bot.seen.filter((s) => s.kind === 'command').length;
    await h.interact(messageShortcut(h.fake, [slackFile(h.fake, 'report.pdf', 'application/pdf', 1000)]));
    await h.app.idle();
    expect(h.fake.callsTo('chat.postEphemeral').at(-1)!.args.text).toContain('that message holds application/pdf');
    await h.interact(messageShortcut(h.fake, []));
    await h.app.idle();
    expect(h.fake.callsTo('chat.postEphemeral').at(-1)!.args.text).toContain('Stylize works on a message with a picture');
    expect(bot.seen.filter((s) => s.kind === 'command').length).toBe(commandsBefore);
  });

  it('rejects a forged interaction payload (401)', async () => {
    const { postInteraction } = await import('./fake-slack.js');
    const before = bot.seen.length;
    const res = await postInteraction(
      h.app.port!,
      'not-the-secret',
      blockActions(h.fake, { actionId: 'adapt:vote:up:d1', messageTs: '1' }),
    );
    expect(res.status).toBe(401);
    await h.app.idle();
    expect(bot.seen.length).toBe(before);
  });
});

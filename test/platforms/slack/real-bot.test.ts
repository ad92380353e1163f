// End to end on Slack's side: the product's own bot (createBot, its commands, the real engine on the tiny fixture
// pack, SQLite stores) behind the Slack adapter, driven by signed requests, answering into the fake Web API.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../../../src/core/bot.js';
import { allCommands } from '../../../commands/index.js';
import { assembleServices, type BotServices } from '../../../src/core/services.js';
import { Stores } from '../../../src/core/stores.js';
import { openPack } from '../../../src/engine/index.js';
import type { ApiCall } from './fake-slack.js';
import {
  CHANNEL,
  TEAM,
  blockActions,
  blockSuggestion,
  messageShortcut,
  slackFile,
  startHarness,
  viewSubmission,
  type Harness,
} from './harness.js';

const TINY_PACK = join(import.meta.dirname, '..', '..', 'fixtures', 'packs', 'tiny');
const PHOTO = join(import.meta.dirname, '..', '..', '..', 'node_modules', '@vladmandic', 'face-api', 'demo', 'sample1.jpg');

/**
 * Opens a private copy of the fixture pack: the fixture folder is shared with people who regenerate it, and a copy
 * taken while it is being rewritten fails its checks, so a failed copy is retried a few times.
 */
async function openPackCopy(target: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(target, { recursive: true, force: true });
      cpSync(TINY_PACK, target, { recursive: true });
      return await openPack(target);
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

interface Block {
  type: string;
  elements?: Array<{ action_id?: string; text?: { text: string } }>;
  slack_file?: { id: string };
}

describe('Slack adapter with the real bot on the tiny pack', () => {
  let h: Harness;
  let services: BotServices;
  let dir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ds-slack-'));
    const engine = await openPackCopy(join(dir, 'pack'));
    const stores = await Stores.open(`sqlite://${join(dir, 'bot.sqlite')}`);
    services = assembleServices({ engines: [engine], stores, log: { info: () => {}, error: (m, e) => errors.push(`${m} ${String(e)}`) } });
    h = await startHarness(createBot(services, allCommands()), 200);
  });
  afterAll(async () => {
    await h?.stop();
    await services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let parent: ApiCall;
  let resultBlocks: Block[] = [];

  it('/adapt: progress on one parent message, then the grid PNG in its thread and inline, with result buttons', async () => {
    const res = await h.slash('/adapt', 'dog → nicolas cage');
    expect(res.status).toBe(200); // that the ack does not wait for the work: test/platforms/slack/commands.test.ts
    await h.app.idle();
    expect(errors).toEqual([]);

    const posts = h.fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    parent = posts[0];
    expect(parent.args.thread_ts).toBeUndefined();
    expect(parent.args.text).toMatch(/queued|starting/);
    const parentTs = parent.result!.ts as string;

    const updates = h.fake.callsTo('chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(1);
    for (const u of updates) expect(u.args.ts).toBe(parentTs);
    const last = updates.at(-1)!;
    expect(last.args.text).toContain('dog → nicolas cage');
    resultBlocks = JSON.parse(last.args.blocks as string) as Block[];

    const [complete] = h.fake.callsTo('files.completeUploadExternal');
    expect(complete.args.thread_ts).toBe(parentTs);
    const fileId = (JSON.parse(complete.args.files as string) as Array<{ id: string }>)[0].id;
    const png = h.fake.uploads.get(fileId)!;
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height).toBeGreaterThanOrEqual(2 * services.engines.values().next().value!.manifest.resolution);
    // the result message shows the uploaded picture inline, above its buttons
    const image = resultBlocks.find((b) => b.type === 'image');
    expect(image?.slack_file?.id).toBe(fileId);
    const actionIds = resultBlocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements!.map((e) => e.action_id!));
    expect(actionIds.some((id) => /^adapt:vote:.+:up$/.test(id))).toBe(true);
    expect(actionIds.some((id) => /^adapt:save:/.test(id))).toBe(true);
  });

  it('a 👍 click updates the tally on the same message and keeps its picture', async () => {
    const upId = resultBlocks.flatMap((b) => b.elements ?? []).find((e) => /^adapt:vote:.+:up$/.test(e.action_id ?? ''))!.action_id!;
    const parentTs = parent.result!.ts as string;
    const updatesBefore = h.fake.callsTo('chat.update').length;
    const payload = blockActions(h.fake, { actionId: upId, messageTs: parentTs });
    (payload as { message?: Record<string, unknown> }).message!.blocks = resultBlocks;
    await h.interact(payload);
    await h.app.idle();
    expect(errors).toEqual([]);
    const updates = h.fake.callsTo('chat.update');
    expect(updates.length).toBe(updatesBefore + 1);
    const blocks = JSON.parse(updates.at(-1)!.args.blocks as string) as Block[];
    const up = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === upId)!;
    expect(up.text!.text).toBe('👍 1');
    expect(blocks.find((b) => b.type === 'image')?.slack_file).toEqual(resultBlocks.find((b) => b.type === 'image')?.slack_file);
  });

  it('keeps the edit when Slack refuses the inline picture (invalid_blocks): retried without it', async () => {
    const downId = resultBlocks.flatMap((b) => b.elements ?? []).find((e) => /^adapt:vote:.+:down$/.test(e.action_id ?? ''))!.action_id!;
    h.fake.failOnce('chat.update', 'invalid_blocks');
    const before = h.fake.callsTo('chat.update').length;
    await h.interact(blockActions(h.fake, { actionId: downId, messageTs: parent.result!.ts as string, user: 'UADMIN' }));
    await h.app.idle();
    const updates = h.fake.callsTo('chat.update').slice(before);
    expect(updates).toHaveLength(2);
    const retried = JSON.parse(updates[1].args.blocks as string) as Block[];
    expect(retried.some((b) => b.type === 'image')).toBe(false);
    expect(retried.flatMap((b) => b.elements ?? []).find((e) => e.action_id === downId)!.text!.text).toBe('👎 1');
  });

  it('Stylize: the real form opens as a modal; a submission with a text target posts the stylized photo in the thread', async () => {
    const photo = readFileSync(PHOTO);
    h.fake.files.set('sample1.jpg', { data: photo, contentType: 'image/jpeg' });
    const clickedAt = Date.now();
    await h.interact(messageShortcut(h.fake, [slackFile(h.fake, 'sample1.jpg', 'image/jpeg', photo.length)], 'stylize-message'));
    await h.app.idle();
    // trigger_ids expire 3 s after the click: the modal must be open by then
    expect(h.fake.callsTo('views.open').at(-1)!.at - clickedAt).toBeLessThan(3000);
    expect(errors).toEqual([]);
    const open = h.fake.callsTo('views.open').at(-1)!;
    const view = JSON.parse(open.args.view as string) as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{ block_id: string; element: { type: string } }>;
    };
    expect(view.callback_id).toMatch(/^stylize-message:go:/);
    expect(view.blocks.map((b) => b.element.type)).toContain('file_input');

    const postsBefore = h.fake.callsTo('chat.postMessage').length;
    const uploadsBefore = h.fake.callsTo('files.completeUploadExternal').length;
    const ephBefore = h.fake.callsTo('chat.postEphemeral').length;
    await h.interact(
      viewSubmission(view.callback_id, view.private_metadata, {
        target: { target: { type: 'plain_text_input', value: 'a marble statue' } },
      }),
    );
    await h.app.idle();
    expect(errors).toEqual([]);
    expect(
      h.fake
        .callsTo('chat.postEphemeral')
        .slice(ephBefore)
        .map((c) => c.args.text),
    ).toEqual([]);
    // the photo was fetched with the bot token, and the job's message lives in the photo's thread
    expect(h.fake.downloads.some((d) => d.path === '/files/sample1.jpg')).toBe(true);
    const [job] = h.fake.callsTo('chat.postMessage').slice(postsBefore);
    expect(job.args.thread_ts).toBe('1699999999.000100');
    expect(job.args.channel).toBe(CHANNEL);
    const [upload] = h.fake.callsTo('files.completeUploadExternal').slice(uploadsBefore);
    expect(upload.args.thread_ts).toBe('1699999999.000100');
    const fileId = (JSON.parse(upload.args.files as string) as Array<{ id: string }>)[0].id;
    expect((await sharp(h.fake.uploads.get(fileId)!).metadata()).width).toBeGreaterThan(0);
    const last = h.fake.callsTo('chat.update').at(-1)!;
    expect(last.args.ts).toBe(job.result!.ts);
    expect(last.args.text).toContain('a marble statue');
  });

  /** a submission Slack answers with errors beside the form's fields (the form stays open, nothing is posted) */
  async function formErrors(payload: unknown): Promise<Record<string, string>> {
    const ephBefore = h.fake.callsTo('chat.postEphemeral').length;
    const res = await h.interact(payload);
    await h.app.idle();
    expect(h.fake.callsTo('chat.postEphemeral').length).toBe(ephBefore);
    const answer = JSON.parse(res.text || '{}') as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    return answer.errors!;
  }

  it('U1 posts sample 1 alone and larger in the thread; Remix opens the prompt prefilled and runs the changed one', async () => {
    const ids = resultBlocks.flatMap((b) => b.elements ?? []).map((e) => e.action_id ?? '');
    const parentTs = parent.result!.ts as string;
    const uploadsBefore = h.fake.callsTo('files.completeUploadExternal').length;
    await h.interact(blockActions(h.fake, { actionId: ids.find((id) => /^adapt:big:.+:0$/.test(id))!, messageTs: parentTs }));
    await h.app.idle();
    expect(errors).toEqual([]);
    const [upload] = h.fake.callsTo('files.completeUploadExternal').slice(uploadsBefore);
    expect(upload.args.thread_ts).toBe(parentTs);
    const fileId = (JSON.parse(upload.args.files as string) as Array<{ id: string }>)[0].id;
    expect((await sharp(h.fake.uploads.get(fileId)!).metadata()).height).toBeGreaterThanOrEqual(2 * 512);

    await h.interact(blockActions(h.fake, { actionId: ids.find((id) => id.startsWith('adapt:remix:'))!, messageTs: parentTs }));
    await h.app.idle();
    const view = JSON.parse(h.fake.callsTo('views.open').at(-1)!.args.view as string) as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{ block_id: string; element: { initial_value?: string } }>;
    };
    expect(Object.fromEntries(view.blocks.map((b) => [b.block_id, b.element.initial_value]))).toMatchObject({
      prompt: 'dog → nicolas cage',
      strength: '1',
    });
    const field = (id: string, value: string) => ({ [id]: { [id]: { type: 'plain_text_input', value } } });
    const submit = (prompt: string, strength: string) =>
      viewSubmission(view.callback_id, view.private_metadata, { ...field('prompt', prompt), ...field('strength', strength) });
    expect((await formErrors(submit('dog → a zombie', '9'))).strength).toMatch(/strength must be a number from 0 to 2/);
    const postsBefore = h.fake.callsTo('chat.postMessage').length;
    const res = await h.interact(submit('dog → a zombie', '0.5'));
    await h.app.idle();
    expect(res.text).toBe('');
    expect(errors).toEqual([]);
    const texts = [...h.fake.callsTo('chat.postMessage').slice(postsBefore), ...h.fake.callsTo('chat.update')]
      .map((c) => String(c.args.text))
      .join('\n');
    expect(texts).toMatch(/dog → a zombie[\s\S]*strength 0\.5/);
  });

  it('Save: a bad or taken name shows beside the name field and the form stays open; a good one saves', async () => {
    const saveId = resultBlocks.flatMap((b) => b.elements ?? []).find((e) => /^adapt:save:/.test(e.action_id ?? ''))!.action_id!;
    await h.interact(blockActions(h.fake, { actionId: saveId, messageTs: parent.result!.ts as string }));
    await h.app.idle();
    const view = JSON.parse(h.fake.callsTo('views.open').at(-1)!.args.view as string) as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{ block_id: string }>;
    };
    expect(view.blocks.map((b) => b.block_id)).toEqual(['name']);
    const submit = (name: string) =>
      viewSubmission(view.callback_id, view.private_metadata, { name: { name: { type: 'plain_text_input', value: name } } });
    expect((await formErrors(submit('no/slashes'))).name).toMatch(/1–32 letters/);
    const res = await h.interact(submit('Dog-Cage'));
    await h.app.idle();
    expect(res.text).toBe('');
    expect(errors).toEqual([]);
    expect(await services.stores.getSaved(TEAM, 'dog-cage')).toBeDefined();
    expect((await formErrors(submit('dog-cage'))).name).toBe('A domain called dog-cage already exists on this server.');
  });

  it('Stylize form: a missing choice, an unknown domain and a bad target show beside their fields, then it runs', async () => {
    const photo = readFileSync(PHOTO);
    await h.interact(messageShortcut(h.fake, [slackFile(h.fake, 'sample1.jpg', 'image/jpeg', photo.length)], 'stylize-message'));
    await h.app.idle();
    const view = JSON.parse(h.fake.callsTo('views.open').at(-1)!.args.view as string) as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{ block_id: string; element: { type: string } }>;
    };
    // the saved domain is picked from the server's names, offered while typing (block_suggestion)
    expect(view.blocks.find((b) => b.block_id === 'domain')!.element.type).toBe('external_select');
    const suggested = await h.interact(blockSuggestion(view, 'domain', 'cag'));
    expect(JSON.parse(suggested.text)).toEqual({
      options: [{ text: { type: 'plain_text', text: expect.stringMatching(/^dog-cage — /) }, value: 'dog-cage' }],
    });
    expect(JSON.parse((await h.interact(blockSuggestion(view, 'domain', 'zzz'))).text)).toEqual({ options: [] });
    const submit = (values: Record<string, Record<string, unknown>>) => viewSubmission(view.callback_id, view.private_metadata, values);
    const text = (id: string, value: string) => ({ [id]: { [id]: { type: 'plain_text_input', value } } });
    const picked = (value: string) => ({
      domain: { domain: { type: 'external_select', selected_option: { text: { type: 'plain_text', text: value }, value } } },
    });
    expect((await formErrors(submit({}))).domain).toContain('Give exactly one of');
    // a name picked before someone else deleted it
    expect((await formErrors(submit(picked('nope')))).domain).toContain('There is no saved domain called nope');
    expect((await formErrors(submit(text('target', 'a statue\u0007')))).target).toMatch(/control character/i);
    const postsBefore = h.fake.callsTo('chat.postMessage').length;
    const res = await h.interact(submit(picked('dog-cage')));
    await h.app.idle();
    expect(res.text).toBe('');
    expect(errors).toEqual([]);
    expect(
      h.fake
        .callsTo('chat.postMessage')
        .slice(postsBefore)
        .map((c) => c.args.text)
        .join('\n'),
    ).toContain('dog-cage');
  });

  it('a retried request (x-slack-retry-num) is acknowledged but does not run the job again', async () => {
    const postsBefore = h.fake.callsTo('chat.postMessage').length;
    const form = h.slashForm('/adapt', 'heron count:1');
    expect((await h.post(form)).status).toBe(200);
    const retry = await h.post(form, { num: 1, reason: 'http_timeout' });
    expect(retry.status).toBe(200);
    await h.app.idle();
    expect(errors).toEqual([]);
    const jobs = h.fake
      .callsTo('chat.postMessage')
      .slice(postsBefore)
      .filter((c) => String(c.args.text).includes('heron'));
    expect(jobs).toHaveLength(1);
    expect(h.logs.some((l) => /retry 1 of a request already handled/.test(l))).toBe(true);
  });

  it('Stylize on a picture too large to use says so before the form opens', async () => {
    const opensBefore = h.fake.callsTo('views.open').length;
    const ephBefore = h.fake.callsTo('chat.postEphemeral').length;
    await h.interact(messageShortcut(h.fake, [slackFile(h.fake, 'huge.png', 'image/png', 50 * 1024 * 1024)], 'stylize-message'));
    await h.app.idle();
    expect(h.fake.callsTo('views.open').length).toBe(opensBefore);
    expect(
      h.fake
        .callsTo('chat.postEphemeral')
        .slice(ephBefore)
        .map((c) => c.args.text),
    ).toEqual([expect.stringMatching(/huge\.png.*50\.0 MB.*limit is 8\.0 MB/)]);
  });

  it('a form answer reaches the user by direct message when the private answer is refused', async () => {
    h.fake.failOnce('chat.postEphemeral', 'ratelimited');
    const postsBefore = h.fake.callsTo('chat.postMessage').length;
    await h.interact(viewSubmission('stylize-message:go:expired', JSON.stringify({ c: CHANNEL }), {}));
    await h.app.idle();
    const direct = h.fake.callsTo('chat.postMessage').slice(postsBefore);
    expect(direct.map((c) => [c.args.channel, c.args.text])).toEqual([['UUSER', expect.stringContaining('This form has expired')]]);
  });

  it('mentions typed into a prompt stay text: no live <@U…> or <#C…> in what the bot posts', async () => {
    const updatesBefore = h.fake.callsTo('chat.update').length;
    await h.slash('/adapt', 'owl with <@UADMIN> in <#C42> count:1');
    await h.app.idle();
    expect(errors).toEqual([]);
    const posted = h.fake
      .callsTo('chat.update')
      .slice(updatesBefore)
      .map((c) => `${c.args.text} ${c.args.blocks}`)
      .join('\n');
    expect(posted).toContain('owl with');
    expect(posted).not.toMatch(/<@UADMIN>|<#C42>/);
    expect(posted).toContain('<@UUSER>'); // the bot's own mention of the owner still works
  });

  it('where the bot is not a channel member, tells the user through the response_url how to fix it', async () => {
    h.fake.failOnce('chat.postMessage', 'not_in_channel');
    h.fake.failOnce('chat.postEphemeral', 'not_in_channel');
    const before = h.fake.callsTo('response_url').length;
    await h.slash('/adapt', 'owl');
    await h.app.idle();
    const answers = h.fake.callsTo('response_url').slice(before);
    expect(answers).toHaveLength(1);
    expect(answers[0].args.response_type).toBe('ephemeral');
    expect(answers[0].args.text).toContain('/invite @DomainShift');
    // /help answers privately: through the response_url as well when ephemeral posting is refused
    h.fake.failOnce('chat.postEphemeral', 'channel_not_found');
    await h.slash('/help', '');
    await h.app.idle();
    expect(h.fake.callsTo('response_url').at(-1)!.args.text).toContain('/adapt');
    expect(errors).toEqual([]);
  });
});

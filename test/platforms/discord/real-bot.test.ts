// The whole product behind Discord: the real createBot with the real engine on the tiny fixture pack and a
// real SQLite store, driven through the real discord.js client by a loopback Discord.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotServices } from '../../../src/core/services.js';
import { readTextChunks } from '../../../src/core/png-text.js';
import { GUILD_ID, type FakeDiscord, type RecordedRequest } from './fake-discord.js';
import type { Harness } from './harness.js';
import {
  MANAGE_GUILD,
  attachmentJSON,
  autocomplete,
  buttonPress,
  messageCommand,
  messageJSON,
  modalSubmit,
  slashCommand,
} from './payloads.js';
import { PHOTO, customIds, patchesOf, startRealBot, type RealDiscordBot } from './real-setup.js';

const EDIT_INTERVAL_MS = 250;

let real: RealDiscordBot;
let services: BotServices;
let h: Harness;
let discord: FakeDiscord;
let serviceLog: string[];

beforeAll(async () => {
  real = await startRealBot(EDIT_INTERVAL_MS);
  ({ h, services, serviceLog } = real);
  discord = h.discord;
});

afterAll(async () => {
  await real?.stop();
});

describe('/adapt on Discord with the real bot', () => {
  let final: RecordedRequest;

  it('defers, shows queue and progress as throttled edits, then uploads the before/after grid with its buttons', async () => {
    const payload = slashCommand('adapt', [
      { name: 'prompt', type: 3, value: 'dog → nicolas cage' },
      { name: 'seed', type: 4, value: 11 },
      { name: 'count', type: 4, value: 2 },
    ]);
    const sent = await h.interact(payload);
    expect(serviceLog.filter((l) => /failed/.test(l))).toEqual([]);
    expect(sent[0]!.path).toMatch(/\/callback$/);
    expect(sent[0]!.body.type).toBe(5);
    const patches = patchesOf(sent);
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches[0]!.body.content).toMatch(/queued|starting/i);
    // progress edits keep their interval; the result (the last edit, with its picture) does not wait behind them
    for (let i = 1; i < patches.length - 1; i++) expect(patches[i]!.at - patches[i - 1]!.at).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS - 20);
    final = patches.at(-1)!;
    expect(final.body.content).toContain('dog → nicolas cage');
    expect(final.files).toHaveLength(1);
    expect(final.files[0]!.contentType).toBe('image/png');
    const meta = await sharp(final.files[0]!.data).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width! * meta.height!).toBeGreaterThan(0);
    const ids = customIds(final);
    expect(ids.some((id) => id.includes(':vote:'))).toBe(true);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(100);
  });

  it('a vote button updates the tally in place and keeps the picture', async () => {
    const voteId = customIds(final).find((id) => id.includes(':vote:') && id.endsWith(':up'))!;
    const message = { ...messageJSON([], final.body.content), components: final.body.components };
    const sent = await h.interact(buttonPress(voteId, message));
    expect(sent[0]!.body.type).toBe(6);
    const [edit] = patchesOf(sent);
    expect(edit, JSON.stringify(sent.map((r) => r.body))).toBeDefined();
    const buttons = edit!.body.components.flatMap((row: any) => row.components);
    const labelOf = (id: string) => buttons.find((b: any) => b.custom_id === id)?.label;
    expect(customIds(final).map((id) => id === voteId && labelOf(id))).toContain('1'); // 👍 0 → 1
    expect(final.body.components.flatMap((row: any) => row.components).find((b: any) => b.custom_id === voteId).label).toBe('0');
    expect(edit!.body).not.toHaveProperty('attachments'); // the grid stays
  });

  it('the result explains itself: parameters in the PNG text chunks, an Info button, random weights marked', async () => {
    expect(readTextChunks(final.files[0]!.data)).toMatchObject({
      Prompt: 'dog → nicolas cage',
      Seeds: '11-12',
      Strength: '1',
      Kind: 'adapt',
      Weights: expect.stringMatching(/^random/),
    });
    expect(final.body.content).toMatch(/random weights: these pictures are abstract/);
    const infoId = customIds(final).find((id) => id.includes(':info:'))!;
    const message = { ...messageJSON([], final.body.content), components: final.body.components };
    const sent = await h.interact(buttonPress(infoId, message));
    const answer = sent.find((r) => r.method === 'POST' && r.path.startsWith('/webhooks/'))!.body;
    expect(answer.flags).toBe(64);
    expect(answer.content).toContain('seeds: `11-12`');
    expect(answer.content).toContain('prompt: `dog → nicolas cage`');
  });

  it('the Save button asks for a name in a modal; submitting it saves the domain for /domains', async () => {
    const saveId = customIds(final).find((id) => id.includes(':save:'))!;
    const message = { ...messageJSON([], final.body.content), components: final.body.components };
    const opened = await h.interact(buttonPress(saveId, message));
    expect(opened).toHaveLength(1);
    const modal = opened[0]!.body;
    expect(modal.type).toBe(9);
    expect(modal.data.components[0].component).toMatchObject({ type: 4, custom_id: 'name' });

    const sent = await h.interact(modalSubmit(modal.data.custom_id, { name: 'cage-faces' }));
    expect(sent[0]!.body.type).toBe(5);
    expect(serviceLog.filter((l) => /failed/.test(l))).toEqual([]);
    expect(await services.stores.getSaved(GUILD_ID, 'cage-faces')).toMatchObject({
      name: 'cage-faces',
      prompt: expect.stringContaining('nicolas cage'),
    });
    expect(patchesOf(sent).at(-1)!.body.content).toContain('cage-faces');
  });

  it('autocompletes saved domain names in /stylize domain: and /domains info name:', async () => {
    let sent = await h.interact(autocomplete('stylize', [{ name: 'domain', type: 3, value: 'cag', focused: true }]));
    expect(sent[0]!.body.type).toBe(8);
    expect(sent[0]!.body.data.choices).toEqual([{ name: expect.stringMatching(/^cage-faces — .*nicolas cage/), value: 'cage-faces' }]);
    sent = await h.interact(
      autocomplete('domains', [{ name: 'info', type: 1, options: [{ name: 'name', type: 3, value: '', focused: true }] }]),
    );
    expect(sent[0]!.body.data.choices.map((c: { value: string }) => c.value)).toEqual(['cage-faces']);
    sent = await h.interact(autocomplete('stylize', [{ name: 'domain', type: 3, value: 'zzz', focused: true }]));
    expect(sent[0]!.body.data.choices).toEqual([]);
  });
});

/** The face-api sample photo served by the fake CDN at `path`, and the attachment Discord would send for it. */
function hostSamplePhoto(path: string) {
  const photo = readFileSync(PHOTO);
  discord.cdn.set(path, { contentType: 'image/jpeg', data: photo });
  const picture = attachmentJSON({
    filename: 'sample1.jpg',
    size: photo.length,
    url: `${discord.origin}${path}`,
    content_type: 'image/jpeg',
    width: 1920,
    height: 1280,
  });
  return { path, picture };
}

describe('Stylize on Discord with the real bot', () => {
  it('opens the form on a message with a photo, then stylizes it from the submitted target', async () => {
    const { path, picture } = hostSamplePhoto('/cdn/attachments/9/9/sample1.jpg');
    const opened = await h.interact(messageCommand('Stylize', messageJSON([picture])));
    expect(opened).toHaveLength(1);
    const modal = opened[0]!.body;
    expect(modal.type).toBe(9);
    const fields = modal.data.components.map((c: any) => [c.component.custom_id, c.component.type]);
    expect(fields).toEqual([
      ['domain', 4],
      ['target', 4],
      ['reference', 19],
    ]);

    // as Discord sends it: the empty text field as "", the empty reference upload as `values: []`, no `resolved`
    const submit = modalSubmit(modal.data.custom_id, { domain: '', target: 'a marble statue' }, { reference: [] });
    expect(submit.data.components[2].component).toEqual({ type: 19, id: 6, custom_id: 'reference', values: [] });
    expect(submit.data).not.toHaveProperty('resolved');
    const sent = await h.interact(submit);
    expect(sent[0]!.body.type).toBe(5);
    const result = patchesOf(sent).at(-1)!;
    expect(result.body.content, serviceLog.join('\n')).toContain('a marble statue');
    expect(result.files.map((f) => f.contentType)).toEqual(['image/png', 'image/png']);
    expect(discord.cdnHits).toContain(path);
    // the identity score in words that match the project's scale: ≤ 0.93 is someone else, never "kept"
    const [, verdict, score] = /identity (kept|partly kept|lost: this looks like someone else) \(face-descriptor cosine (\d\.\d\d)/.exec(
      result.body.content,
    )!;
    const expected = Number(score) >= 0.97 ? 'kept' : Number(score) > 0.93 ? 'partly kept' : 'lost: this looks like someone else';
    expect(verdict).toBe(expected);
  });

  it('fits a photo result into the upload limit the interaction states, and says so', async () => {
    const { picture } = hostSamplePhoto('/cdn/attachments/9/10/sample1.jpg');
    const limit = 512 * 1024;
    discord.uploadLimit = limit;
    try {
      const opened = await h.interact(messageCommand('Stylize', messageJSON([picture]), { attachmentSizeLimit: limit }));
      const submit = modalSubmit(
        opened[0]!.body.data.custom_id,
        { domain: '', target: 'an oil painting' },
        { reference: [] },
        { attachmentSizeLimit: limit },
      );
      const sent = await h.interact(submit);
      const result = patchesOf(sent).at(-1)!;
      expect(result.body.content, serviceLog.join('\n')).toContain('an oil painting');
      expect(result.body.content).toMatch(/photo\.png was [\d.]+ MB, over this platform's 0\.5 MB upload limit: sent as a JPEG/);
      const photoFile = result.files.find((f) => f.name.endsWith('-photo.jpg'))!;
      expect(photoFile.data.length).toBeLessThanOrEqual(limit);
      expect((await sharp(photoFile.data).metadata()).format).toBe('jpeg');
      expect(result.files.every((f) => f.data.length <= limit)).toBe(true);
    } finally {
      discord.uploadLimit = 10 * 1024 * 1024;
    }
  });

  it('answers a message without a picture privately', async () => {
    const sent = await h.interact(messageCommand('Stylize', messageJSON([])));
    // no modal: the command refuses before opening one, so the answer is an ephemeral reply
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/no picture/) } });
    expect(h.logs.filter((l) => /failed/.test(l))).toEqual([]);
  });
});

describe('queue positions on Discord', () => {
  it('are updated live while the job waits, not posted once', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const hold = (userId: string) =>
      services.jobs.submit({ userId, serverId: GUILD_ID, kind: 'test', description: 'held', run: () => held });
    const running = await hold('other-1');
    const ahead = await hold('other-2');
    const before = discord.requests.length;
    const payload = slashCommand('adapt', [
      { name: 'prompt', type: 3, value: 'heron' },
      { name: 'count', type: 4, value: 1 },
    ]);
    const done = h.interact(payload);
    const contents = () => patchesOf(discord.requests.slice(before)).map((r) => String(r.body.content));
    await discord.waitFor((r) => r.method === 'PATCH' && String(r.body?.content).includes('queued, position 2'), before);
    // the job ahead goes away: the waiting message moves up without anyone asking
    await services.jobs.cancel(ahead.id, { userId: 'other-2', serverId: GUILD_ID, isManager: false });
    await discord.waitFor((r) => r.method === 'PATCH' && String(r.body?.content).includes('queued, position 1'), before);
    release();
    await Promise.allSettled([running.result, ahead.result]);
    await done;
    expect(contents().at(-1)).toContain('heron');
    expect(serviceLog.filter((l) => /failed/.test(l))).toEqual([]);
  });
});

describe('what a user types, checked before anything runs', () => {
  const answerOf = (sent: RecordedRequest[]) => sent.find((r) => r.method === 'POST' && r.path.startsWith('/webhooks/'))?.body;

  it('the blocklist holds against a look-alike variant, and a control character is named', async () => {
    await services.stores.updateSettings(GUILD_ID, { blocklist: ['gore'] });
    try {
      const blocked = answerOf(await h.interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'dog → ｇ\u200Bоre' }])));
      expect(blocked).toMatchObject({ flags: 64, content: expect.stringContaining('does not allow ("gore")') });
      const control = answerOf(await h.interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: 'a cat\u0007' }])));
      expect(control).toMatchObject({ flags: 64, content: expect.stringContaining('control character (U+0007)') });
      const invisible = answerOf(await h.interact(slashCommand('adapt', [{ name: 'prompt', type: 3, value: '\u200B\u2060' }])));
      expect(invisible?.content).toMatch(/is empty/);
      expect(await services.jobs.list({ serverId: GUILD_ID })).toEqual([]);
    } finally {
      await services.stores.updateSettings(GUILD_ID, { blocklist: [] });
    }
  });

  it('/settings shows the job caps that are enforced (the operator ceiling wins over a higher server setting)', async () => {
    const sent = await h.interact(slashCommand('settings', [{ name: 'show', type: 1, options: [] }], [], { permissions: MANAGE_GUILD }));
    const shown = sent.map((r) => r.body?.content ?? r.body?.data?.content).find((c) => typeof c === 'string' && c.includes('caps:'));
    expect(shown).toContain('caps: 2 jobs per user, 8 per server (this server asks for 3 and 10; this bot allows at most 2 and 8)');
  });
});

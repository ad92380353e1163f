// /stylize, /edit, /queue, /settings and /help through createBot, with real pictures behind real download() calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createBot } from '../../src/core/bot.js';
import { allCommands } from '../../commands/index.js';
import type { Bot } from '../../src/core/platform.js';
import { UserError } from '../../src/core/platform.js';
import { Recorder, type RecordedMessage } from '../core/recording.js';
import { bytesAttachment, openTestServices, type TestServices } from '../core/helpers.js';

const PHOTO = join(import.meta.dirname, '..', '..', 'node_modules', '@vladmandic', 'face-api', 'demo', 'sample1.jpg');

let t: TestServices;
let bot: Bot;
const rec = new Recorder();
const ada = { id: 'ada', name: 'Ada', isManager: false };
const boss = { id: 'boss', name: 'Boss', isManager: true };

beforeAll(async () => {
  t = await openTestServices();
  bot = createBot(t.services, allCommands());
});
afterAll(async () => t?.cleanup());

async function command(
  command: string,
  options: Record<string, unknown>,
  opts: { actor?: typeof ada; subcommand?: string; channelId?: string } = {},
): Promise<RecordedMessage[]> {
  const n = rec.messages.length;
  await bot.handleCommand(rec.context({ actor: opts.actor ?? ada, place: opts.channelId ? { channelId: opts.channelId } : {} }), {
    command,
    subcommand: opts.subcommand,
    options: options as never,
  });
  return rec.messages.slice(n);
}

describe('/stylize', () => {
  it('re-draws a photo with a text target: before/after, the composite, result buttons', async () => {
    const photo = bytesAttachment('me.jpg', readFileSync(PHOTO), 'image/jpeg');
    const [m] = await command('stylize', { image: photo, target: 'a marble statue' });
    expect(m.latest.text, m.latest.text).toContain('**Stylized:** a marble statue');
    // the tiny pack draws "faces": the answer reports the identity score, or why there is none
    expect(m.latest.text).toMatch(
      /identity (kept|partly kept|lost: this looks like someone else) \(face-descriptor cosine \d\.\d\d|identity: not measured/,
    );
    expect(m.latest.files?.map((f) => f.contentType)).toEqual(['image/png', 'image/png']);
    expect((await sharp(m.latest.files![1].data).metadata()).format).toBe('png');
    const ids = Recorder.buttonIds(m);
    expect(ids.some((id) => id.includes(':save:'))).toBe(true);
    expect(ids.some((id) => id.includes(':more:'))).toBe(false); // a photo has no other samples
    expect(ids.some((id) => id.includes(':str:'))).toBe(true); // but re-renders from its inverted W+
    expect(photo.downloads).toBe(1);
    // the photo result can be edited later: from its W+, before = the domain without the edit
    const [edited] = await command('edit', { text: 'smiling', strength: 1.5 });
    expect(edited.latest.text, edited.latest.text).toContain('**Edit:** a marble statue + smiling');
    expect(edited.latest.text).not.toContain('seeds');
    const id = /result `([^`]+)`/.exec(edited.latest.text)![1];
    const stored = await t.services.stores.getResult('s1', id);
    const { numWs, latentDim } = t.engine.manifest;
    expect(Buffer.from(stored!.ws!, 'base64').byteLength).toBe(numWs * latentDim * 4);
  });

  it('refuses bad pictures clearly, and downloads nothing it can refuse from the metadata', async () => {
    const pdf = bytesAttachment('cv.pdf', Buffer.from('%PDF-1.4'), 'application/pdf');
    let [m] = await command('stylize', { image: pdf, target: 'x' });
    expect(m.latest).toMatchObject({ private: true });
    expect(m.latest.text).toMatch(/not a picture I can read/);
    expect(pdf.downloads).toBe(0);
    const huge = bytesAttachment('big.png', Buffer.alloc(10), 'image/png', { size: 50 * 1024 * 1024 });
    [m] = await command('stylize', { image: huge, target: 'x' });
    expect(m.latest.text).toMatch(/the limit is 8\.0 MB/);
    expect(huge.downloads).toBe(0);
    const corrupt = bytesAttachment('broken.jpg', readFileSync(PHOTO).subarray(0, 3000), 'image/jpeg');
    [m] = await command('stylize', { image: corrupt, target: 'x' });
    expect(m.latest.text).toMatch(/"broken\.jpg" is not a picture I can read|could not be read as a picture/);
    const bomb = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    [m] = await command('stylize', { image: bytesAttachment('bomb.png', bomb, 'image/png'), target: 'x' });
    expect(m.latest.text).toMatch(/bomb\.png.*8000×8000 pixels; the limit is 40 megapixels/);
    const photo = bytesAttachment('me.jpg', readFileSync(PHOTO), 'image/jpeg');
    [m] = await command('stylize', { image: photo, target: 'x', domain: 'y' });
    expect(m.latest.text).toMatch(/exactly one of/);
  });

  it('the Stylize message command asks with a form, then stylizes the message picture', async () => {
    const photo = bytesAttachment('p.jpg', readFileSync(PHOTO), 'image/jpeg');
    const inv = { command: 'stylize-message', options: {}, target: { messageId: 'x1', attachments: [photo] } };
    expect(bot.wantsModal(inv)).toBe(true);
    expect(bot.wantsModal({ command: 'adapt', options: {} })).toBe(false);
    await bot.handleCommand(rec.context(), inv);
    const modal = rec.modals[rec.modals.length - 1];
    expect(modal.fields.map((f) => [f.id, f.kind])).toEqual([
      ['domain', 'text'],
      ['target', 'text'],
      ['reference', 'attachment'],
    ]);
    // someone else cannot use Ada's form
    let n = rec.messages.length;
    await bot.handleModal(rec.context({ actor: boss }), modal.id, { target: 'pixar' });
    expect(rec.messages[n].latest.text).toMatch(/belongs to someone else/);
    // a reference picture: one-shot adaptation from the image
    const ref = bytesAttachment('ref.jpg', readFileSync(PHOTO), 'image/jpeg');
    n = rec.messages.length;
    await bot.handleModal(rec.context(), modal.id, { reference: [ref] });
    expect(rec.messages[n].latest.text).toContain('the style of ref.jpg');
    expect(rec.messages[n].latest.files).toHaveLength(2);
    // the form is used up
    n = rec.messages.length;
    await bot.handleModal(rec.context(), modal.id, { target: 'pixar' });
    expect(rec.messages[n].latest.text).toMatch(/expired/);
  });
});

describe('errors inside a job', () => {
  it('a picture with no face: the progress message says so and the user gets a private answer', async () => {
    const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#7a8' } })
      .png()
      .toBuffer();
    const msgs = await command('stylize', { image: bytesAttachment('wall.png', blank, 'image/png'), target: 'a statue' });
    expect(msgs).toHaveLength(2);
    expect(msgs[0].latest.text).toMatch(/❌ .*(no face found|I could not find a face)/);
    expect(msgs[1].latest).toMatchObject({ private: true });
    expect(msgs[1].latest.text).toMatch(/no face found|could not find a face/);
  });

  it("the engine's input errors are shown to the user, other errors are not", async () => {
    const { EngineInputError, ImageInputError } = await import('../../src/engine/index.js');
    const { userMessageOf } = await import('../../src/core/errors.js');
    expect(userMessageOf(new EngineInputError('strength must be a number'))).toBe('That did not work: strength must be a number');
    expect(userMessageOf(new ImageInputError('the picture is too small'))).toMatch(/too small/);
    expect(userMessageOf(new UserError('plain'))).toBe('plain');
    expect(userMessageOf(new Error('ENOENT /secret/path'))).toBeUndefined();
  });
});

describe('caches and permissions', () => {
  it('the same reference picture twice: CLIP vision and the hypernet run once', async () => {
    const bytes = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a6' } })
      .png()
      .toBuffer();
    const calls = t.engine.calls;
    const before = { img: calls.embedImage ?? 0, dom: calls.domainFromImage ?? 0 };
    for (let i = 0; i < 2; i++) {
      const [m] = await command('stylize', {
        image: bytesAttachment('me.jpg', readFileSync(PHOTO), 'image/jpeg'),
        reference: bytesAttachment(`ref${i}.png`, bytes, 'image/png'),
      });
      expect(m.latest.files, m.latest.text).toHaveLength(2);
    }
    expect((calls.domainFromImage ?? 0) - before.dom).toBe(1);
    expect((calls.embedImage ?? 0) - before.img).toBe(1);
  });

  it('when only managers may save, the save button says so to others', async () => {
    await t.services.stores.updateSettings('s1', { saveDomains: 'managers' });
    const [m] = await command('adapt', { prompt: 'owl', seed: 2, count: 1 });
    const id = /result `([^`]+)`/.exec(m.latest.text)![1];
    const modals = rec.modals.length;
    const n = rec.messages.length;
    await bot.handleButton(rec.context({ source: m }), `adapt:save:${id}`);
    expect(rec.modals.length).toBe(modals);
    expect(rec.messages[n].latest.text).toMatch(/only managers can save/);
    await bot.handleButton(rec.context({ actor: boss, source: m }), `adapt:save:${id}`);
    expect(rec.modals.length).toBe(modals + 1);
    await t.services.stores.updateSettings('s1', { saveDomains: 'everyone' });
  });
});

describe('/edit', () => {
  it('edits the latest result in the channel with a StyleCLIP direction; before is the unedited domain', async () => {
    await command('adapt', { prompt: 'a face → a pixar character', seed: 21, count: 2 }, { channelId: 'edits' });
    const [m] = await command('edit', { text: 'smiling', strength: 2 }, { channelId: 'edits' });
    expect(m.latest.text, m.latest.text).toContain('**Edit:** a face → a pixar character + smiling');
    const id = /result `([^`]+)`/.exec(m.latest.text)![1];
    const stored = await t.services.stores.getResult('s1', id);
    expect(stored?.styleDelta).toBeDefined();
    expect(stored?.seeds).toEqual([21, 22]);
    const [none] = await command('edit', { text: 'smiling' }, { channelId: 'empty-channel' });
    expect(none.latest.text).toMatch(/no result in this channel/);
  });
});

describe('/queue, /settings, /help', () => {
  it('/queue lists nothing when idle, and a stale cancel button says so', async () => {
    const [m] = await command('queue', {});
    expect(m.latest.text).toMatch(/no jobs/);
    const n = rec.messages.length;
    await bot.handleButton(rec.context(), 'queue:cancel:abc123');
    expect(rec.messages[n].latest.text).toMatch(/already finished/);
  });

  it('settings are for managers; the blocklist, channels and caps take effect', async () => {
    let [m] = await command('settings', { add: 'zombie' }, { subcommand: 'blocklist' });
    expect(m.latest.text).toMatch(/Only server managers/);
    [m] = await command('settings', { add: 'Zombie, gore' }, { subcommand: 'blocklist', actor: boss });
    expect(m.latest.text).toMatch(/blocklist: `zombie`, `gore`/);
    [m] = await command('adapt', { prompt: 'a ZOMBIE face' });
    expect(m.latest.text).toMatch(/does not allow/);
    [m] = await command('settings', { action: 'allow' }, { subcommand: 'channel', actor: boss, channelId: 'bots' });
    expect(m.latest.text).toMatch(/channels: <#bots>/);
    [m] = await command('adapt', { prompt: 'cat' }, { channelId: 'general' });
    expect(m.latest.text).toMatch(/not enabled in this channel/);
    [m] = await command('help', {}, { channelId: 'general' }); // help works anywhere
    expect(m.latest.text).toContain('/adapt');
    [m] = await command('settings', { user: 1 }, { subcommand: 'caps', actor: boss, channelId: 'bots' });
    expect(m.latest.text).toMatch(/1 jobs per user/);
    [m] = await command('settings', { action: 'everywhere' }, { subcommand: 'channel', actor: boss });
    expect(m.latest.text).toMatch(/channels: everywhere/);
    [m] = await command('settings', { name: 'nope' }, { subcommand: 'pack', actor: boss });
    expect(m.latest.text).toMatch(/No pack called `nope`/);
  });

  it('the per-user cap refuses a second concurrent job with a clear message', async () => {
    // Ada's cap is 1 now: two /adapt at once, the second is refused while the first runs
    const [a, b] = await Promise.all([
      command('adapt', { prompt: 'cap test one', seed: 1, count: 1 }),
      command('adapt', { prompt: 'cap test two', seed: 1, count: 1 }),
    ]);
    const texts = [...a, ...b].map((m) => m.latest.text);
    expect(texts.some((x) => /limit is 1/.test(x))).toBe(true);
    expect(texts.some((x) => /\*\*Domain:\*\* cap test/.test(x))).toBe(true);
  });

  it('/help lists the commands (managers see /settings) and explains one', async () => {
    let [m] = await command('help', {});
    expect(m.latest.text).toMatch(/\/adapt[\s\S]*\/domains/);
    expect(m.latest.text).not.toContain('/settings');
    [m] = await command('help', {}, { actor: boss });
    expect(m.latest.text).toContain('/settings');
    [m] = await command('help', { command: 'adapt' });
    expect(m.latest.text).toMatch(/`strength` \(optional\)/);
    // the choice's shown name works as well as its value ("/stylize", as Slack users type it)
    [m] = await command('help', { command: '/stylize' });
    expect(m.latest.text).toContain('**/stylize**');
    [m] = await command('help', { command: 'nope' });
    expect(m.latest.text).toMatch(/command must be one of: \/adapt, \/stylize/);
    [m] = await command('nonsense', {});
    expect(m.latest.text).toMatch(/do not know the command/);
  });
});

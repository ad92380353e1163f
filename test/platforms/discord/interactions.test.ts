// Message context menus, modals and attachments through the real discord.js client and a loopback Discord + CDN.
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Attachment } from '../../../src/core/platform.js';
import { isAllowedCdnUrl, DISCORD_CDN_HOSTS } from '../../../src/platforms/discord/attachments.js';
import type { FakeDiscord, RecordedRequest } from './fake-discord.js';
import { startHarness, type Harness } from './harness.js';
import { attachmentJSON, messageCommand, messageJSON, modalSubmit, slashCommand, type AttachmentJSON } from './payloads.js';
import { ScriptedBot } from './scripted-bot.js';
import { pngClaimingSize } from '../../helpers/pixel-bomb.js';

const bot = new ScriptedBot();
let h: Harness;
let discord: FakeDiscord;
let photo: Buffer;

function serve(name: string, data: Buffer, contentType = 'image/png', chunked = false): string {
  const path = `/cdn/attachments/1/2/${name}`;
  discord.cdn.set(path, { contentType, data, chunked });
  return `${discord.origin}${path}`;
}

beforeAll(async () => {
  h = await startHarness(bot);
  discord = h.discord;
  photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2a6' } })
    .jpeg()
    .toBuffer();
});

afterAll(async () => {
  await h?.stop();
});

beforeEach(() => {
  discord.overrides = [];
  discord.cdnHits.length = 0;
  bot.reset();
});

describe('message context menu', () => {
  it('passes the pictures of the target message, downloadable from the CDN', async () => {
    const url = serve('photo.jpg', photo, 'image/jpeg');
    const picture = attachmentJSON({ filename: 'photo.jpg', size: photo.length, url, content_type: 'image/jpeg', width: 64, height: 48 });
    const target = messageJSON([picture]);
    let downloaded: Buffer | undefined;
    bot.onCommand = async (ctx, inv) => {
      downloaded = await inv.target!.attachments[0]!.download(1024 * 1024);
      await ctx.reply({ text: `got ${downloaded.length} bytes` });
    };
    const sent = await h.interact(messageCommand('Stylize', target));
    const inv = bot.calls[0]!.inv!;
    expect(inv.command).toBe('stylize');
    expect(inv.target?.messageId).toBe(target.id);
    expect(inv.target?.attachments[0]).toMatchObject({
      name: 'photo.jpg',
      contentType: 'image/jpeg',
      size: photo.length,
      width: 64,
      height: 48,
      url,
    });
    expect(downloaded?.equals(photo)).toBe(true);
    expect(sent[0]!.body.type).toBe(5);
    expect(sent.find((r) => r.method === 'PATCH')?.body.content).toBe(`got ${photo.length} bytes`);
  });
});

describe('modals', () => {
  it('opens the modal as the first answer (no defer) and hands the submitted text and files to the bot', async () => {
    bot.modalFor = (inv) => inv.command === 'stylize';
    bot.onCommand = async (ctx) => {
      await ctx.openModal!({
        id: 'stylize:form:abc',
        title: 'Stylize this picture',
        fields: [
          { id: 'domain', label: 'Saved domain', kind: 'text', placeholder: 'pixar', maxLength: 64 },
          { id: 'reference', label: 'Reference picture', kind: 'attachment' },
          {
            id: 'strength',
            label: 'Strength',
            kind: 'select',
            options: [
              { label: 'gentle', value: '0.5' },
              { label: 'full', value: '1' },
            ],
          },
        ],
      });
    };
    const sent = await h.interact(messageCommand('Stylize', messageJSON([])));
    const callbacks = sent.filter((r) => r.path.endsWith('/callback'));
    expect(callbacks).toHaveLength(1);
    const modal = callbacks[0]!.body;
    expect(modal.type).toBe(9);
    expect(modal.data.custom_id).toBe('stylize:form:abc');
    expect(modal.data.title).toBe('Stylize this picture');
    const inner = modal.data.components.map((c: any) => [c.type, c.label, c.component.type, c.component.custom_id]);
    expect(inner).toEqual([
      [18, 'Saved domain', 4, 'domain'],
      [18, 'Reference picture', 19, 'reference'],
      [18, 'Strength', 3, 'strength'],
    ]);

    const url = serve('ref.jpg', photo, 'image/jpeg');
    const reference = attachmentJSON({ filename: 'ref.jpg', size: photo.length, url, content_type: 'image/jpeg' });
    let fetched: Buffer | undefined;
    bot.onModal = async (ctx, _id, values) => {
      fetched = await (values.reference as Attachment[])[0]!.download(1024 * 1024);
      await ctx.reply({ text: `stylizing with ${values.domain}` });
    };
    const submitted = await h.interact(modalSubmit('stylize:form:abc', { domain: 'pixar', note: '   ' }, { reference: [reference] }));
    const call = bot.calls.find((c) => c.kind === 'modal')!;
    expect(call.id).toBe('stylize:form:abc');
    expect(call.values?.domain).toBe('pixar');
    expect(call.values?.note).toBeUndefined();
    expect((call.values?.reference as Attachment[] | undefined)?.map((a) => a.name)).toEqual(['ref.jpg']);
    expect(fetched?.equals(photo)).toBe(true);
    expect(submitted[0]!.body.type).toBe(5);
    expect(submitted.find((r) => r.method === 'PATCH')?.body.content).toBe('stylizing with pixar');
  });
});

describe('bad attachments', () => {
  /** runs /adapt with one attachment whose download the command asks for (8 MB); returns the private answer */
  async function adaptWith(picture: AttachmentJSON): Promise<{ text: string; sent: RecordedRequest[] }> {
    bot.onCommand = async (ctx, inv) => {
      const data = await (inv.options.image as Attachment).download(8 * 1024 * 1024);
      await ctx.reply({ text: `fine: ${data.length}` });
    };
    const payload = slashCommand(
      'adapt',
      [
        { name: 'prompt', type: 3, value: 'x' },
        { name: 'image', type: 11, value: picture.id },
      ],
      [picture],
    );
    const sent = await h.interact(payload);
    const answer = sent.find((r) => r.method === 'POST' && r.path.startsWith('/webhooks/'));
    expect(answer?.body.flags).toBe(64); // ephemeral
    expect(sent.some((r) => r.method === 'DELETE' && r.path.endsWith('/@original'))).toBe(true);
    return { text: answer!.body.content as string, sent };
  }

  it('refuses a file that is not a picture, without downloading it', async () => {
    const url = serve('notes.txt', Buffer.from('hello'), 'text/plain');
    const { text } = await adaptWith(attachmentJSON({ filename: 'notes.txt', size: 5, url, content_type: 'text/plain' }));
    expect(text).toMatch(/notes\.txt.*text\/plain.*picture/);
    expect(discord.cdnHits).toEqual([]);
  });

  it('refuses a file too large by its declared size, without downloading it', async () => {
    const url = serve('huge.png', photo);
    const { text } = await adaptWith(attachmentJSON({ filename: 'huge.png', size: 30 * 1024 * 1024, url, content_type: 'image/png' }));
    expect(text).toMatch(/huge\.png.*30\.0 MB.*limit is 8\.0 MB/);
    expect(discord.cdnHits).toEqual([]);
  });

  it('refuses a URL that is not on a Discord CDN host', async () => {
    const { text } = await adaptWith(
      attachmentJSON({ filename: 'a.png', size: 100, url: 'http://127.0.0.2:9/a.png', content_type: 'image/png' }),
    );
    expect(text).toMatch(/not hosted on Discord's CDN/);
  });

  it('refuses a pixel bomb by its declared size, and by its header when Discord gives none', async () => {
    const bomb = pngClaimingSize(50_000, 50_000);
    const url = serve('bomb.png', bomb);
    const declared = await adaptWith(
      attachmentJSON({ filename: 'bomb.png', size: bomb.length, url, content_type: 'image/png', width: 50_000, height: 50_000 }),
    );
    expect(declared.text).toMatch(/bomb\.png.*50000×50000.*megapixels/);
    expect(discord.cdnHits).toEqual([]);
    const undeclared = await adaptWith(attachmentJSON({ filename: 'bomb.png', size: bomb.length, url, content_type: 'image/png' }));
    expect(undeclared.text).toMatch(/bomb\.png.*claims 50000×50000.*megapixels/);
    expect(discord.cdnHits).toHaveLength(1);
  });

  it('stops a body that grows past the limit while downloading', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024, 7);
    const url = serve('liar.png', big, 'image/png', true);
    const { text } = await adaptWith(attachmentJSON({ filename: 'liar.png', size: 1000, url, content_type: 'image/png' }));
    expect(text).toMatch(/liar\.png.*larger than 8\.0 MB.*stopped/);
  });

  it('refuses a damaged picture', async () => {
    const url = serve('broken.png', Buffer.from('definitely not a png'));
    const { text } = await adaptWith(attachmentJSON({ filename: 'broken.png', size: 20, url, content_type: 'image/png' }));
    expect(text).toMatch(/broken\.png.*not a picture I can read/);
  });
});

describe('CDN hosts', () => {
  it('accepts only https on Discord CDN hosts by default', () => {
    expect(isAllowedCdnUrl('https://cdn.discordapp.com/attachments/1/2/a.png?ex=1', DISCORD_CDN_HOSTS)).toBe(true);
    expect(isAllowedCdnUrl('https://media.discordapp.net/attachments/1/2/a.png', DISCORD_CDN_HOSTS)).toBe(true);
    expect(isAllowedCdnUrl('http://cdn.discordapp.com/attachments/1/2/a.png', DISCORD_CDN_HOSTS)).toBe(false);
    expect(isAllowedCdnUrl('https://cdn.discordapp.com.evil.example/a.png', DISCORD_CDN_HOSTS)).toBe(false);
    expect(isAllowedCdnUrl('https://user@cdn.discordapp.com:8443/a.png', DISCORD_CDN_HOSTS)).toBe(false);
    expect(isAllowedCdnUrl('not a url', DISCORD_CDN_HOSTS)).toBe(false);
  });
});

describe('unknown commands', () => {
  it('answers a command the bot no longer has with an ephemeral message', async () => {
    const logged = h.logs.length;
    const sent = await h.interact(slashCommand('vanished'));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/vanished/) } });
    expect(h.logs.slice(logged)).toEqual([]);
    expect(bot.calls).toEqual([]);
  });
});

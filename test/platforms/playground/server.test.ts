// The playground's HTTP API without a browser: what a bad request gets, and that nothing is lost or crashes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { pngClaimingSize } from '../../helpers/pixel-bomb.js';
import { startPlayground, type Playground } from '../../../src/platforms/playground/server.js';
import { createTestBot } from './test-bot.js';

let playground: Playground;
const errors: string[] = [];

beforeAll(async () => {
  playground = await startPlayground({
    bot: createTestBot(),
    port: 0,
    maxAttachmentBytes: 64 * 1024,
    log: { info: () => {}, error: (m, e) => errors.push(`${m} ${String(e)}`) },
  });
});

afterAll(async () => {
  await playground?.close();
});

const url = (path: string) => new URL(path, playground.url).toString();
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function history(user = 'ann') {
  const res = await fetch(url(`/api/messages?user=${user}`));
  return ((await res.json()) as { messages: Array<{ text: string; visibleTo?: string; files: Array<{ url: string }> }> }).messages;
}

describe('playground HTTP API', () => {
  it('serves the page and the command specs, without functions', async () => {
    const page = await fetch(playground.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    const info = (await (await fetch(url('/api/info'))).json()) as { specs: Array<{ name: string }>; maxAttachmentBytes: number };
    expect(info.specs.map((s) => s.name)).toEqual(['adapt', 'domains', 'stylize']);
    expect(info.maxAttachmentBytes).toBe(64 * 1024);
  });

  it('refuses cross-origin posts and bodies that are not JSON', async () => {
    const cross = await postJson('/api/say', { text: 'hi', user: { id: 'ann' } }, { origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    const form = await fetch(url('/api/say'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'text=hi' });
    expect(form.status).toBe(400);
    expect(((await form.json()) as { error: string }).error).toBe('Send JSON (content-type: application/json).');
    const broken = await fetch(url('/api/say'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":' });
    expect(((await broken.json()) as { error: string }).error).toBe('The request body is not a JSON object.');
    const missing = await postJson('/api/command', { user: { id: 'ann' } });
    expect(((await missing.json()) as { error: string }).error).toBe('text is missing.');
    expect((await history()).some((m) => m.text === 'hi')).toBe(false);
  });

  it('keeps a good upload, serves it back byte for byte, and gives attachments their size limit', async () => {
    const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const res = await fetch(url('/api/upload?file=tiny.png&user=ann&name=Ann'), {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(png),
    });
    expect(res.status).toBe(201);
    const { file } = (await res.json()) as { file: { id: string; url: string; width: number; height: number } };
    expect([file.width, file.height]).toEqual([8, 6]);
    // a phone photo stored sideways with an EXIF rotation: the size reported is the upright one
    const turned = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#654321' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const upright = await fetch(url('/api/upload?file=phone.jpg&user=ann'), {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(turned),
    });
    expect(((await upright.json()) as { file: { width: number; height: number } }).file).toMatchObject({ width: 6, height: 8 });
    const back = Buffer.from(await (await fetch(url(file.url))).arrayBuffer());
    expect(back.equals(png)).toBe(true);
    const stored = playground.adapter.channel.file(file.id)!;
    const attachment = playground.adapter.attachmentOf(stored);
    expect((await attachment.download(1024)).equals(png)).toBe(true);
    await expect(attachment.download(10)).rejects.toThrow(/^tiny\.png is 1 KB; pictures may be at most 1 KB\.$/);
  });

  it('answers bad uploads in the channel, only to the uploader', async () => {
    const text = await fetch(url('/api/upload?file=notes.png&user=ann'), {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    const pdf = await fetch(url('/api/upload?file=doc.pdf&user=ann'), {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: '%PDF-1.4',
    });
    expect(((await pdf.json()) as { error: string }).error).toBe(
      'doc.pdf is application/pdf; only PNG, JPEG, WebP and GIF pictures can be used.',
    );
    const big = await fetch(url('/api/upload?file=big.png&user=ann'), {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: Buffer.alloc(100 * 1024),
    });
    expect(big.status).toBe(413);
    // a truncated PNG: right signature, unreadable body
    const cut = await fetch(url('/api/upload?file=cut.png&user=ann'), {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]),
    });
    expect(((await cut.json()) as { error: string }).error).toBe(
      '"cut.png" is not a picture I can read (the file is damaged or not an image).',
    );
    // a pixel bomb is named as one, not as a damaged file
    const bomb = await fetch(url('/api/upload?file=bomb.png&user=ann'), {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(pngClaimingSize(50_000, 50_000)),
    });
    expect(((await bomb.json()) as { error: string }).error).toBe('"bomb.png" claims 50000×50000 pixels; the limit is 40 megapixels.');
    const mine = (await history('ann')).filter((m) => m.visibleTo === 'ann').map((m) => m.text);
    expect(mine).toEqual([
      'notes.png is not a picture (its content is not PNG, JPEG, WebP or GIF), so it was not posted.',
      'doc.pdf is application/pdf; only PNG, JPEG, WebP and GIF pictures can be used.',
      'big.png was not posted: That is 100 KB; the limit is 64 KB.',
      '"cut.png" is not a picture I can read (the file is damaged or not an image).',
      '"bomb.png" claims 50000×50000 pixels; the limit is 40 megapixels.',
    ]);
    expect((await history('bob')).some((m) => m.visibleTo)).toBe(false);
  });

  it('says when a button or form is gone, and serves 404s as JSON', async () => {
    await postJson('/api/button', { messageId: 'nope', buttonId: 'adapt:vote:up:1', user: { id: 'ann' } });
    await postJson('/api/modal', { modalId: 'stylize:go:x', values: {}, user: { id: 'ann' } });
    await expect
      .poll(async () => (await history('ann')).map((m) => m.text).slice(-2))
      .toEqual(['That button is no longer there.', 'That form has expired; run the command again.']);
    const missing = await fetch(url('/files/nothing/x.png'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'That file is no longer in the playground.' });
  });

  it('explains a port that is taken', async () => {
    const port = Number(new URL(playground.url).port);
    await expect(startPlayground({ bot: createTestBot(), port, maxAttachmentBytes: 1024 })).rejects.toThrow(
      `port ${port} on 127.0.0.1 is already in use; set PORT (or PLAYGROUND_PORT) to a free one`,
    );
    expect(errors).toEqual([]);
  });
});

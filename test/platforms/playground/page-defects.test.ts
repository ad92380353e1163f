// Playground defects users met, each in headless Chromium: the channel following new pictures, emoji drawn in
// colour, buttons that come back, a side panel that refreshes, a channel kept across restarts, and every
// result of 300 jobs reaching the page although they pushed their own messages out of the channel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startPlayground, type Playground, type PlaygroundOptions } from '../../../src/platforms/playground/server.js';
import { launchChromium } from './browser.js';
import { createTestBot } from './test-bot.js';

const errors: string[] = [];
const log = { info: () => {}, error: (m: string, e?: unknown) => errors.push(`${m} ${String(e)}`) };
const dir = mkdtempSync(join(tmpdir(), 'playground-defects-'));
let chromium: Awaited<ReturnType<typeof launchChromium>>;
const open: Playground[] = [];

async function start(options: Partial<PlaygroundOptions> = {}) {
  const playground = await startPlayground({ bot: createTestBot(), port: 0, maxAttachmentBytes: 256 * 1024, log, ...options });
  open.push(playground);
  return playground;
}

async function openPage(playground: Playground): Promise<Page> {
  const page = await chromium.context.newPage();
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  await page.goto(playground.url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

/** what a user does from another tab: a command through the page's own API */
async function api(playground: Playground, path: string, body: object, user = { id: 'bob', name: 'Bob' }) {
  const res = await fetch(new URL(path, playground.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, user }),
  });
  expect(res.ok).toBe(true);
}

const distanceToBottom = (page: Page) => page.$eval('#messages', (l) => l.scrollHeight - l.scrollTop - l.clientHeight);
const loadedGrids = (page: Page) =>
  page.$$eval('#messages img[alt$=" grid"]', (imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length);

beforeAll(async () => {
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  for (const p of open) await p.close().catch(() => {});
  if (!process.env.KEEP_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
});

describe('playground defects', () => {
  let playground: Playground;
  let page: Page;

  beforeAll(async () => {
    playground = await start();
    for (let i = 0; i < 30; i++) await api(playground, '/api/say', { text: `line ${i}` });
    page = await openPage(playground);
  });

  it('the channel follows a new picture down, and stays where the user scrolled up to', async () => {
    await page.fill('#input', '/adapt target: first');
    await page.press('#input', 'Enter');
    await expect.poll(() => loadedGrids(page)).toBe(1);
    await expect.poll(() => distanceToBottom(page)).toBeLessThan(2);

    await page.$eval('#messages', (l) => l.scrollTo(0, 0));
    await expect.poll(() => page.evaluate(() => window.scrollY + document.getElementById('messages')!.scrollTop)).toBe(0);
    // the page hears of the user's scroll at the next frame: only then is it "scrolled up"
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await api(playground, '/api/command', { text: '/adapt target: second' });
    // (a lazy picture out of sight does not load: the grid is there, the channel did not move to it)
    await expect.poll(() => page.locator('#messages img[alt$=" grid"]').count()).toBe(2);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await page.$eval('#messages', (l) => l.scrollTop)).toBe(0);
  });

  it('draws emoji on buttons in colour (Debian Chromium has no emoji font of its own)', async () => {
    const button = page.locator('#messages button[data-button-id^="adapt:vote:up"]').first();
    // Twemoji's thumbs up is yellow; a missing glyph is a box in the grey text colour on the green button
    const yellowPixels = async () => {
      const shot = await button.screenshot({ path: join(dir, 'vote-button.png') });
      const { data, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      let n = 0;
      for (let i = 0; i < data.length; i += info.channels) if (data[i] > 200 && data[i + 1] > 150 && data[i + 2] < 120) n++;
      return n;
    };
    await expect.poll(yellowPixels, { timeout: 15_000 }).toBeGreaterThan(20);
    const font = await fetch(new URL('/fonts/twemoji.woff2', playground.url));
    expect(font.headers.get('content-type')).toBe('font/woff2');
  });

  it('a pressed button comes back once the bot has answered', async () => {
    const info = page.locator('#messages button[data-button-id^="adapt:info"]').first();
    await info.click();
    await page.locator('#messages .message.private', { hasText: 'made by the test bot' }).waitFor();
    await expect.poll(() => info.isEnabled()).toBe(true);
  });

  it('the gallery panel refreshes after a save, a rename and a delete', async () => {
    await page.click('.panel-tab:has-text("Gallery")');
    const panel = page.locator('#panel-body .text');
    await expect.poll(() => panel.textContent()).toContain('saved: none');
    await api(playground, '/api/command', { text: '/domains save name: alpha' });
    await expect.poll(() => panel.textContent()).toContain('saved: alpha');
    await api(playground, '/api/command', { text: '/domains rename name: alpha to: beta' });
    await expect.poll(() => panel.textContent()).toContain('saved: beta');
    await api(playground, '/api/command', { text: '/domains delete name: beta' });
    await expect.poll(() => panel.textContent()).toContain('saved: none');
    expect(errors).toEqual([]);
  });

  it('offers saved domain names while an option that takes one is typed, and forgets deleted ones', async () => {
    await api(playground, '/api/command', { text: '/domains save name: gamma' });
    await api(playground, '/api/command', { text: '/domains save name: gold' });
    const suggestions = () => page.locator('#suggestions li .label').allTextContents();
    await page.fill('#input', '');
    await page.type('#input', '/domains rename name: g');
    await expect.poll(suggestions).toEqual(['gamma', 'gold']);
    await page.type('#input', 'a');
    await expect.poll(suggestions).toEqual(['gamma']);
    await page.press('#input', 'Tab');
    expect(await page.inputValue('#input')).toBe('/domains rename name: gamma ');
    await page.fill('#input', '');
    await api(playground, '/api/command', { text: '/domains delete name: gamma' });
    await expect.poll(() => page.locator('#panel-body .text').textContent()).toContain('saved: gold');
    await page.type('#input', '/domains rename name: g');
    await expect.poll(suggestions).toEqual(['gold']);
    await page.fill('#input', '');
  });
});

describe('playground channel across a restart', () => {
  it('shows the same messages and pictures after a restart (PLAYGROUND_ARCHIVE)', async () => {
    const archive = join(dir, 'channel.sqlite');
    const first = await start({ archive });
    await api(first, '/api/say', { text: 'kept across restarts' });
    await api(first, '/api/command', { text: '/adapt target: durable' });
    await expect
      .poll(async () =>
        ((await (await fetch(new URL('/api/messages?user=bob', first.url))).json()) as { messages: { files: unknown[] }[] }).messages.some(
          (m) => m.files.length,
        ),
      )
      .toBe(true);
    await first.close();

    const second = await start({ archive });
    const page = await openPage(second);
    await page.locator('#messages .message', { hasText: 'kept across restarts' }).waitFor();
    await expect.poll(() => loadedGrids(page)).toBe(1);
    await page.close();
  });

  it('keeps at most the channel limit of messages in the archive', async () => {
    const archive = join(dir, 'bounded.sqlite');
    const first = await start({ archive, channelLimits: { maxMessages: 5 } });
    for (let i = 0; i < 12; i++) await api(first, '/api/say', { text: `m${i}` });
    await first.close();
    const second = await start({ archive, channelLimits: { maxMessages: 5 } });
    const { messages } = (await (await fetch(new URL('/api/messages?user=bob', second.url))).json()) as { messages: { text: string }[] };
    expect(messages.map((m) => m.text)).toEqual(['m7', 'm8', 'm9', 'm10', 'm11']);
  });
});

describe('playground under load', () => {
  it('shows all 300 results of 300 jobs that pushed their own messages out of the 500-message channel', async () => {
    const bot = createTestBot();
    let release!: () => void;
    bot.hold = new Promise<void>((r) => {
      release = r;
    });
    const playground = await start({ bot });
    const page = await openPage(playground);
    await Promise.all(Array.from({ length: 300 }, (_, i) => api(playground, '/api/command', { text: `/adapt target: load ${i}` })));
    // every job has its echo and its "Rendering" message: 600 messages, the first 100 gone from the channel
    await expect.poll(() => page.locator('#messages .message.from-bot', { hasText: 'Rendering' }).count(), { timeout: 60_000 }).toBe(300);
    release();
    await expect.poll(() => page.locator('#messages img[alt$=" grid"]').count(), { timeout: 90_000 }).toBe(300);
    expect(await page.locator('#messages .message.from-bot', { hasText: 'Rendering' }).count()).toBe(0);
    await page.close();
  }, 180_000);
});

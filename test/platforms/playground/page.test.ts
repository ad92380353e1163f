// The playground end to end in headless Chromium, against a small Bot written from platform.ts alone:
// what the adapter does with commands, edits, buttons, uploads, modals, private answers and the side panel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startPlayground, type Playground } from '../../../src/platforms/playground/server.js';
import { launchChromium } from './browser.js';
import { createTestBot } from './test-bot.js';

const bot = createTestBot();
let playground: Playground;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  playground = await startPlayground({
    bot,
    port: 0,
    maxAttachmentBytes: 256 * 1024,
    log: { info: () => {}, error: (m, e) => errors.push(`${m} ${String(e)}`) },
  });
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  await page.goto(playground.url);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await chromium?.close();
  await playground?.close();
});

async function command(text: string) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

describe('playground page', () => {
  it('autocompletes slash commands and their options from the bot specs', async () => {
    await page.fill('#input', '');
    await page.type('#input', '/ad');
    await expect.poll(() => page.locator('#suggestions li .label').allTextContents()).toEqual(['/adapt']);
    await page.press('#input', 'Tab');
    expect(await page.inputValue('#input')).toBe('/adapt ');
    await expect.poll(() => page.locator('#suggestions li .label').allTextContents()).toEqual(['target:', 'count:']);
    await page.type('#input', '/domains '.slice(0, 0)); // nothing: keeps focus
    await page.fill('#input', '');
    await page.type('#input', '/domains l');
    await expect.poll(() => page.locator('#suggestions li .label').allTextContents()).toEqual(['leaderboard']);
    // Enter on a complete command sends it, even with its own completion on offer
    await page.type('#input', 'eaderboard');
    await expect.poll(() => page.locator('#suggestions li .label').allTextContents()).toEqual(['leaderboard']);
    await page.press('#input', 'Enter');
    await page.locator('#messages .message.from-bot .text strong', { hasText: 'leaderboard' }).waitFor();
    expect(await page.inputValue('#input')).toBe('');
  });

  it('/adapt shows its progress, then a grid image with vote buttons in the same message', async () => {
    const seen: string[] = [];
    await page.exposeFunction('recordText', (t: string) => seen.push(t));
    await page.evaluate(() => {
      new MutationObserver(() => {
        const last = [...document.querySelectorAll('#messages .from-bot .text')].pop();
        if (last) (window as unknown as { recordText(t: string): void }).recordText(last.textContent ?? '');
      }).observe(document.getElementById('messages')!, { childList: true, subtree: true });
    });
    await command('/adapt target: pixar character count: 4');
    const result = page.locator('#messages .message.from-bot', { has: page.locator('img[alt="pixar character grid"]') });
    await result.waitFor();
    // the echo of the command, then one bot message that went queued → progress → result
    await expect
      .poll(() => page.locator('#messages .message:not(.from-bot) .text').last().textContent())
      .toBe('/adapt target: pixar character count: 4');
    expect(seen.some((t) => t.includes('50%'))).toBe(true);
    // the leaderboard answer of the first test, and this one message (no placeholder left over)
    expect(await page.locator('#messages .message.from-bot').count()).toBe(2);
    expect(await page.locator('#messages .message.pending').count()).toBe(0);
    const img = result.locator('img');
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(128);
    expect(await result.locator('button[data-button-id^="adapt:vote:up"]').textContent()).toBe('👍 0');
  });

  it('a vote changes the tally, on the page and in the bot', async () => {
    const up = page.locator('#messages button[data-button-id^="adapt:vote:up"]').first();
    await up.click();
    await expect.poll(() => up.textContent()).toBe('👍 1');
    expect(bot.tallies.get('1')).toEqual({ up: 1, down: 0 });
    expect(await up.isEnabled()).toBe(true);
  });

  it('an uploaded picture is shown and can be stylized through the modal', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 250, g: 10, b: 10 } } })
      .png()
      .toBuffer();
    await page.setInputFiles('#file-input', { name: 'face.png', mimeType: 'image/png', buffer: png });
    const uploaded = page.locator('#messages .message.mine', { has: page.locator('img[alt="face.png"]') });
    await uploaded.waitFor();
    await uploaded.locator('.picture').hover();
    await uploaded.locator('button.picture-action', { hasText: 'Stylize' }).click();
    await page.waitForSelector('#modal[open]');
    expect(await page.textContent('#modal-title')).toBe('Stylize face.png');
    await page.fill('#modal input[name="style"]', 'anime');
    await page.click('#modal button[type="submit"]');
    const result = page.locator('#messages .message.from-bot', { hasText: 'Stylized as anime' });
    await result.waitFor();
    expect(bot.downloads).toEqual([png.length]);
    // the bot's answer really is the uploaded picture, inverted: red becomes cyan
    const src = await result.locator('img').getAttribute('src');
    const bytes = Buffer.from(await (await fetch(new URL(src!, playground.url))).arrayBuffer());
    const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]]).toEqual([5, 245, 245]);
  });

  it('a text file renamed .png gets a message in the channel and is not posted', async () => {
    const before = await page.locator('#messages img').count();
    await page.setInputFiles('#file-input', {
      name: 'notes.png',
      mimeType: 'image/png',
      buffer: Buffer.from('just some text, not a picture\n'),
    });
    const notice = page.locator('#messages .message.private', { hasText: 'notes.png is not a picture' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Only you can see this');
    expect(await page.locator('#messages img').count()).toBe(before);
  });

  it('a picture over the size limit is refused with a message', async () => {
    const big = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#888' } })
      .raw()
      .toBuffer()
      .then((raw) =>
        sharp(raw, { raw: { width: 400, height: 400, channels: 3 } })
          .png({ compressionLevel: 0 })
          .toBuffer(),
      );
    expect(big.length).toBeGreaterThan(256 * 1024);
    await page.setInputFiles('#file-input', { name: 'huge.png', mimeType: 'image/png', buffer: big });
    await page.locator('#messages .message.private', { hasText: 'huge.png was not posted' }).waitFor();
  });

  it('a bad command gets a private answer, and another user does not see it', async () => {
    await command('/adapt count: 9');
    await page.locator('#messages .message.private', { hasText: 'needs target' }).waitFor();
    await command('/adapt target: x count: 9');
    await page.locator('#messages .message.private', { hasText: 'count must be a whole number from 1 to 4 (got 9)' }).waitFor();
    await page.fill('#user-id', 'bob');
    await page.fill('#user-name', 'Bob');
    await page.uncheck('#user-manager');
    await page.click('#who button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]');
    await expect.poll(() => page.locator('#messages .message.private').count()).toBe(0);
    expect(await page.locator('#messages img[alt="pixar character grid"]').count()).toBe(1);
    await command('hello from bob');
    await page.locator('#messages .message.mine', { hasText: 'hello from bob' }).waitFor();
    expect(await page.locator('#messages .message.mine .author').last().textContent()).toBe('Bob');
  });

  it('the side panel shows the gallery and the leaderboard', async () => {
    await page.click('.panel-tab:has-text("Leaderboard")');
    await page.locator('#panel-body .message', { hasText: '#1: 👍 1 👎 0' }).waitFor();
    expect(await page.locator('#panel-body .text strong').textContent()).toBe('leaderboard');
    // a refresh replaces the panel's answer rather than adding another
    await page.click('.panel-tab:has-text("Gallery")');
    await page.locator('#panel-body .text strong', { hasText: 'gallery' }).waitFor();
    await page.click('.panel-tab:has-text("Leaderboard")');
    await page.locator('#panel-body .text strong', { hasText: 'leaderboard' }).waitFor();
    const panelMessages = (await (await fetch(new URL('/api/messages?user=bob', playground.url))).json()) as {
      messages: Array<{ panel?: boolean }>;
    };
    expect(panelMessages.messages.filter((m) => m.panel)).toHaveLength(1);
    await page.screenshot({ path: '/tmp/playground-test.png' });
    expect(errors).toEqual([]);
  });
});

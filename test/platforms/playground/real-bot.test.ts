// The playground with the product's own bot: createBot over openServices (ONNX Runtime on the tiny fixture pack,
// SQLite in a temp folder), driven from headless Chromium as a person would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openServices, type BotServices } from '../../../src/core/services.js';
import { createBot } from '../../../src/core/bot.js';
import { allCommands } from '../../../commands/index.js';
import { startPlayground, type Playground } from '../../../src/platforms/playground/server.js';
import { launchChromium } from './browser.js';

const root = resolve(import.meta.dirname, '../../..');
const dataDir = mkdtempSync(join(tmpdir(), 'playground-real-'));
const errors: string[] = [];
let services: BotServices;
let playground: Playground;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

beforeAll(async () => {
  services = await openServices({
    packDir: join(root, 'test/fixtures/packs/tiny'),
    storeUrl: `sqlite://${join(dataDir, 'store.sqlite')}`,
    log: { info: () => {}, error: (m, e) => errors.push(`${m}: ${e instanceof Error ? e.stack : String(e)}`) },
  });
  playground = await startPlayground({
    bot: createBot(services, allCommands()),
    port: 0,
    maxAttachmentBytes: 4 * 1024 * 1024,
    log: services.log,
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
  await services?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function command(text: string) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

const naturalWidth = (img: ReturnType<Page['locator']>) => img.evaluate((i: HTMLImageElement) => (i.complete ? i.naturalWidth : 0));

describe('playground with the real bot', () => {
  it('/adapt shows a before/after grid rendered by the pack', async () => {
    await command('/adapt prompt: dog → nicolas cage count: 2');
    const result = page.locator('#messages .message.from-bot', { has: page.locator('.files img') });
    await result.waitFor({ timeout: 60_000 });
    expect(await result.locator('.text').textContent()).toContain('dog → nicolas cage');
    await expect.poll(() => naturalWidth(result.locator('.files img').first())).toBeGreaterThan(32);
    // the thinking placeholder became the result: one bot message
    expect(await page.locator('#messages .message.from-bot').count()).toBe(1);
  });

  it('a vote changes the tally', async () => {
    const up = page.locator('#messages .message.from-bot button[data-button-id*=":vote:"][data-button-id$=":up"]').first();
    const before = await up.textContent();
    expect(before).toMatch(/0$/);
    await up.click();
    await expect.poll(() => up.textContent(), { timeout: 20_000 }).toMatch(/1$/);
  });

  it('U2 posts sample 2 larger; Remix opens the prompt prefilled in the form', async () => {
    const grid = page.locator('#messages .message.from-bot', { hasText: 'seeds' }).first();
    const pictures = await page.locator('#messages .message.from-bot .files img').count();
    await grid.locator('button.bot-button', { hasText: /^U2$/ }).click();
    await expect.poll(() => page.locator('#messages .message.from-bot .files img').count(), { timeout: 60_000 }).toBe(pictures + 1);
    const large = page.locator('#messages .message.from-bot .files img').last();
    await expect.poll(() => naturalWidth(large), { timeout: 20_000 }).toBeGreaterThanOrEqual(512);
    await grid.locator('button.bot-button', { hasText: 'Remix' }).click();
    await page.waitForSelector('#modal[open]');
    expect(await page.inputValue('#modal input[name="prompt"]')).toBe('dog → nicolas cage');
    await page.click('#modal-cancel');
  });

  it('shows the queue position live, then each result in place of its progress message', async () => {
    const seen = new Set<string>();
    await page.exposeFunction('recordBotText', (t: string) => seen.add(t));
    await page.evaluate(() => {
      new MutationObserver(() => {
        for (const t of document.querySelectorAll('#messages .from-bot .text'))
          (window as unknown as { recordBotText(t: string): void }).recordBotText(t.textContent ?? '');
      }).observe(document.getElementById('messages')!, { childList: true, subtree: true });
    });
    const before = await page.locator('#messages .message.from-bot .files img').count();
    // two people at once: the second waits behind the first
    const post = (id: string, prompt: string) =>
      page.evaluate(
        ([id, prompt]) =>
          fetch('/api/command', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ text: `/adapt prompt: ${prompt} count: 2`, user: { id, name: id } }),
          }),
        [id, prompt],
      );
    await Promise.all([post('ann', 'a bronze statue'), post('ben', 'a watercolor painting')]);
    await expect.poll(() => page.locator('#messages .message.from-bot .files img').count(), { timeout: 60_000 }).toBe(before + 2);
    expect([...seen].some((t) => /queued, position 1/.test(t))).toBe(true);
    // no progress message is left behind: every one became a result
    expect(await page.locator('#messages .message.from-bot', { hasText: 'queued' }).count()).toBe(0);
  });

  it('an uploaded photo can be stylized through the form; a refused field is answered beside it, the form open', async () => {
    const photo = readFileSync(join(root, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'));
    await page.setInputFiles('#file-input', { name: 'sample1.jpg', mimeType: 'image/jpeg', buffer: photo });
    const uploaded = page.locator('#messages .message.mine', { has: page.locator('img[alt="sample1.jpg"]') });
    await uploaded.waitFor();
    await uploaded.locator('.picture').hover();
    await uploaded.locator('button.picture-action', { hasText: 'Stylize' }).click();
    await page.waitForSelector('#modal[open]');
    await page.fill('#modal input[name="domain"]', 'nope');
    await page.click('#modal button[type="submit"]');
    const error = page.locator('#modal label:has(input[name="domain"]) .field-error');
    await expect.poll(() => error.textContent()).toContain('There is no saved domain called nope');
    expect(await page.locator('#modal[open]').count()).toBe(1);
    await page.fill('#modal input[name="domain"]', '');
    await page.fill('#modal input[name="target"]', 'a marble statue');
    await page.click('#modal button[type="submit"]');
    await page.waitForSelector('#modal:not([open])', { state: 'attached' });
    const result = page.locator('#messages .message.from-bot', { hasText: 'marble statue', has: page.locator('.files img') });
    await result.waitFor({ timeout: 90_000 });
    await expect.poll(() => naturalWidth(result.locator('.files img').first())).toBeGreaterThan(0);
  });

  it('/stylize takes a channel picture picked from the autocomplete list', async () => {
    await page.fill('#input', '');
    await page.type('#input', '/stylize image: ');
    const option = page.locator('#suggestions li', { hasText: 'sample1.jpg' });
    await option.waitFor();
    await option.dispatchEvent('mousedown');
    expect(await page.inputValue('#input')).toMatch(/^\/stylize image: [\w-]+ $/);
    await page.type('#input', 'target: a bronze bust');
    await page.press('#input', 'Enter');
    // the echo names the picture, as Discord shows an attachment option
    await page.locator('#messages .message.mine .text', { hasText: '/stylize image: sample1.jpg target: a bronze bust' }).waitFor();
    const result = page.locator('#messages .message.from-bot', { hasText: 'a bronze bust', has: page.locator('.files img') });
    await result.waitFor({ timeout: 90_000 });
  });

  it('a .txt renamed .png gets a message in the channel', async () => {
    await page.setInputFiles('#file-input', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
    await page.locator('#messages .message.private', { hasText: 'notes.png is not a picture' }).waitFor();
  });

  it('the manager switch decides who may change the server settings', async () => {
    const actAs = async (id: string, manager: boolean) => {
      await page.fill('#user-id', id);
      await page.fill('#user-name', id.toUpperCase());
      await page.setChecked('#user-manager', manager);
      await page.click('#who button[type="submit"]');
      await page.waitForSelector('body[data-ready="true"]');
    };
    await actAs('zoe', false);
    await command('/settings show');
    await page.locator('#messages .message.private', { hasText: 'Only server managers can use /settings.' }).waitFor();
    await actAs('max', true);
    await command('/settings show');
    await expect.poll(() => page.locator('#messages .message.from-bot').last().textContent(), { timeout: 20_000 }).toMatch(/cap|pack/i);
    expect(await page.locator('#messages .message', { hasText: 'Only server managers' }).count()).toBe(0);
    await actAs('you', true);
  });

  it('the side panel shows the server gallery', async () => {
    await page.click('.panel-tab:has-text("Gallery")');
    await expect.poll(() => page.locator('#panel-body .message').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(tmpdir(), 'playground-real-bot.png') });
    expect(errors).toEqual([]);
  });
});

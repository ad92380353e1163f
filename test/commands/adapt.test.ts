import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createBot } from '../../src/core/bot.js';
import { allCommands } from '../../commands/index.js';
import type { Bot } from '../../src/core/platform.js';
import { Recorder } from '../core/recording.js';
import { openTestServices, type TestServices } from '../core/helpers.js';

let t: TestServices;
let bot: Bot;
beforeAll(async () => {
  t = await openTestServices();
  bot = createBot(t.services, allCommands());
});
afterAll(async () => t?.cleanup());

async function pngSize(data: Buffer) {
  const m = await sharp(data).metadata();
  return { format: m.format, width: m.width!, height: m.height! };
}

describe('/adapt through createBot', () => {
  it('answers with a queue position, progress, then a before/after grid PNG and the result buttons', async () => {
    const rec = new Recorder();
    await bot.handleCommand(rec.context(), { command: 'adapt', options: { prompt: 'dog → nicolas cage', seed: 11, count: 3 } });
    expect(t.log.lines.filter((l) => /failed/.test(l))).toEqual([]);
    expect(rec.messages).toHaveLength(1);
    const msg = rec.messages[0];
    expect(msg.versions[0].text).toMatch(/queued, position 1|starting/);
    expect(msg.versions[0].buttons?.[0][0].id).toMatch(/^queue:cancel:/);
    expect(msg.versions.some((v) => /\d+%/.test(v.text))).toBe(true); // progress edits
    const final = msg.latest;
    expect(final.text).toContain('dog → nicolas cage');
    expect(final.text).toContain('seeds 11–13');
    expect(final.files).toHaveLength(1);
    const file = final.files![0];
    expect(file.contentType).toBe('image/png');
    const size = await pngSize(file.data);
    expect(size.format).toBe('png');
    const R = t.engine.manifest.resolution;
    // two rows (before, after) of three samples, each at least R pixels
    expect(size.height).toBeGreaterThanOrEqual(2 * R);
    expect(size.width).toBeGreaterThanOrEqual(3 * R);
    const ids = Recorder.buttonIds(msg);
    const resultId = /result `([^`]+)`/.exec(final.text)![1];
    for (const action of ['more', 'str:' + resultId + ':down', 'str:' + resultId + ':up', 'morph', 'save', 'vote', 'delete'])
      expect(ids.some((id) => id.startsWith('adapt:') && id.includes(action))).toBe(true);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(100);
    // the grid really differs between its rows: the domain changed the pictures
    const { data, info } = await sharp(file.data).raw().toBuffer({ resolveWithObject: true });
    const rowMean = (y0: number, y1: number) => {
      let s = 0;
      let n = 0;
      for (let y = y0; y < y1; y++)
        for (let x = Math.floor(info.width / 2); x < info.width; x++) {
          s += data[(y * info.width + x) * info.channels];
          n++;
        }
      return s / n;
    };
    const stored = await t.services.stores.getResult('s1', resultId);
    expect(stored?.seeds).toEqual([11, 12, 13]);
    expect(stored?.messageId).toBe(msg.id);
    expect(rowMean(0, info.height / 2)).not.toBeCloseTo(rowMean(info.height / 2, info.height), 1);
  });

  it('is reproducible: the same prompt and seed give the same PNG, and the second time skips CLIP, the hypernet and the rendering', async () => {
    const calls = t.engine.calls;
    const before = { text: calls.embedText ?? 0, dom: calls.domainFromText ?? 0, gen: calls.generate ?? 0 };
    const a = new Recorder();
    await bot.handleCommand(a.context(), {
      command: 'adapt',
      options: { prompt: 'a photo of a face -> a marble statue', seed: 5, count: 2 },
    });
    const mid = { text: calls.embedText ?? 0, dom: calls.domainFromText ?? 0, gen: calls.generate ?? 0 };
    expect(mid.dom - before.dom).toBe(1);
    expect(mid.text - before.text).toBe(2); // target and source, one CLIP call each
    const b = new Recorder();
    await bot.handleCommand(b.context({ actor: { id: 'u2', name: 'Bo', isManager: false } }), {
      command: 'adapt',
      options: { prompt: 'a photo of a face to a marble statue', seed: 5, count: 2 },
    });
    expect(calls.domainFromText ?? 0).toBe(mid.dom); // cached domain: no hypernet
    expect(calls.embedText ?? 0).toBe(mid.text); // cached embeddings: no CLIP
    expect(mid.gen - before.gen).toBe(2); // the first time: before and after
    expect((calls.generate ?? 0) - mid.gen).toBe(0); // both rows of these seeds, prompt and strength are cached
    expect(b.messages[0].latest.files![0].data.equals(a.messages[0].latest.files![0].data)).toBe(true);
    // the domain vector is stored once, under its id: the result record refers to it, and reading it back finds it
    const resultId = /result `([^`]+)`/.exec(b.messages[0].latest.text)![1];
    const stored = await t.services.stores.getResult('s1', resultId);
    expect(stored?.domain).toBeDefined();
    expect(stored?.domainId).toBeDefined();
  });

  it('draws the before row again for other seeds (the cache is per pack, seeds and ψ)', async () => {
    const calls = t.engine.calls;
    const gen = calls.generate ?? 0;
    const a = new Recorder();
    await bot.handleCommand(a.context(), { command: 'adapt', options: { prompt: 'a marble statue', seed: 900, count: 2 } });
    await bot.handleCommand(a.context(), { command: 'adapt', options: { prompt: 'a marble statue', seed: 901, count: 2 } });
    expect((calls.generate ?? 0) - gen).toBe(4); // seeds 900–901 and 901–902 are different rows
    // Strength +: the before row of these seeds is cached, only the new strength is drawn
    const up = Recorder.buttonIds(a.messages[1]).find((id) => id.includes(':str:') && id.endsWith(':up'))!;
    await bot.handleButton(a.context({ source: a.messages[1] }), up);
    expect((calls.generate ?? 0) - gen).toBe(5);
    expect(a.messages[2].latest.files).toHaveLength(1);
  });

  it('refuses bad input privately, before any work: empty, too long, blocked, out of range', async () => {
    await t.services.stores.updateSettings('s2', { blocklist: ['zombie'] });
    const gen = t.engine.calls.generate ?? 0;
    const cases: Array<[Record<string, string | number>, RegExp]> = [
      [{}, /Tell me what to make/],
      [{ prompt: 'x'.repeat(250) }, /250 characters long; the limit is 200/],
      [{ prompt: 'face → Zombie king' }, /does not allow \("zombie"\)/],
      [{ prompt: 'cat', strength: 3 }, /strength must be a number from 0 to 2 \(got 3\)/],
      [{ prompt: 'cat', count: 9 }, /count must be a whole number from 1 to 8/],
      [{ prompt: 'cat', seed: -4 }, /seed must be a whole number/],
      [{ prompt: 'dog →' }, /after the arrow/],
    ];
    for (const [options, re] of cases) {
      const rec = new Recorder();
      await bot.handleCommand(rec.context({ place: { serverId: 's2' } }), { command: 'adapt', options });
      expect(rec.messages).toHaveLength(1);
      expect(rec.messages[0].latest.private).toBe(true);
      expect(rec.messages[0].latest.text).toMatch(re);
    }
    expect(t.engine.calls.generate ?? 0).toBe(gen);
  });

  it('answers an internal failure with a reference, logs it without secrets, and keeps working', async () => {
    process.env.TEST_SECRET_TOKEN = 'sekrit-value-123';
    const rec = new Recorder();
    const ctx = rec.context();
    // the platform side fails on the first edit: an internal error inside the command's flow
    let first = true;
    const reply = ctx.reply;
    ctx.reply = async (m) => {
      const posted = await reply(m);
      if (first) {
        first = false;
        const edit = posted.edit;
        (posted as { edit: typeof edit }).edit = async (x) => {
          if (x.files) throw new Error('upload failed with token sekrit-value-123');
          return edit(x);
        };
      }
      return posted;
    };
    await bot.handleCommand(ctx, { command: 'adapt', options: { prompt: 'cat', seed: 1, count: 1 } });
    const last = rec.messages[rec.messages.length - 1].latest;
    expect(last.private).toBe(true);
    expect(last.text).toMatch(/Something went wrong \(job [\w-]+\)/);
    // the public message does not stay at "⏳ … 95%" with a live Cancel button
    expect(rec.messages[0].latest.text).toMatch(/❌ the result could not be posted \(job [\w-]+\)/);
    expect(rec.messages[0].latest.buttons ?? []).toEqual([]);
    expect(last.text).not.toContain('sekrit');
    const logged = t.log.lines.join('\n');
    expect(logged).toContain('upload failed with token [redacted]');
    expect(logged).not.toContain('sekrit');
    delete process.env.TEST_SECRET_TOKEN;
    // the bot still answers
    const again = new Recorder();
    await bot.handleCommand(again.context(), { command: 'help', options: {} });
    expect(again.messages[0].latest.text).toContain('/adapt');
  });
});

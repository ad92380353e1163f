// The buttons under a result, saved domains, the gallery and blends, driven through createBot like an adapter would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createBot } from '../../src/core/bot.js';
import { allCommands } from '../../commands/index.js';
import type { Bot } from '../../src/core/platform.js';
import { Stores } from '../../src/core/stores.js';
import { Recorder, type RecordedMessage } from '../core/recording.js';
import { openTestServices, type TestServices } from '../core/helpers.js';

let t: TestServices;
let bot: Bot;
const rec = new Recorder();
const ada = { id: 'ada', name: 'Ada', isManager: false };
const bo = { id: 'bo', name: 'Bo', isManager: false };
const cy = { id: 'cy', name: 'Cy', isManager: false };
const boss = { id: 'boss', name: 'Boss', isManager: true };

beforeAll(async () => {
  t = await openTestServices();
  bot = createBot(t.services, allCommands());
});
afterAll(async () => t?.cleanup());

function resultIdOf(m: RecordedMessage): string {
  const id = /result `([^`]+)`/.exec(m.latest.text)?.[1];
  if (!id) throw new Error(`no result id in: ${m.latest.text}`);
  return id;
}

async function adapt(prompt: string, seed = 3, count = 2, actor = ada): Promise<RecordedMessage> {
  const n = rec.messages.length;
  await bot.handleCommand(rec.context({ actor }), { command: 'adapt', options: { prompt, seed, count } });
  const m = rec.messages[n];
  expect(m.latest.files?.[0]?.contentType, m.latest.text).toBe('image/png');
  return m;
}

async function press(actor: typeof ada, source: RecordedMessage, id: string): Promise<RecordedMessage[]> {
  const n = rec.messages.length;
  await bot.handleButton(rec.context({ actor, source }), id);
  return rec.messages.slice(n);
}

function button(m: RecordedMessage, prefix: string) {
  const b = (m.latest.buttons ?? []).flat().find((x) => x.id.startsWith(prefix));
  if (!b) throw new Error(`no button ${prefix} on ${m.id}`);
  return b;
}

describe('result buttons', () => {
  let first: RecordedMessage;
  let rid: string;
  beforeAll(async () => {
    first = await adapt('dog → nicolas cage', 100, 2);
    rid = resultIdOf(first);
  });

  it('more samples continues the seeds; strength + and − make new results', async () => {
    const [more] = await press(bo, first, `adapt:more:${rid}`);
    expect(more.latest.text).toContain('seeds 102–103');
    expect(more.latest.files?.[0].contentType).toBe('image/png');
    const [up] = await press(bo, first, `adapt:str:${rid}:up`);
    expect(up.latest.text).toContain('strength 1.25');
    const upId = resultIdOf(up);
    expect((await t.services.stores.getResult('s1', upId))?.strength).toBe(1.25);
    const [down] = await press(bo, first, `adapt:str:${rid}:down`);
    expect(down.latest.text).toContain('strength 0.75');
    // different strength, different pixels
    expect(up.latest.files![0].data.equals(down.latest.files![0].data)).toBe(false);
  });

  it('votes: one per user, live tallies on the message, a change replaces, the same again withdraws', async () => {
    await press(ada, first, `adapt:vote:${rid}:up`);
    await press(bo, first, `adapt:vote:${rid}:up`);
    await press(cy, first, `adapt:vote:${rid}:down`);
    expect(button(first, `adapt:vote:${rid}:up`).label).toBe('2');
    expect(button(first, `adapt:vote:${rid}:down`).label).toBe('1');
    await press(cy, first, `adapt:vote:${rid}:up`); // changes
    expect(button(first, `adapt:vote:${rid}:up`).label).toBe('3');
    expect(button(first, `adapt:vote:${rid}:down`).label).toBe('0');
    await press(ada, first, `adapt:vote:${rid}:up`); // withdraws
    expect(button(first, `adapt:vote:${rid}:up`).label).toBe('2');
    // the tally edit keeps the picture: no files sent with it
    expect(first.latest.files).toBeUndefined();
  });

  it('morph sends an animated WebP', async () => {
    const [m] = await press(bo, first, `adapt:morph:${rid}`);
    const file = m.latest.files![0];
    expect(file.contentType).toBe('image/webp');
    const meta = await sharp(file.data, { animated: true }).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.pages).toBeGreaterThanOrEqual(10);
  });

  it('morph on Slack sends an animated GIF (Slack does not animate WebP)', async () => {
    const n = rec.messages.length;
    await bot.handleButton(rec.context({ actor: bo, source: first, place: { platform: 'slack' } }), `adapt:morph:${rid}`);
    const file = rec.messages[n].latest.files![0];
    expect(file.contentType).toBe('image/gif');
    const meta = await sharp(file.data, { animated: true }).metadata();
    expect(meta.format).toBe('gif');
    expect(meta.pages).toBeGreaterThanOrEqual(10);
  });

  it('save opens a modal; its answer stores the domain with Semantic-Score and Diversity', async () => {
    await press(bo, first, `adapt:save:${rid}`);
    const modal = rec.modals[rec.modals.length - 1];
    expect(modal.id).toBe(`adapt:save:${rid}`);
    expect(modal.fields.map((f) => f.id)).toEqual(['name']);
    const n = rec.messages.length;
    await bot.handleModal(rec.context({ actor: bo }), modal.id, { name: 'Cage Faces' });
    const answer = rec.messages
      .slice(n)
      .map((m) => m.latest.text)
      .join('\n');
    expect(answer).toMatch(/Saved \*\*cage-faces\*\*.*Semantic-Score -?\d\.\d{3}.*Diversity -?\d\.\d{3}/);
    const saved = await t.services.stores.getSaved('s1', 'cage-faces');
    expect(saved?.creatorName).toBe('Bo');
    expect(Number.isFinite(saved?.semanticScore)).toBe(true);
    // a second save under the same name is refused
    const m2 = rec.messages.length;
    await bot.handleModal(rec.context({ actor: cy }), modal.id, { name: 'cage-faces' });
    expect(rec.messages[m2].latest).toMatchObject({ private: true });
    expect(rec.messages[m2].latest.text).toMatch(/already exists/);
  });

  it('delete: refused for others, allowed for the owner', async () => {
    const mine = await adapt('cat → tiger', 9, 1, ada);
    const id = resultIdOf(mine);
    const [refusal] = await press(bo, mine, `adapt:delete:${id}`);
    expect(refusal.latest).toMatchObject({ private: true });
    expect(refusal.latest.text).toMatch(/Only the person who made this result/);
    expect(mine.deleted).toBe(false);
    await press(ada, mine, `adapt:delete:${id}`);
    expect(mine.deleted).toBe(true);
    expect(await t.services.stores.getResult('s1', id)).toBeUndefined();
    const [gone] = await press(ada, mine, `adapt:more:${id}`);
    expect(gone.latest.text).toMatch(/no longer available/);
  });
});

describe('saved domains', () => {
  beforeAll(async () => {
    // a second saved domain, voted higher than cage-faces
    const m = await adapt('a face → a marble statue', 40, 1, cy);
    const id = resultIdOf(m);
    await bot.handleModal(rec.context({ actor: cy }), `adapt:save:${id}`, { name: 'marble' });
    for (const u of ['u1', 'u2', 'u3', 'u4'])
      await t.services.stores.vote('s1', (await t.services.stores.getSaved('s1', 'marble'))!.domainId, u, 1);
  });

  it('gallery: one PNG of the top-voted domains, best first', async () => {
    const n = rec.messages.length;
    await bot.handleCommand(rec.context(), { command: 'domains', subcommand: 'gallery', options: {} });
    const m = rec.messages[n];
    expect(m.latest.text).toMatch(/1\. \*\*marble\*\*[\s\S]*2\. \*\*cage-faces\*\*/);
    const meta = await sharp(m.latest.files![0].data).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height).toBeGreaterThanOrEqual(2 * 96); // two rows
  });

  it('info shows prompt, creator, votes and scores; use renders it; blend mixes two', async () => {
    let n = rec.messages.length;
    await bot.handleCommand(rec.context(), { command: 'domains', subcommand: 'info', options: { name: 'marble' } });
    expect(rec.messages[n].latest.text).toMatch(/marble.*a face → a marble statue[\s\S]*Cy[\s\S]*👍 4 👎 0[\s\S]*Semantic-Score -?\d/);
    n = rec.messages.length;
    await bot.handleCommand(rec.context(), { command: 'domains', subcommand: 'use', options: { name: 'marble', seed: 1, count: 2 } });
    expect(rec.messages[n].latest.files?.[0].contentType).toBe('image/png');
    n = rec.messages.length;
    await bot.handleCommand(rec.context(), {
      command: 'blend',
      options: { first: 'marble', second: 'cage-faces', weight: 0.25, seed: 1, count: 2 },
    });
    expect(rec.messages[n].latest.text).toContain('marble 75% + cage-faces 25%');
    expect(rec.messages[n].latest.files?.[0].contentType).toBe('image/png');
    n = rec.messages.length;
    await bot.handleCommand(rec.context(), { command: 'blend', options: { first: 'marble', second: 'nope' } });
    expect(rec.messages[n].latest.text).toMatch(/no saved domain called `nope`/);
  });

  it('rename and delete: creator or manager only', async () => {
    let n = rec.messages.length;
    await bot.handleCommand(rec.context({ actor: ada }), {
      command: 'domains',
      subcommand: 'rename',
      options: { name: 'marble', to: 'stone' },
    });
    expect(rec.messages[n].latest.text).toMatch(/Only its creator or a manager/);
    await bot.handleCommand(rec.context({ actor: boss }), {
      command: 'domains',
      subcommand: 'rename',
      options: { name: 'marble', to: 'stone' },
    });
    expect(await t.services.stores.getSaved('s1', 'stone')).toBeDefined();
    n = rec.messages.length;
    await bot.handleCommand(rec.context({ actor: cy }), { command: 'domains', subcommand: 'delete', options: { name: 'stone' } });
    expect(rec.messages[n].latest.text).toMatch(/Deleted/);
    expect(await t.services.stores.getSaved('s1', 'stone')).toBeUndefined();
  });

  it('saved domains and votes survive re-opening the SQLite file', async () => {
    await expect(Stores.open(t.storeUrl)).rejects.toThrow(/in use by another process/); // the bot still owns it
    await t.services.stores.close();
    const again = await Stores.open(t.storeUrl);
    const saved = await again.getSaved('s1', 'cage-faces');
    expect(saved?.prompt).toBe('dog → nicolas cage');
    expect(await again.tally('s1', saved!.domainId)).toEqual({ up: 2, down: 0 });
    await again.close();
  });
});

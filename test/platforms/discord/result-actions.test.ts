// What users of image bots expect on a result, through the real discord.js client and the real bot: per-sample
// buttons (V: variations of one sample, U: that sample alone and larger, R: that sample as the reference of a
// Stylize) and Remix (the prompt re-opened in a form, prefilled).
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTextChunks } from '../../../src/core/png-text.js';
import type { RecordedRequest } from './fake-discord.js';
import { attachmentJSON, buttonPress, messageJSON, modalSubmit, slashCommand } from './payloads.js';
import { PHOTO, customIds, patchesOf, startRealBot, type RealDiscordBot } from './real-setup.js';

let real: RealDiscordBot;
let grid: RecordedRequest;

beforeAll(async () => {
  real = await startRealBot(100);
});
afterAll(async () => {
  await real?.stop();
});

const press = async (id: string, on: RecordedRequest) =>
  real.h.interact(buttonPress(id, { ...messageJSON([], on.body.content), components: on.body.components }));
const lastPatch = (sent: RecordedRequest[]) => patchesOf(sent).at(-1)!;
/** a button's new result is a follow-up message (posted, then edited until it holds the picture) */
const newResult = (sent: RecordedRequest[]) => {
  const withFiles = sent.filter((r) => r.path.includes('/webhooks/') && r.files?.length).at(-1)!;
  const last = sent.filter((r) => r.path === withFiles.path && r.method === 'PATCH').at(-1) ?? withFiles;
  return { ...last, files: withFiles.files } as RecordedRequest;
};
const failures = () => real.serviceLog.filter((l) => /failed/.test(l));
const sizeOf = async (r: RecordedRequest) => sharp(r.files[0]!.data).metadata();
const seedsOf = (r: RecordedRequest) => readTextChunks(r.files[0]!.data).Seeds;

describe('per-sample actions on a result grid', () => {
  it('a grid of four has V1–V4, U1–U4 and R1–R4 under its result buttons, and Remix beside Info', async () => {
    const sent = await real.h.interact(
      slashCommand('adapt', [
        { name: 'prompt', type: 3, value: 'a pencil sketch' },
        { name: 'seed', type: 4, value: 40 },
        { name: 'count', type: 4, value: 4 },
      ]),
    );
    grid = lastPatch(sent);
    const rows: string[][] = grid.body.components.map((row: any) => row.components.map((c: any) => c.label));
    expect(rows).toHaveLength(5); // Discord's limit of five rows
    expect(rows.slice(2)).toEqual([
      ['V1', 'V2', 'V3', 'V4'],
      ['U1', 'U2', 'U3', 'U4'],
      ['R1', 'R2', 'R3', 'R4'],
    ]);
    expect(rows[1]).toContain('Remix');
    expect(seedsOf(grid)).toBe('40-43');
  });

  it('V2 posts four variations around sample 2: new pictures, other than the grid, the same for the same sample', async () => {
    const v2 = customIds(grid).find((id) => /:vary:.+:1$/.test(id))!;
    const first = newResult(await press(v2, grid));
    expect(failures()).toEqual([]);
    expect(first.body.content).toContain('a pencil sketch');
    expect(first.files).toHaveLength(1);
    expect((await sizeOf(first)).width).toBe((await sizeOf(grid)).width);
    expect(first.files[0]!.data.equals(grid.files[0]!.data)).toBe(false);
    // a variation has no seed of its own to show or to continue from ("More samples" is not offered)
    expect(customIds(first).some((id) => id.includes(':more:'))).toBe(false);
    const again = newResult(await press(v2, grid));
    const pixels = async (r: RecordedRequest) => sharp(r.files[0]!.data).raw().toBuffer();
    expect((await pixels(again)).equals(await pixels(first))).toBe(true);
    // the variations are a result like any other: Strength + re-renders the same four at 1.25
    const stronger = newResult(await press(customIds(first).find((id) => /:str:.+:up$/.test(id))!, first));
    expect(failures()).toEqual([]);
    expect(stronger.body.content).toContain('strength 1.25');
    expect((await sizeOf(stronger)).width).toBe((await sizeOf(first)).width);
    const v3 = newResult(await press(customIds(grid).find((id) => /:vary:.+:2$/.test(id))!, grid));
    expect((await pixels(v3)).equals(await pixels(first))).toBe(false);
  });

  it('U3 posts sample 3 alone and larger (its seed, tiles of 512 px)', async () => {
    const u3 = customIds(grid).find((id) => /:big:.+:2$/.test(id))!;
    const big = newResult(await press(u3, grid));
    expect(failures()).toEqual([]);
    expect(seedsOf(big)).toBe('42');
    const meta = await sizeOf(big);
    expect(meta.height).toBeGreaterThanOrEqual(2 * 512);
    // a larger render has no larger of itself, but its own variations and reference
    expect(big.body.components.flatMap((row: any) => row.components.map((c: any) => c.label))).toEqual(
      expect.arrayContaining(['Variations', 'Use as reference']),
    );
  });

  it('R1 opens a form for a picture and re-draws it with sample 1 as the reference', async () => {
    const r1 = customIds(grid).find((id) => /:ref:.+:0$/.test(id))!;
    const opened = await press(r1, grid);
    const modal = opened[0]!.body;
    expect(modal.type).toBe(9);
    expect(modal.data.components[0].component).toMatchObject({ type: 19, custom_id: 'image' });
    const photo = readFileSync(PHOTO);
    real.h.discord.cdn.set('/cdn/attachments/9/8/face.jpg', { data: photo, contentType: 'image/jpeg' });
    const att = attachmentJSON({
      filename: 'face.jpg',
      size: photo.length,
      url: `${real.h.discord.origin}/cdn/attachments/9/8/face.jpg`,
      content_type: 'image/jpeg',
      width: 1920,
      height: 1280,
    });
    const sent = await real.h.interact(modalSubmit(modal.data.custom_id, {}, { image: [att] }));
    expect(failures()).toEqual([]);
    const result = lastPatch(sent);
    expect(result.body.content).toContain('the style of sample 1 of a pencil sketch');
    expect(real.h.discord.cdnHits).toContain('/cdn/attachments/9/8/face.jpg');
    expect(result.files.length).toBeGreaterThanOrEqual(1);
  });
});

describe('Remix', () => {
  it('opens the result’s prompt, strength and seed in a form; a changed prompt runs /adapt with them', async () => {
    const remixId = customIds(grid).find((id) => id.includes(':remix:'))!;
    const opened = await press(remixId, grid);
    const modal = opened[0]!.body;
    expect(modal.type).toBe(9);
    const inputs = Object.fromEntries(modal.data.components.map((c: any) => [c.component.custom_id, c.component.value]));
    expect(inputs).toEqual({ prompt: 'a pencil sketch', strength: '1', seed: '40' });

    const refused = await real.h.interact(modalSubmit(modal.data.custom_id, { prompt: 'a pencil sketch', strength: '7', seed: '40' }));
    expect(lastPatch(refused)?.body.content ?? refused.at(-1)!.body.content).toMatch(/strength must be a number from 0 to 2/);

    const sent = await real.h.interact(modalSubmit(modal.data.custom_id, { prompt: 'at night', strength: '1.5', seed: '40' }));
    expect(failures()).toEqual([]);
    const remixed = lastPatch(sent);
    expect(remixed.body.content).toContain('at night');
    expect(remixed.body.content).toContain('strength 1.5');
    expect(seedsOf(remixed)).toBe('40-43');
  });
});

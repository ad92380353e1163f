// Decoding untrusted pictures and drawing results, with the real sharp.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  animate,
  beforeAfter,
  centerCrop,
  decodeImage,
  encodePng,
  grid,
  ImageInputError,
  imagesToTensor,
  tensorToImages,
} from '../../src/engine/images.js';
import type { RgbImage } from '../../src/engine/types.js';
import { pngClaimingSize } from '../helpers/pixel-bomb.js';

function solid(w: number, h: number, rgb: [number, number, number]): RgbImage {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(rgb, i * 3);
  return { width: w, height: h, data };
}

describe('decodeImage', () => {
  it('decodes PNG and JPEG to RGB, dropping alpha', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const img = await decodeImage(png);
    expect([img.width, img.height, img.data.length]).toEqual([40, 30, 40 * 30 * 3]);
    const jpg = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#00ff00' } })
      .jpeg()
      .toBuffer();
    const j = await decodeImage(jpg);
    expect(j.data[1]).toBeGreaterThan(200);
  });

  it('rejects what is not a picture, empty input, a 1×1 picture and a truncated file', async () => {
    await expect(decodeImage(Buffer.from('hello, I am a text file'))).rejects.toThrow(/not a picture/);
    await expect(decodeImage(Buffer.alloc(0))).rejects.toThrow(/empty/);
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expect(decodeImage(tiny)).rejects.toThrow(/too small \(1×1/);
    const jpg = await sharp({
      create: { width: 64, height: 64, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .jpeg()
      .toBuffer();
    const err = await decodeImage(jpg.subarray(0, Math.floor(jpg.length / 3))).catch((e) => e);
    expect(err).toBeInstanceOf(ImageInputError);
  });

  it('refuses a pixel bomb by its header, before decoding', async () => {
    const bomb = pngClaimingSize(50000, 50000);
    expect(bomb.length).toBeLessThan(200_000);
    const t0 = performance.now();
    const err = await decodeImage(bomb).catch((e) => e);
    expect(err).toBeInstanceOf(ImageInputError);
    expect(err.message).toMatch(/too large \(50000×50000/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('tensors and drawings', () => {
  it('maps [-1,1] NCHW to bytes with clamping and rounding, and back', () => {
    // one 1×2 image: pixel 0 = (-1, 0, 1), pixel 1 = (-3, 0.5, 7)
    const t = Float32Array.from([-1, -3, 0, 0.5, 1, 7]);
    const [img] = tensorToImages(t, [1, 3, 1, 2]);
    expect(Array.from(img.data)).toEqual([0, 128, 255, 0, 191, 255]);
    const back = imagesToTensor([img]);
    expect(back.dims).toEqual([1, 3, 1, 2]);
    expect(back.data[0]).toBeCloseTo(-1);
    expect(back.data[4]).toBeCloseTo(1);
  });

  it('draws labelled grids and before/after pairs of the right size', async () => {
    const a = solid(32, 32, [255, 0, 0]);
    const b = solid(32, 32, [0, 0, 255]);
    const g = await grid(
      [
        [a, a, a],
        [b, b, b],
      ],
      { rowLabels: ['before', 'after'], cell: 64, gap: 4 },
    );
    expect(g.height).toBe(2 * 64 + 3 * 4);
    expect(g.width).toBeGreaterThan(3 * 64 + 4 * 4);
    const pair = await beforeAfter([a], [b]);
    const png = await encodePng(pair);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    // a red tile on row 1 and a blue tile on row 2, in the same column
    const x = pair.width - 40;
    const px = (y: number) => Array.from(pair.data.subarray((y * pair.width + x) * 3, (y * pair.width + x) * 3 + 3));
    expect(px(20)).toEqual([255, 0, 0]);
    expect(px(pair.height - 20)).toEqual([0, 0, 255]);
  });

  it('centre-crops to a square and writes animated WebP and GIF morphs', async () => {
    const wide = solid(60, 30, [10, 20, 30]);
    const c = await centerCrop(wide, 16);
    expect([c.width, c.height]).toEqual([16, 16]);
    const frames = [solid(16, 16, [0, 0, 0]), solid(16, 16, [128, 128, 128]), solid(16, 16, [255, 255, 255])];
    for (const format of ['webp', 'gif'] as const) {
      const anim = await animate(frames, format);
      const meta = await sharp(anim, { animated: true }).metadata();
      expect(meta.format).toBe(format);
      expect(meta.pages).toBe(3);
      expect(meta.pageHeight).toBe(16);
    }
  });
});

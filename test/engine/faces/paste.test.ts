// Paste-back through the inverse alignment: exact where the mask is zero, faithful where it is one.
import { describe, expect, it } from 'vitest';
import { apply } from '../../../src/engine/faces/affine.js';
import { alignFace, quadBounds } from '../../../src/engine/faces/align.js';
import { decodePhoto, findFaces } from '../../../src/engine/faces/detector.js';
import { featherMask, pasteBack } from '../../../src/engine/faces/paste.js';
import type { RgbImage } from '../../../src/engine/types.js';
import { samplePhoto } from './helpers.js';

function solid(size: number, rgb: [number, number, number]): RgbImage {
  const data = Buffer.alloc(size * size * 3);
  for (let p = 0; p < size * size; p++) data.set(rgb, p * 3);
  return { width: size, height: size, data };
}

const photo = await decodePhoto(samplePhoto(1));
const faces = await findFaces(photo);

describe('the feathered mask', () => {
  it('is 255 in the middle, exactly 0 on the border, and never rises towards the border', async () => {
    const S = 128;
    const m = await featherMask(S);
    expect(m[(S / 2) * S + S / 2]).toBe(255);
    for (let i = 0; i < S; i++) for (const p of [i, (S - 1) * S + i, i * S, i * S + S - 1]) expect(m[p]).toBe(0);
    const row = Array.from({ length: S / 2 }, (_, x) => m[(S / 2) * S + x]);
    for (let x = 1; x < row.length; x++) expect(row[x]).toBeGreaterThanOrEqual(row[x - 1]);
  });
});

describe('pasting faces back', () => {
  it('leaves every pixel outside the mask exactly unchanged, and puts the face inside it', async () => {
    const S = 64;
    const aligned = await alignFace(photo, faces[0].landmarks, S);
    const green: [number, number, number] = [0, 255, 0];
    const out = await pasteBack(photo, [{ image: solid(S, green), quad: aligned.quad }]);
    expect([out.width, out.height]).toEqual([photo.width, photo.height]);
    const bounds = quadBounds(aligned.quad, photo.width, photo.height)!;
    let changed = 0;
    let outsideChanged = 0;
    let centreNotGreen = 0;
    for (let y = 0; y < photo.height; y++) {
      for (let x = 0; x < photo.width; x++) {
        const o = (y * photo.width + x) * 3;
        const same = out.data[o] === photo.data[o] && out.data[o + 1] === photo.data[o + 1] && out.data[o + 2] === photo.data[o + 2];
        if (!same) changed++;
        const a = apply(aligned.fromPhoto, { x: x + 0.5, y: y + 0.5 });
        const outside = a.x < 0 || a.y < 0 || a.x > S || a.y > S;
        if (outside && !same) outsideChanged++;
        const central = Math.abs(a.x - S / 2) < S / 4 && Math.abs(a.y - S / 2) < S / 4;
        if (central && (out.data[o] !== 0 || out.data[o + 1] !== 255 || out.data[o + 2] !== 0)) centreNotGreen++;
      }
    }
    expect(outsideChanged).toBe(0);
    expect(centreNotGreen).toBe(0);
    // most of the square is replaced; nothing beyond its bounding box is touched
    expect(changed).toBeGreaterThan(0.5 * bounds.width * bounds.height * 0.5);
    expect(changed).toBeLessThanOrEqual(bounds.width * bounds.height);
    // the input photo itself is not modified
    expect(photo.data.equals((await decodePhoto(samplePhoto(1))).data)).toBe(true);
  });

  it('puts an aligned crop back where it came from (round trip) and handles several faces at once', async () => {
    const S = 512;
    const crops = await Promise.all(faces.map((f) => alignFace(photo, f.landmarks, S)));
    const out = await pasteBack(
      photo,
      crops.map((c) => ({ image: c.image, quad: c.quad })),
    );
    for (const c of crops) {
      const b = quadBounds(c.quad, photo.width, photo.height)!;
      let sum = 0;
      let n = 0;
      for (let y = b.top; y < b.top + b.height; y++) {
        for (let x = b.left; x < b.left + b.width; x++) {
          const a = apply(c.fromPhoto, { x: x + 0.5, y: y + 0.5 });
          if (Math.abs(a.x - S / 2) > S / 3 || Math.abs(a.y - S / 2) > S / 3) continue;
          const o = (y * photo.width + x) * 3;
          for (let ch = 0; ch < 3; ch++) sum += Math.abs(out.data[o + ch] - photo.data[o + ch]);
          n += 3;
        }
      }
      // resampled twice: small differences, no shift (a one-pixel shift of this photo averages far more)
      expect(sum / n).toBeLessThan(3);
    }
    // a face pasted with a negative image changes each face's region
    const neg = crops.map((c) => ({ image: { ...c.image, data: Buffer.from(c.image.data.map((v) => 255 - v)) }, quad: c.quad }));
    const negOut = await pasteBack(photo, neg);
    for (const f of faces) {
      const o = (Math.round(f.box.y + f.box.height / 2) * photo.width + Math.round(f.box.x + f.box.width / 2)) * 3;
      expect(Math.abs(negOut.data[o] - photo.data[o])).toBeGreaterThan(20);
    }
  });
});

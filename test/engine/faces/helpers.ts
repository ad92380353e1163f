// Shared by the face tests: the real sample photos that ship with @vladmandic/face-api, and small picture helpers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../../src/engine/types.js';

const require = createRequire(import.meta.url);
const demoDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** sample1.jpg … sample6.jpg: group photos of 3 to 5 people, 1920 px wide */
export function samplePhoto(n: number): Buffer {
  return readFileSync(path.join(demoDir, `sample${n}.jpg`));
}

export async function resized(img: RgbImage, width: number): Promise<RgbImage> {
  const height = Math.round((img.height * width) / img.width);
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** A smooth colour gradient: a picture with nothing like a face in it. */
export function gradient(width: number, height: number): RgbImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = Math.round((255 * x) / (width - 1));
      data[o + 1] = Math.round((255 * y) / (height - 1));
      data[o + 2] = 128;
    }
  }
  return { width, height, data };
}

export async function encodeJpeg(img: RgbImage): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg()
    .toBuffer();
}

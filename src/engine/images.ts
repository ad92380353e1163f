// Pixels with sharp: tensors to RGB, decoding untrusted pictures with limits, PNG/WebP encoding, labelled grids,
// before/after pairs and animated morphs.
import sharp from 'sharp';
import { ImageInputError } from './errors.js';
import type { RgbImage } from './types.js';

export { ImageInputError };

/** ~40 MP: larger inputs (or headers claiming to be larger: "pixel bombs") are refused before decoding. */
export const MAX_INPUT_PIXELS = 40_000_000;
const MIN_INPUT_SIDE = 16;
const MAX_INPUT_BYTES = 50 * 1024 * 1024;

/** NCHW float images, roughly [-1,1], to 8-bit RGB: clamp, then round. */
export function tensorToImages(data: Float32Array, dims: number[]): RgbImage[] {
  const [n, c, h, w] = dims;
  if (c !== 3) throw new Error(`expected 3 channels, got ${c}`);
  const plane = h * w;
  const out: RgbImage[] = [];
  for (let i = 0; i < n; i++) {
    const buf = Buffer.alloc(plane * 3);
    const base = i * 3 * plane;
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = (data[base + ch * plane + p] + 1) * 127.5;
        buf[p * 3 + ch] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
    out.push({ width: w, height: h, data: buf });
  }
  return out;
}

/** RGB images of one size to NCHW float in [-1,1]. */
export function imagesToTensor(images: RgbImage[]): { data: Float32Array; dims: number[] } {
  const { width: w, height: h } = images[0];
  const plane = w * h;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((img, i) => {
    if (img.width !== w || img.height !== h) throw new Error('images of one batch must share a size');
    for (let p = 0; p < plane; p++) for (let ch = 0; ch < 3; ch++) data[i * 3 * plane + ch * plane + p] = img.data[p * 3 + ch] / 127.5 - 1;
  });
  return { data, dims: [images.length, 3, h, w] };
}

/** Decodes an uploaded picture (any format sharp reads) to RGB, with EXIF rotation applied; refuses bad input clearly. */
export async function decodeImage(input: Buffer | RgbImage, opts: { maxPixels?: number; minSide?: number } = {}): Promise<RgbImage> {
  if (!Buffer.isBuffer(input)) return input;
  const maxPixels = opts.maxPixels ?? MAX_INPUT_PIXELS;
  const minSide = opts.minSide ?? MIN_INPUT_SIDE;
  if (input.length === 0) throw new ImageInputError('the picture is empty');
  if (input.length > MAX_INPUT_BYTES)
    throw new ImageInputError(`the picture is too large (${(input.length / 1e6).toFixed(1)} MB; at most ${MAX_INPUT_BYTES / 1e6} MB)`);
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageInputError('that file is not a picture I can read (PNG, JPEG, WebP, GIF, AVIF or TIFF)');
  }
  const w = meta.autoOrient?.width ?? meta.width ?? 0;
  const h = meta.autoOrient?.height ?? meta.height ?? 0;
  if (w * h > maxPixels)
    throw new ImageInputError(`the picture is too large (${w}×${h}; at most ${(maxPixels / 1e6).toFixed(0)} megapixels)`);
  if (Math.min(w, h) < minSide) throw new ImageInputError(`the picture is too small (${w}×${h}; at least ${minSide} px on each side)`);
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 })
      .autoOrient()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return { width: info.width, height: info.height, data };
  } catch {
    throw new ImageInputError('the picture is damaged or truncated and cannot be decoded');
  }
}

function fromRgb(img: RgbImage): sharp.Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

export async function encodePng(img: RgbImage): Promise<Buffer> {
  return fromRgb(img).png({ compressionLevel: 6 }).toBuffer();
}

/** Resizes RGB (bicubic); `cover` crops to fill, `contain` letterboxes, `fill` stretches. */
export async function resizeRgb(
  img: RgbImage,
  width: number,
  height: number,
  fit: 'cover' | 'contain' | 'fill' = 'fill',
  background = '#f4f4f4',
): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img;
  const { data, info } = await fromRgb(img)
    .resize(width, height, { fit, kernel: 'cubic', background })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** The largest centred square, resized to `size` with a bilinear (triangle) filter, as e4e's transforms resize. */
export async function centerCrop(img: RgbImage, size: number): Promise<RgbImage> {
  const side = Math.min(img.width, img.height);
  const left = Math.floor((img.width - side) / 2);
  const top = Math.floor((img.height - side) / 2);
  const { data, info } = await fromRgb(img)
    .extract({ left, top, width: side, height: side })
    .resize(size, size, { kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export interface GridOptions {
  /** a label drawn left of each row */
  rowLabels?: string[];
  /** each tile is scaled to this size (default: the first image's size) */
  cell?: number;
  gap?: number;
  background?: string;
}

/** Rows of images on one canvas, each row optionally labelled (text rendered from SVG by sharp). */
export async function grid(rows: RgbImage[][], opts: GridOptions = {}): Promise<RgbImage> {
  const cell = opts.cell ?? Math.max(64, rows[0]?.[0]?.width ?? 64);
  const gap = opts.gap ?? 4;
  const labels = opts.rowLabels ?? [];
  const labelWidth = labels.length ? Math.max(80, Math.min(320, Math.max(...labels.map((l) => l.length)) * 9 + 16)) : 0;
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const width = labelWidth + cols * cell + (cols + 1) * gap;
  const height = rows.length * cell + (rows.length + 1) * gap;
  const layers: sharp.OverlayOptions[] = [];
  for (let r = 0; r < rows.length; r++) {
    const top = gap + r * (cell + gap);
    for (let c = 0; c < rows[r].length; c++) {
      const tile = await resizeRgb(rows[r][c], cell, cell, 'contain', opts.background ?? '#f4f4f4');
      layers.push({ input: tile.data, raw: { width: cell, height: cell, channels: 3 }, left: labelWidth + gap + c * (cell + gap), top });
    }
    if (labels[r]) {
      const fontSize = Math.max(10, Math.min(16, Math.floor(cell / 5)));
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth}" height="${cell}"><text x="8" y="${cell / 2}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#222" dominant-baseline="middle">${escapeXml(labels[r].slice(0, 40))}</text></svg>`;
      layers.push({ input: Buffer.from(svg), left: 0, top });
    }
  }
  const { data, info } = await sharp({ create: { width, height, channels: 3, background: opts.background ?? '#f4f4f4' } })
    .composite(layers)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Before (row 1) and after (row 2): the same samples in two domains. */
export async function beforeAfter(
  before: RgbImage[],
  after: RgbImage[],
  labels: [string, string] = ['before', 'after'],
): Promise<RgbImage> {
  return grid([before, after], { rowLabels: labels });
}

/** Frames of equal size as an animated WebP or GIF (sharp writes animations from one tall image of pages). */
export async function animate(frames: RgbImage[], format: 'webp' | 'gif' = 'webp', delayMs = 120): Promise<Buffer> {
  if (!frames.length) throw new Error('no frames');
  const { width, height } = frames[0];
  const tall = Buffer.concat(
    frames.map((f) => {
      if (f.width !== width || f.height !== height) throw new Error('frames must share a size');
      return f.data;
    }),
  );
  const img = sharp(tall, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } });
  const delay = frames.map(() => delayMs);
  return format === 'gif' ? img.gif({ delay, loop: 0 }).toBuffer() : img.webp({ delay, loop: 0, quality: 85 }).toBuffer();
}

// Paste-back: each re-rendered face goes back through the inverse of its FFHQ alignment, blended with a feathered
// mask (an inset square blurred with sharp). Where the mask is zero the photo's pixels are left exactly as they were.
import sharp from 'sharp';
import type { RgbImage } from '../types.js';
import { compose, invert, translation, warp } from './affine.js';
import { alignedToPhoto, type FfhqQuad, quadBounds } from './align.js';

export interface PasteFace {
  /** the face as the generator drew it: an aligned square picture of any size */
  image: RgbImage;
  /** the square it was aligned from, in the photo's coordinates */
  quad: FfhqQuad;
}

export interface PasteOptions {
  /** blur sigma of the mask edge, as a share of the aligned picture's side; default 0.04 */
  feather?: number;
}

const DEFAULT_FEATHER = 0.04;

/**
 * The mask in aligned coordinates: 255 in the middle, falling smoothly to exactly 0 before the square's border,
 * so that the square's edge never shows in the photo.
 */
export async function featherMask(size: number, feather = DEFAULT_FEATHER): Promise<Uint8Array> {
  const sigma = Math.max(0.5, feather * size);
  const inset = Math.min(Math.floor(size / 2) - 1, Math.ceil(3.5 * sigma));
  const square = Buffer.alloc(size * size);
  for (let y = inset; y < size - inset; y++) square.fill(255, y * size + inset, y * size + size - inset);
  if (inset <= 0) return square;
  const blurred = await sharp(square, { raw: { width: size, height: size, channels: 1 } })
    .blur({ sigma, precision: 'float' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  // the blur's tail can leave 1s at the very border; the border rows and columns must be exactly 0
  const out = new Uint8Array(blurred);
  for (let i = 0; i < size; i++) out[i] = out[(size - 1) * size + i] = out[i * size] = out[i * size + size - 1] = 0;
  return out;
}

/** The photo with every face pasted back; the input photo is not modified. */
export async function pasteBack(photo: RgbImage, faces: PasteFace[], opts: PasteOptions = {}): Promise<RgbImage> {
  const overlays: sharp.OverlayOptions[] = [];
  for (const face of faces) {
    const size = face.image.width;
    if (face.image.height !== size) throw new Error('a face to paste back must be square');
    const bounds = quadBounds(face.quad, photo.width, photo.height, 1);
    if (!bounds) continue; // the square lies wholly outside the photo
    const mask = await featherMask(size, opts.feather ?? DEFAULT_FEATHER);
    const maskRgb = Buffer.alloc(size * size * 3);
    for (let p = 0; p < size * size; p++) maskRgb[p * 3] = maskRgb[p * 3 + 1] = maskRgb[p * 3 + 2] = mask[p];
    // region pixel → photo pixel → aligned pixel
    const regionToAligned = compose(invert(alignedToPhoto(face.quad, size)), translation(bounds.left, bounds.top));
    const colour = warp(face.image, regionToAligned, bounds.width, bounds.height, 'reflect').image;
    const alpha = warp({ width: size, height: size, data: maskRgb }, regionToAligned, bounds.width, bounds.height, 'transparent');
    const rgba = Buffer.alloc(bounds.width * bounds.height * 4);
    for (let p = 0; p < bounds.width * bounds.height; p++) {
      rgba[p * 4] = colour.data[p * 3];
      rgba[p * 4 + 1] = colour.data[p * 3 + 1];
      rgba[p * 4 + 2] = colour.data[p * 3 + 2];
      // samples partly outside the square fade with their coverage
      rgba[p * 4 + 3] = Math.round(alpha.image.data[p * 3] * alpha.coverage[p]);
    }
    overlays.push({ input: rgba, raw: { width: bounds.width, height: bounds.height, channels: 4 }, left: bounds.left, top: bounds.top });
  }
  if (overlays.length === 0) return { width: photo.width, height: photo.height, data: Buffer.from(photo.data) };
  const { data, info } = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .composite(overlays)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

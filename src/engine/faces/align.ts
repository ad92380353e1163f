// FFHQ face alignment (as NVlabs' ffhq-dataset script and e4e do it), from the 68 landmarks: an oriented square
// around eyes and mouth, resampled to the encoder's resolution. The transform is kept both ways (2×3 matrices) so
// that a re-rendered face can be pasted back where it came from.
import sharp from 'sharp';
import type { RgbImage } from '../types.js';
import { type Affine, compose, invert, translation, warp } from './affine.js';
import { eyeCentres, type Point } from './detector.js';

/** The oriented square: centre and the two half-side vectors (x to the face's right edge of the crop, y downwards). */
export interface FfhqQuad {
  center: Point;
  x: Point;
  y: Point;
}

export interface AlignedFace {
  image: RgbImage;
  quad: FfhqQuad;
  /** aligned-picture coordinates → photo coordinates, at the aligned picture's size */
  toPhoto: Affine;
  /** photo coordinates → aligned-picture coordinates */
  fromPhoto: Affine;
}

/** The FFHQ crop square of a face from its 68 landmarks (iBUG order). */
export function ffhqQuad(landmarks: Point[]): FfhqQuad {
  if (landmarks.length !== 68) throw new Error(`FFHQ alignment needs the 68 landmarks, got ${landmarks.length}`);
  const { left: eyeLeft, right: eyeRight } = eyeCentres(landmarks);
  const eyeAvg = { x: (eyeLeft.x + eyeRight.x) / 2, y: (eyeLeft.y + eyeRight.y) / 2 };
  const eyeToEye = { x: eyeRight.x - eyeLeft.x, y: eyeRight.y - eyeLeft.y };
  // outer mouth corners: landmarks 48 and 54
  const mouthAvg = { x: (landmarks[48].x + landmarks[54].x) / 2, y: (landmarks[48].y + landmarks[54].y) / 2 };
  const eyeToMouth = { x: mouthAvg.x - eyeAvg.x, y: mouthAvg.y - eyeAvg.y };
  // the crop's x axis: between the eye line and the perpendicular of the eye-to-mouth line, so a tilted head
  // is levelled by both cues; its length is set by whichever of the two distances is the larger
  let x = { x: eyeToEye.x + eyeToMouth.y, y: eyeToEye.y - eyeToMouth.x };
  const len = Math.hypot(x.x, x.y);
  if (!(len > 0)) throw new Error('degenerate landmarks: the eyes and mouth coincide');
  const half = Math.max(Math.hypot(eyeToEye.x, eyeToEye.y) * 2.0, Math.hypot(eyeToMouth.x, eyeToMouth.y) * 1.8);
  x = { x: (x.x / len) * half, y: (x.y / len) * half };
  const y = { x: -x.y, y: x.x };
  const center = { x: eyeAvg.x + eyeToMouth.x * 0.1, y: eyeAvg.y + eyeToMouth.y * 0.1 };
  return { center, x, y };
}

/** The quad's corners in FFHQ's order: top-left, bottom-left, bottom-right, top-right. */
export function quadCorners(q: FfhqQuad): [Point, Point, Point, Point] {
  const p = (sx: number, sy: number) => ({ x: q.center.x + sx * q.x.x + sy * q.y.x, y: q.center.y + sx * q.x.y + sy * q.y.y });
  return [p(-1, -1), p(-1, 1), p(1, 1), p(1, -1)];
}

/** Aligned picture of side `size` → photo: (0,0) is the quad's top-left corner and (size,size) its bottom-right. */
export function alignedToPhoto(q: FfhqQuad, size: number): Affine {
  const k = 2 / size;
  const c = quadCorners(q)[0];
  return [q.x.x * k, q.y.x * k, c.x, q.x.y * k, q.y.y * k, c.y];
}

/** Integer bounding box of the quad, grown by `margin`, clipped to the photo; null when they do not meet. */
export function quadBounds(
  q: FfhqQuad,
  width: number,
  height: number,
  margin = 0,
): { left: number; top: number; width: number; height: number } | null {
  const cs = quadCorners(q);
  const left = Math.max(0, Math.floor(Math.min(...cs.map((p) => p.x)) - margin));
  const top = Math.max(0, Math.floor(Math.min(...cs.map((p) => p.y)) - margin));
  const right = Math.min(width, Math.ceil(Math.max(...cs.map((p) => p.x)) + margin));
  const bottom = Math.min(height, Math.ceil(Math.max(...cs.map((p) => p.y)) + margin));
  if (right <= left || bottom <= top) return null;
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * The FFHQ-aligned crop of a face at `size`×`size`. Like the FFHQ script, a quad much larger than the output is
 * first shrunk by an integer factor (an antialiased resize with sharp) so that the final bilinear resampling
 * never skips pixels; parts of the square outside the photo are filled by mirroring the photo at its edges.
 */
export async function alignFace(photo: RgbImage, landmarks: Point[], size: number): Promise<AlignedFace> {
  const quad = ffhqQuad(landmarks);
  const toPhoto = alignedToPhoto(quad, size);
  const fromPhoto = invert(toPhoto);
  const qsize = 2 * Math.hypot(quad.x.x, quad.x.y);
  const shrink = Math.floor((qsize / size) * 0.5);
  const bounds = shrink > 1 ? quadBounds(quad, photo.width, photo.height, 2 * shrink) : null;
  if (!bounds) {
    return { image: warp(photo, toPhoto, size, size, 'reflect').image, quad, toPhoto, fromPhoto };
  }
  const w = Math.max(1, Math.round(bounds.width / shrink));
  const h = Math.max(1, Math.round(bounds.height / shrink));
  const { data, info } = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .extract(bounds)
    .resize(w, h, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const region: RgbImage = { width: info.width, height: info.height, data };
  // photo → shrunk region: move the region's corner to the origin, then scale each axis
  const photoToRegion = compose(
    [info.width / bounds.width, 0, 0, 0, info.height / bounds.height, 0],
    translation(-bounds.left, -bounds.top),
  );
  const image = warp(region, compose(photoToRegion, toPhoto), size, size, 'reflect').image;
  return { image, quad, toPhoto, fromPhoto };
}

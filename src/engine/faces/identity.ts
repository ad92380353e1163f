// Identity score: how well a re-rendered face keeps the person, as the cosine of face-api's 128-d recognition
// descriptors (a ResNet-34 trained for face verification) of the input face and of the result.
import sharp from 'sharp';
import type { RgbImage } from '../types.js';
import { withTensor } from './detector.js';
import { faceLib } from './facelib.js';

/**
 * Crops are brought to this side before detection: SSD misses faces in tiny crops (16–64 px packs), and larger
 * crops only cost time (the recognition net sees a 150 px chip).
 */
const DESCRIPTOR_SIDE = 256;
/** A stylized face may look less like a photo than the detector is used to: accept weaker detections here. */
const DESCRIPTOR_MIN_CONFIDENCE = 0.3;

/**
 * The descriptor of the most confident face in a face crop (aligned input or generated result), or null when no
 * face is found in it. The crop is framed with a black border first: SSD misses faces that fill the frame.
 */
export async function faceDescriptor(image: RgbImage): Promise<Float32Array | null> {
  const lib = await faceLib();
  const { faceapi } = lib;
  const input = await framed(await scaledTo(image, DESCRIPTOR_SIDE));
  const found = await withTensor(lib, input, (t) =>
    faceapi
      .detectSingleFace(t, new faceapi.SsdMobilenetv1Options({ minConfidence: DESCRIPTOR_MIN_CONFIDENCE }))
      .withFaceLandmarks()
      .withFaceDescriptor()
      .run(),
  );
  return found ? Float32Array.from(found.descriptor) : null;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`descriptors differ in length: ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export interface IdentityScore {
  /** cosine of the two descriptors, or null when a face is not found in one of the pictures */
  score: number | null;
  /** why the score is null */
  reason?: string;
}

/** Identity kept from `before` (the input face crop) to `after` (the result). */
export async function identityScore(before: RgbImage | Float32Array, after: RgbImage): Promise<IdentityScore> {
  const a = before instanceof Float32Array ? before : await faceDescriptor(before);
  if (!a) return { score: null, reason: 'no face found in the input crop' };
  const b = await faceDescriptor(after);
  if (!b) return { score: null, reason: 'no face found in the result' };
  return { score: cosine(a, b) };
}

async function framed(image: RgbImage): Promise<RgbImage> {
  const pad = Math.round(Math.max(image.width, image.height) / 2);
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

async function scaledTo(image: RgbImage, side: number): Promise<RgbImage> {
  const k = side / Math.min(image.width, image.height);
  if (k === 1) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(Math.round(image.width * k), Math.round(image.height * k), { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

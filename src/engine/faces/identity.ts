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

/** A face's descriptor and where it was found, in the normalised frame (crop scaled to DESCRIPTOR_SIDE, framed). */
export interface FaceDescription {
  descriptor: Float32Array;
  box: { x: number; y: number; width: number; height: number };
}

/**
 * The most confident face in a face crop (aligned input or generated result), or null when no face is found in
 * it. The crop is framed with a black border first: SSD misses faces that fill the frame.
 */
export async function describeFace(image: RgbImage): Promise<FaceDescription | null> {
  const lib = await faceLib();
  const { faceapi } = lib;
  const input = await normalised(image);
  const found = await withTensor(lib, input, (t) =>
    faceapi
      .detectSingleFace(t, new faceapi.SsdMobilenetv1Options({ minConfidence: DESCRIPTOR_MIN_CONFIDENCE }))
      .withFaceLandmarks()
      .withFaceDescriptor()
      .run(),
  );
  if (!found) return null;
  // the box face-api itself cuts the descriptor chip from (dlib-style alignment of the landmarks)
  const { x, y, width, height } = found.landmarks.align(null, { useDlibAlignment: true });
  return { descriptor: Float32Array.from(found.descriptor), box: { x, y, width, height } };
}

export async function faceDescriptor(image: RgbImage): Promise<Float32Array | null> {
  return (await describeFace(image))?.descriptor ?? null;
}

/**
 * The descriptor of whatever `image` holds at `box` (normalised frame). Aligned crops share the FFHQ frame, so a
 * result whose face the detector cannot find is still described where the input's face was.
 */
export async function descriptorAt(image: RgbImage, box: FaceDescription['box']): Promise<Float32Array> {
  const lib = await faceLib();
  const { faceapi } = lib;
  const input = await normalised(image);
  return withTensor(lib, input, async (t) => {
    const rect = new faceapi.Rect(box.x, box.y, box.width, box.height);
    const [chip] = await faceapi.extractFaceTensors(t as never, [rect]);
    try {
      return Float32Array.from((await faceapi.computeFaceDescriptor(chip as never)) as Float32Array);
    } finally {
      chip.dispose();
    }
  });
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
  /** cosine of the two descriptors, or null when no face is found in the input */
  score: number | null;
  /** why the score is missing, or how it was measured when the result's face was not detected */
  reason?: string;
}

export const MEASURED_AT_INPUT_FACE = "no face detected in the result: measured at the input face's place";

/** Identity kept from `before` (the input face crop, or its description) to `after` (the result, same frame). */
export async function identityScore(before: RgbImage | FaceDescription, after: RgbImage): Promise<IdentityScore> {
  const a = 'descriptor' in before ? before : await describeFace(before);
  if (!a) return { score: null, reason: 'no face found in the input crop' };
  const b = await faceDescriptor(after);
  if (b) return { score: cosine(a.descriptor, b) };
  return { score: cosine(a.descriptor, await descriptorAt(after, a.box)), reason: MEASURED_AT_INPUT_FACE };
}

async function normalised(image: RgbImage): Promise<RgbImage> {
  return framed(await scaledTo(image, DESCRIPTOR_SIDE));
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

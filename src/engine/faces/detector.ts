// Face detection (SSD MobileNet v1) and 68-point landmarks with face-api, on pictures decoded by sharp.
// Huge photos are downscaled for detection only; boxes and landmarks are mapped back to the photo's pixels.
import sharp from 'sharp';
import { EngineInputError } from '../errors.js';
import { decodeImage } from '../images.js';
import type { RgbImage } from '../types.js';
import { faceLib, type FaceLib } from './facelib.js';

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: Box;
  /** detector confidence, 0..1 */
  score: number;
  /** the 68 landmarks (iBUG 300-W order) in the photo's pixel coordinates */
  landmarks: Point[];
  /** distance between the eye centres (means of landmarks 36–41 and 42–47), in photo pixels */
  eyeDistance: number;
}

/** The longest side detection runs on: SSD resizes to 512 anyway, and landmarks need no more than this. */
const MAX_DETECTION_SIDE = 2048;
/**
 * Faces whose eye centres are closer than this are refused: FFHQ's crop is about 4× the eye distance, so a 256 px
 * encoder would upsample such a face more than 1.3×, and the landmarks themselves get unreliable below it.
 */
export const MIN_EYE_DISTANCE = 48;
const MIN_CONFIDENCE = 0.5;
const MAX_CANDIDATES = 50;

export interface DetectOptions {
  /** how many faces at most, largest first; default 1 */
  maxFaces?: number;
  minEyeDistance?: number;
  minConfidence?: number;
}

/**
 * Decodes an uploaded picture with sharp's pixel limits (images.ts: decodeImage). Undecodable, empty, tiny or huge
 * pictures are refused there with an ImageInputError, the engine's error for bad pictures, whose message is for the
 * sender; face-specific refusals below are EngineInputErrors.
 */
export async function decodePhoto(input: Buffer | RgbImage): Promise<RgbImage> {
  return decodeImage(input);
}

export function eyeCentres(landmarks: Point[]): { left: Point; right: Point } {
  return { left: mean(landmarks.slice(36, 42)), right: mean(landmarks.slice(42, 48)) };
}

export function mean(points: Point[]): Point {
  const s = points.reduce((a, p) => ({ x: a.x + p.x, y: a.y + p.y }), { x: 0, y: 0 });
  return { x: s.x / points.length, y: s.y / points.length };
}

/** Every face the detector finds, largest first, with landmarks; never throws for "no face" (an empty list). */
export async function findFaces(image: RgbImage, minConfidence = MIN_CONFIDENCE): Promise<DetectedFace[]> {
  const lib = await faceLib();
  const { faceapi } = lib;
  const scale = Math.min(1, MAX_DETECTION_SIDE / Math.max(image.width, image.height));
  const small = scale < 1 ? await downscale(image, scale) : image;
  const sx = image.width / small.width;
  const sy = image.height / small.height;
  const results = await withTensor(lib, small, (t) =>
    faceapi
      .detectAllFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: MAX_CANDIDATES }))
      .withFaceLandmarks()
      .run(),
  );
  const faces = results.map((r): DetectedFace => {
    const b = r.detection.box;
    const landmarks = r.landmarks.positions.map((p) => ({ x: p.x * sx, y: p.y * sy }));
    const { left, right } = eyeCentres(landmarks);
    return {
      box: { x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy },
      score: r.detection.score,
      landmarks,
      eyeDistance: Math.hypot(right.x - left.x, right.y - left.y),
    };
  });
  return faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
}

/**
 * Faces in a tight crop (an FFHQ-aligned face fills most of it): SSD, trained on wider scenes, misses many of them,
 * so the crop is framed with a black border of half its side first; coordinates are those of the crop.
 */
export async function findFacesInCrop(image: RgbImage, minConfidence = MIN_CONFIDENCE): Promise<DetectedFace[]> {
  const pad = Math.round(Math.max(image.width, image.height) / 2);
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const faces = await findFaces({ width: info.width, height: info.height, data }, minConfidence);
  const back = (p: Point) => ({ x: p.x - pad, y: p.y - pad });
  return faces.map((f) => ({ ...f, box: { ...f.box, ...back(f.box) }, landmarks: f.landmarks.map(back) }));
}

/**
 * The largest face (or up to maxFaces largest) big enough to align. Refuses clearly when there is none, or when
 * even the largest is too small; smaller extra faces that are too small are left out.
 */
export async function detectFaces(image: RgbImage, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const maxFaces = opts.maxFaces ?? 1;
  const minEye = opts.minEyeDistance ?? MIN_EYE_DISTANCE;
  if (!Number.isInteger(maxFaces) || maxFaces < 1 || maxFaces > MAX_CANDIDATES) {
    throw new EngineInputError(`the number of faces must be a whole number from 1 to ${MAX_CANDIDATES}, got ${maxFaces}`);
  }
  const faces = await findFaces(image, opts.minConfidence ?? MIN_CONFIDENCE);
  if (faces.length === 0) throw new EngineInputError('no face found in the picture: send a photo where a face is clearly visible');
  const usable = faces.filter((f) => f.eyeDistance >= minEye);
  if (usable.length === 0) {
    const eye = Math.round(faces[0].eyeDistance);
    throw new EngineInputError(`the face is too small (${eye} px between the eyes; at least ${minEye}): send a closer or larger photo`);
  }
  return usable.slice(0, maxFaces);
}

async function downscale(image: RgbImage, scale: number): Promise<RgbImage> {
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Runs fn on an int32 [H,W,3] tensor of the picture and frees the tensor afterwards. */
export async function withTensor<T>(lib: FaceLib, image: RgbImage, fn: (t: never) => Promise<T>): Promise<T> {
  const tensor = lib.tf.tensor3d(
    new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length),
    [image.height, image.width, 3],
    'int32',
  );
  try {
    return await fn(tensor as never);
  } finally {
    tensor.dispose();
  }
}

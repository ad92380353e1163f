// A real photo re-drawn in a domain (issue 6): faces found and FFHQ-aligned, inverted with the pack's encoder,
// re-rendered in the domain, pasted back into the photo, and scored for identity. Packs that do not draw faces
// (or whose encoder expects a centre crop) take the engine's centre-crop path instead.
import { EngineInputError } from '../errors.js';
import { stylizeCenterCrop } from '../stylize-crop.js';
import type { Engine, StylizedFace, StylizeRequest, StylizeResult } from '../types.js';
import { alignFace, type AlignedFace } from './align.js';
import { decodePhoto, detectFaces } from './detector.js';
import { describeFace, identityScore } from './identity.js';
import { pasteBack } from './paste.js';

/** The input side of the identity score is measured on an aligned crop at least this large, whatever R_enc is. */
const IDENTITY_CROP = 256;

export async function stylizePhoto(engine: Engine, req: StylizeRequest): Promise<StylizeResult> {
  const { manifest } = engine;
  if (manifest.subject !== 'faces' || manifest.encoder.alignment !== 'ffhq') return stylizeCenterCrop(engine, req);
  if (!Buffer.isBuffer(req.image)) throw new EngineInputError('stylize needs a picture file');
  const photo = await decodePhoto(req.image);
  const faces = await detectFaces(photo, { maxFaces: req.maxFaces ?? 1 });

  const R = manifest.encoder.resolution;
  const aligned: AlignedFace[] = [];
  for (const face of faces) aligned.push(await alignFace(photo, face.landmarks, R));
  const inverted = await engine.invert(aligned.map((a) => a.image));
  const { images } = await engine.generate({
    samples: { ws: inverted.ws, n: faces.length },
    domain: req.domain,
    strength: req.strength,
    styleDelta: req.styleDelta,
    nadaDomain: req.nadaDomain,
  });

  const composite = await pasteBack(
    photo,
    images.map((image, i) => ({ image, quad: aligned[i].quad })),
  );

  const wsPerFace = manifest.numWs * manifest.latentDim;
  const results: StylizedFace[] = [];
  for (let i = 0; i < faces.length; i++) {
    const inputCrop = R >= IDENTITY_CROP ? aligned[i].image : (await alignFace(photo, faces[i].landmarks, IDENTITY_CROP)).image;
    const inputFace = await describeFace(inputCrop);
    const identity = inputFace
      ? await identityScore(inputFace, images[i])
      : { score: null, reason: 'no face found in the aligned input crop' };
    const { x, y, width, height } = faces[i].box;
    results.push({
      before: inverted.aligned[i] ?? aligned[i].image,
      after: images[i],
      identity: identity.score,
      ...(identity.reason ? { identityNote: identity.reason } : {}),
      box: { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) },
      ws: inverted.ws.slice(i * wsPerFace, (i + 1) * wsPerFace),
    });
  }
  return { composite, faces: results };
}

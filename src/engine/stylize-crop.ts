// Stylizing a photo without face detection: the centred square is inverted with the encoder, re-rendered in the
// domain, and returned as the composite. This is the path for packs whose subject is not faces, and the fallback
// while the face path (src/engine/faces/stylize.ts) is not there.
import { EngineInputError } from './errors.js';
import { decodeImage, resizeRgb } from './images.js';
import type { Engine, StylizeRequest, StylizeResult } from './types.js';

export async function stylizeCenterCrop(engine: Engine, req: StylizeRequest): Promise<StylizeResult> {
  if (!Buffer.isBuffer(req.image)) throw new EngineInputError('stylize needs an encoded picture');
  const photo = await decodeImage(req.image);
  const side = Math.min(photo.width, photo.height);
  const box = { x: Math.floor((photo.width - side) / 2), y: Math.floor((photo.height - side) / 2), width: side, height: side };
  const inverted = await engine.invert([photo]);
  const { images } = await engine.generate({
    samples: { ws: inverted.ws, n: 1 },
    domain: req.domain,
    strength: req.strength,
    styleDelta: req.styleDelta,
    nadaDomain: req.nadaDomain,
  });
  const before = inverted.aligned[0];
  const after = images[0];
  const composite = await resizeRgb(after, Math.max(after.width, before.width), Math.max(after.height, before.height));
  return { composite, faces: [{ before, after, identity: null, box, ws: inverted.ws }] };
}

// The identity score: cosine of face-api's 128-d descriptors, on aligned crops of the real sample photos.
import { describe, expect, it } from 'vitest';
import { alignFace } from '../../../src/engine/faces/align.js';
import { decodePhoto, findFaces } from '../../../src/engine/faces/detector.js';
import {
  cosine,
  describeFace,
  descriptorAt,
  faceDescriptor,
  identityScore,
  MEASURED_AT_INPUT_FACE,
} from '../../../src/engine/faces/identity.js';
import { gradient, resized, samplePhoto } from './helpers.js';

describe('face descriptors and the identity score', () => {
  it('is near 1 for the same face at another size, and clearly lower across people', async () => {
    const photo = await decodePhoto(samplePhoto(5));
    const faces = (await findFaces(photo)).slice(0, 3);
    const small = await resized(photo, Math.round(photo.width * 0.6));
    const k = small.width / photo.width;
    const same: number[] = [];
    const descriptors: Float32Array[] = [];
    for (const f of faces) {
      const a = await faceDescriptor((await alignFace(photo, f.landmarks, 256)).image);
      // the same person from the photo downscaled to 60% (re-aligned from the scaled landmarks)
      const b = await faceDescriptor(
        (
          await alignFace(
            small,
            f.landmarks.map((p) => ({ x: p.x * k, y: p.y * k })),
            256,
          )
        ).image,
      );
      expect(a).not.toBeNull();
      expect(b).not.toBeNull();
      expect(a!.length).toBe(128);
      same.push(cosine(a!, b!));
      descriptors.push(a!);
    }
    const across: number[] = [];
    for (let i = 0; i < descriptors.length; i++)
      for (let j = i + 1; j < descriptors.length; j++) across.push(cosine(descriptors[i], descriptors[j]));
    for (const s of same) expect(s).toBeGreaterThan(0.98);
    // different people: face-api descriptors all lie in one cone, so raw cosines stay high (0.84–0.94 on these photos)
    for (const a of across) expect(a).toBeLessThan(0.95);
    expect(Math.min(...same) - Math.max(...across)).toBeGreaterThan(0.04);
  });

  it("describes a result without a detectable face at the input face's place; is null only without an input face", async () => {
    const photo = await decodePhoto(samplePhoto(3));
    const [face] = await findFaces(photo);
    const crop = (await alignFace(photo, face.landmarks, 128)).image;
    expect(await faceDescriptor(gradient(128, 128))).toBeNull();
    // the fallback chip is the one detection would cut: the same face described both ways agrees
    const described = (await describeFace(crop))!;
    expect(cosine(described.descriptor, await descriptorAt(crop, described.box))).toBeGreaterThan(0.999);
    const faceless = await identityScore(crop, gradient(128, 128));
    expect(faceless.reason).toBe(MEASURED_AT_INPUT_FACE);
    expect(faceless.score).toBeGreaterThanOrEqual(-1);
    expect(faceless.score).toBeLessThan(0.95); // below every same-person score above, and any pair of people
    expect(await identityScore(gradient(64, 64), crop)).toEqual({ score: null, reason: 'no face found in the input crop' });
    const self = await identityScore(crop, crop);
    expect(self.score).toBeCloseTo(1, 5);
  });

  it('refuses descriptors of different lengths', () => {
    expect(() => cosine(new Float32Array(128), new Float32Array(127))).toThrow(/differ in length/);
  });
});

// FFHQ alignment: the crop square from landmarks, its 2×3 transforms, and the aligned pixels themselves, checked by
// detecting the face again on the aligned crop.
import { describe, expect, it } from 'vitest';
import { apply, compose, invert, reflectIndex, warp, type Affine } from '../../../src/engine/faces/affine.js';
import { alignFace, alignedToPhoto, ffhqQuad, quadCorners } from '../../../src/engine/faces/align.js';
import { decodePhoto, eyeCentres, findFaces, findFacesInCrop, type Point } from '../../../src/engine/faces/detector.js';
import { samplePhoto } from './helpers.js';

/** 68 landmarks of an upright face: only the eyes (36–47) and the outer mouth corners (48, 54) matter to FFHQ. */
function syntheticLandmarks(eyeL: Point, eyeR: Point, mouthL: Point, mouthR: Point): Point[] {
  const lm: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  for (let i = 36; i < 42; i++) lm[i] = eyeL;
  for (let i = 42; i < 48; i++) lm[i] = eyeR;
  lm[48] = mouthL;
  lm[54] = mouthR;
  return lm;
}

function rotate(p: Point, c: Point, angle: number): Point {
  const [s, k] = [Math.sin(angle), Math.cos(angle)];
  return { x: c.x + k * (p.x - c.x) - s * (p.y - c.y), y: c.y + s * (p.x - c.x) + k * (p.y - c.y) };
}

describe('the FFHQ square from landmarks', () => {
  it('follows the FFHQ formulas on an upright face', () => {
    // eyes 100 px apart, mouth 90 px below them: the side is max(2·100, 1.8·90)·2 = 400
    const q = ffhqQuad(syntheticLandmarks({ x: 300, y: 400 }, { x: 400, y: 400 }, { x: 320, y: 490 }, { x: 380, y: 490 }));
    expect(q.center.x).toBeCloseTo(350, 9);
    expect(q.center.y).toBeCloseTo(409, 9); // eye_avg + 0.1·eye_to_mouth
    const c = quadCorners(q);
    expect(c[0].x).toBeCloseTo(150, 9);
    expect(c[0].y).toBeCloseTo(209, 9);
    expect(c[2].x).toBeCloseTo(550, 9);
    expect(c[2].y).toBeCloseTo(609, 9);
    // a long face: the mouth distance sets the size instead
    const long = ffhqQuad(syntheticLandmarks({ x: 300, y: 400 }, { x: 400, y: 400 }, { x: 320, y: 550 }, { x: 380, y: 550 }));
    expect(Math.hypot(long.x.x, long.x.y)).toBeCloseTo(1.8 * 150, 9);
  });

  it('turns with the face, and puts the eyes where FFHQ puts them at any resolution', () => {
    const c = { x: 500, y: 500 };
    const angle = 0.4;
    const pts = [
      { x: 300, y: 400 },
      { x: 400, y: 400 },
      { x: 320, y: 490 },
      { x: 380, y: 490 },
    ].map((p) => rotate(p, c, angle));
    const lm = syntheticLandmarks(pts[0], pts[1], pts[2], pts[3]);
    const q = ffhqQuad(lm);
    expect(Math.atan2(q.x.y, q.x.x)).toBeCloseTo(angle, 9);
    for (const S of [256, 1024]) {
      const toAligned = invert(alignedToPhoto(q, S));
      const { left, right } = eyeCentres(lm.map((p) => apply(toAligned, p)));
      // FFHQ's canonical eyes when eye distance sets the scale: level, S/4 apart, centred, 0.1·eye_to_mouth above the centre
      expect(left.x).toBeCloseTo(S * (3 / 8), 6);
      expect(right.x).toBeCloseTo(S * (5 / 8), 6);
      expect(left.y).toBeCloseTo(S / 2 - (9 / 400) * S, 6);
      expect(right.y).toBeCloseTo(left.y, 6);
    }
  });

  it('has transforms that invert each other', () => {
    const m: Affine = [1.3, -0.4, 12, 0.2, 0.9, -7];
    const id = compose(m, invert(m));
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(id[i]).toBeCloseTo(v, 12));
    expect([-3, -2, -1, 0, 4, 5, 6].map((k) => reflectIndex(k, 5))).toEqual([2, 1, 0, 0, 4, 4, 3]);
  });

  it('resamples exactly under a pure shift, and fills the outside by mirroring', () => {
    const src = { width: 4, height: 1, data: Buffer.from([10, 0, 0, 20, 0, 0, 30, 0, 0, 40, 0, 0]) };
    const shifted = warp(src, [1, 0, 1, 0, 1, 0], 4, 1, 'reflect').image;
    expect([...shifted.data].filter((_, i) => i % 3 === 0)).toEqual([20, 30, 40, 40]);
    const cut = warp(src, [1, 0, 1, 0, 1, 0], 4, 1, 'transparent');
    expect([...cut.coverage]).toEqual([1, 1, 1, 0]);
  });
});

describe('aligned crops of the sample photos', () => {
  it.each([1, 4, 6])('sample%s: re-detected eyes sit on the FFHQ positions within a few pixels', async (n) => {
    const S = 256;
    const photo = await decodePhoto(samplePhoto(n));
    const faces = await findFaces(photo);
    for (const face of faces.slice(0, 2)) {
      const aligned = await alignFace(photo, face.landmarks, S);
      expect([aligned.image.width, aligned.image.height]).toEqual([S, S]);
      // where the transform says the eyes are …
      const mapped = eyeCentres(face.landmarks.map((p) => apply(aligned.fromPhoto, p)));
      // FFHQ levels the face by the eye line and the mouth together, so the eyes are nearly (not exactly) level
      expect(Math.abs(mapped.right.y - mapped.left.y)).toBeLessThan(0.03 * S);
      expect(Math.abs((mapped.left.x + mapped.right.x) / 2 - S / 2)).toBeLessThan(0.03 * S);
      expect(Math.abs((mapped.left.y + mapped.right.y) / 2 - 0.47 * S)).toBeLessThan(0.03 * S);
      // … is where the landmark net finds them in the aligned pixels: 6 px is 2.3% of the side
      const again = await findFacesInCrop(aligned.image, 0.3);
      expect(again.length).toBeGreaterThan(0);
      const seen = eyeCentres(again[0].landmarks);
      for (const k of ['left', 'right'] as const) {
        expect(Math.abs(seen[k].x - mapped[k].x)).toBeLessThan(6);
        expect(Math.abs(seen[k].y - mapped[k].y)).toBeLessThan(6);
      }
    }
  });

  it('aligns a face cut by the photo edge, mirroring the photo into the missing part', async () => {
    const photo = await decodePhoto(samplePhoto(1));
    const [face] = await findFaces(photo);
    // keep only the columns from the face's centre on: half of the FFHQ square falls off the left edge
    const cx = Math.round(face.box.x + face.box.width * 0.45);
    const width = photo.width - cx;
    const cut = Buffer.alloc(width * photo.height * 3);
    for (let y = 0; y < photo.height; y++)
      photo.data.copy(cut, y * width * 3, (y * photo.width + cx) * 3, (y * photo.width + photo.width) * 3);
    const shiftedLandmarks = face.landmarks.map((p) => ({ x: p.x - cx, y: p.y }));
    const aligned = await alignFace({ width, height: photo.height, data: cut }, shiftedLandmarks, 128);
    // the column just left of the edge mirrors the one just right of it
    const edge = Math.round(apply(aligned.fromPhoto, { x: 0, y: face.box.y + face.box.height / 2 }).x);
    const row = 64;
    const px = (x: number) => aligned.image.data[(row * 128 + x) * 3];
    expect(edge).toBeGreaterThan(5);
    expect(Math.abs(px(edge - 2) - px(edge + 1))).toBeLessThan(40);
  });
});

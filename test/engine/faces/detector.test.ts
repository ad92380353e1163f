// Face detection and landmarks with face-api on the WASM backend, on the real sample photos of its package.
import { describe, expect, it } from 'vitest';
import { EngineInputError } from '../../../src/engine/errors.js';
import { ImageInputError } from '../../../src/engine/images.js';
import { decodePhoto, detectFaces, eyeCentres, findFaces, MIN_EYE_DISTANCE } from '../../../src/engine/faces/detector.js';
import { faceLib } from '../../../src/engine/faces/facelib.js';
import { encodeJpeg, gradient, resized, samplePhoto } from './helpers.js';

// counted by eye on the photos: every person whose face is turned at least partly to the camera
const PEOPLE = { 1: 3, 2: 3, 3: 3, 4: 4, 5: 5, 6: 4 } as const;

describe('face detection on the sample photos', () => {
  it('runs on the WASM backend without leaving process-wide error handlers behind', async () => {
    const before = [process.listeners('uncaughtException').length, process.listeners('unhandledRejection').length];
    const lib = await faceLib();
    expect(['wasm', 'tensorflow']).toContain(lib.backend);
    expect([process.listeners('uncaughtException').length, process.listeners('unhandledRejection').length]).toEqual(before);
  });

  it.each(Object.entries(PEOPLE))('sample%s: one face per person, each with 68 landmarks inside its box', async (n, people) => {
    const photo = await decodePhoto(samplePhoto(Number(n)));
    const faces = await findFaces(photo);
    expect(faces).toHaveLength(people);
    for (const f of faces) {
      expect(f.landmarks).toHaveLength(68);
      const { left, right } = eyeCentres(f.landmarks);
      const m = 0.1 * f.box.width; // a profile's far eye may sit on the box's edge
      for (const eye of [left, right]) {
        expect(eye.x).toBeGreaterThan(f.box.x - m);
        expect(eye.x).toBeLessThan(f.box.x + f.box.width + m);
        expect(eye.y).toBeGreaterThan(f.box.y - m);
        expect(eye.y).toBeLessThan(f.box.y + f.box.height + m);
      }
      expect(left.x).toBeLessThan(right.x); // the subject's right eye is on the picture's left
    }
    // largest first
    const areas = faces.map((f) => f.box.width * f.box.height);
    expect([...areas].sort((a, b) => b - a)).toEqual(areas);
  });

  it('picks the largest face, or the N largest, and maps coordinates back from a downscaled detection', async () => {
    const photo = await decodePhoto(samplePhoto(5));
    const all = await findFaces(photo);
    const [one] = await detectFaces(photo);
    expect(one.box).toEqual(all[0].box);
    const three = await detectFaces(photo, { maxFaces: 3 });
    expect(three.map((f) => f.box)).toEqual(all.slice(0, 3).map((f) => f.box));
    // a 3840 px wide copy is detected at 2048 px: its boxes must land on the same faces, twice as large
    const big = await resized(photo, photo.width * 2);
    const bigFaces = await findFaces(big);
    expect(bigFaces).toHaveLength(all.length);
    for (let i = 0; i < all.length; i++) {
      const b = all[i].box;
      const B = bigFaces[i].box;
      expect(Math.abs(B.x / 2 - b.x)).toBeLessThan(0.1 * b.width);
      expect(Math.abs(B.width / 2 - b.width)).toBeLessThan(0.1 * b.width);
    }
  });

  it('gives the same answers to concurrent requests as to one at a time', async () => {
    const photos = await Promise.all([3, 6].map((n) => decodePhoto(samplePhoto(n))));
    const together = await Promise.all(photos.map((p) => findFaces(p)));
    const alone = [];
    for (const p of photos) alone.push(await findFaces(p));
    expect(together.map((fs) => fs.map((f) => f.box))).toEqual(alone.map((fs) => fs.map((f) => f.box)));
    expect(together.map((fs) => fs.length)).toEqual([PEOPLE[3], PEOPLE[6]]);
  });

  it('refuses a picture without a face, and one whose face is too small, with a clear EngineInputError', async () => {
    const noFace = await decodePhoto(await encodeJpeg(gradient(640, 480)));
    await expect(detectFaces(noFace)).rejects.toThrow(EngineInputError);
    await expect(detectFaces(noFace)).rejects.toThrow(/no face found/);
    // sample1 at half size: faces are still found, but about 40 px separate the eyes
    const small = await resized(await decodePhoto(samplePhoto(1)), 960);
    const found = await findFaces(small);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].eyeDistance).toBeLessThan(MIN_EYE_DISTANCE);
    await expect(detectFaces(small)).rejects.toThrow(/too small \(\d+ px between the eyes; at least 48\)/);
    // the same picture passes with a lower threshold
    expect((await detectFaces(small, { minEyeDistance: 20 })).length).toBe(1);
    await expect(detectFaces(small, { maxFaces: 0 })).rejects.toThrow(/number of faces/);
  });

  it('refuses a 1×1 picture, a truncated JPEG and bytes that are no picture, without crashing', async () => {
    const tiny = await encodeJpeg({ width: 1, height: 1, data: Buffer.from([200, 100, 50]) });
    await expect(decodePhoto(tiny)).rejects.toThrow(ImageInputError);
    await expect(decodePhoto(tiny)).rejects.toThrow(/too small/);
    const jpeg = samplePhoto(1);
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 3));
    await expect(decodePhoto(truncated)).rejects.toThrow(/damaged or truncated/);
    await expect(decodePhoto(Buffer.from('GIF89a, or so it says'))).rejects.toThrow(/not a picture/);
    // and the detector still works afterwards, leaving no tensors behind
    const { tf } = await faceLib();
    const tensors = tf.memory().numTensors;
    expect((await detectFaces(await decodePhoto(samplePhoto(3)))).length).toBe(1);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

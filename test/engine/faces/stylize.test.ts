// The whole photo path on the tiny fixture pack with the real ONNX Runtime: detect, align, invert, re-render in a
// domain, paste back, score identity; and the centre-crop path for a pack that does not draw faces.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineInputError } from '../../../src/engine/errors.js';
import { alignFace, quadBounds } from '../../../src/engine/faces/align.js';
import { decodePhoto, detectFaces } from '../../../src/engine/faces/detector.js';
import { stylizePhoto } from '../../../src/engine/faces/stylize.js';
import { openPack } from '../../../src/engine/index.js';
import type { DomainVector, Engine } from '../../../src/engine/types.js';
import { tinyPack } from '../../parity/packs.js';
import { encodeJpeg, gradient, samplePhoto } from './helpers.js';
import { MEASURED_AT_INPUT_FACE } from '../../../src/engine/faces/identity.js';

let engine: Engine;
let otherDir: string;
let domain: DomainVector;
beforeAll(async () => {
  engine = await openPack(tinyPack(), { provider: 'cpu', threads: 1 });
  domain = await engine.domainFromText({ target: 'a marble statue' });
  // the same pack, declared as drawing something other than faces
  otherDir = await mkdtemp(path.join(tmpdir(), 'faces-other-'));
  await cp(tinyPack(), otherDir, { recursive: true, filter: (src) => !src.includes(`${path.sep}reference`) });
  const manifest = JSON.parse(await readFile(path.join(otherDir, 'pack.json'), 'utf8'));
  await writeFile(
    path.join(otherDir, 'pack.json'),
    JSON.stringify({ ...manifest, subject: 'other', encoder: { ...manifest.encoder, alignment: 'center-crop' } }),
  );
});
afterAll(async () => {
  await engine?.close();
  if (otherDir) await rm(otherDir, { recursive: true, force: true });
});

describe('stylizing a photo of people', () => {
  it('re-renders the two largest faces and pastes them back, touching nothing else', async () => {
    const image = samplePhoto(1);
    const res = await engine.stylize({ image, domain, maxFaces: 2 });
    const photo = await decodePhoto(image);
    expect([res.composite.width, res.composite.height]).toEqual([photo.width, photo.height]);
    expect(res.faces).toHaveLength(2);
    const { encoder, resolution } = engine.manifest;
    const detected = await detectFaces(photo, { maxFaces: 2 });
    const bounds = [];
    for (const [i, face] of res.faces.entries()) {
      expect([face.before.width, face.before.height]).toEqual([encoder.resolution, encoder.resolution]);
      expect([face.after.width, face.after.height]).toEqual([resolution, resolution]);
      expect(face.box.width).toBeGreaterThan(100);
      expect(Math.abs(face.box.x - detected[i].box.x)).toBeLessThanOrEqual(1);
      // random weights draw no face the detector finds: the score is taken at the input face's place, and says so
      expect(face.identity).toBeGreaterThanOrEqual(-1);
      expect(face.identity).toBeLessThan(0.95);
      expect(face.identityNote).toBe(MEASURED_AT_INPUT_FACE);
      // the face's W+ is the encoder's on the crop it saw: what a re-render or /edit starts from, with no second run
      expect(face.ws.length).toBe(engine.manifest.numWs * engine.manifest.latentDim);
      const again = (await engine.invert([face.before])).ws;
      expect(Math.max(...face.ws.map((v, k) => Math.abs(v - again[k])))).toBeLessThan(1e-3);
      bounds.push(quadBounds((await alignFace(photo, detected[i].landmarks, 16)).quad, photo.width, photo.height)!);
    }
    let changedOutside = 0;
    const changedInside = bounds.map(() => 0);
    for (let y = 0; y < photo.height; y++) {
      for (let x = 0; x < photo.width; x++) {
        const o = (y * photo.width + x) * 3;
        const same =
          res.composite.data[o] === photo.data[o] &&
          res.composite.data[o + 1] === photo.data[o + 1] &&
          res.composite.data[o + 2] === photo.data[o + 2];
        const inside = bounds.map((b) => x >= b.left && x < b.left + b.width && y >= b.top && y < b.top + b.height);
        if (!inside.some(Boolean) && !same) changedOutside++;
        inside.forEach((isIn, i) => {
          if (isIn && !same) changedInside[i]++;
        });
      }
    }
    expect(changedOutside).toBe(0);
    for (const [i, n] of changedInside.entries()) expect(n).toBeGreaterThan(0.2 * bounds[i].width * bounds[i].height);
  });

  it('follows the strength and the domain', async () => {
    const image = samplePhoto(3);
    const full = await stylizePhoto(engine, { image, domain });
    const none = await stylizePhoto(engine, { image, domain, strength: 0 });
    expect(full.faces).toHaveLength(1);
    expect(full.composite.data.equals(none.composite.data)).toBe(false);
    expect(full.faces[0].before.data.equals(none.faces[0].before.data)).toBe(true);
  });

  it('refuses a photo without a face, and bad pictures, with messages for the sender', async () => {
    await expect(engine.stylize({ image: await encodeJpeg(gradient(320, 240)), domain })).rejects.toThrow(EngineInputError);
    await expect(engine.stylize({ image: await encodeJpeg(gradient(320, 240)), domain })).rejects.toThrow(/no face found/);
    const jpeg = samplePhoto(2);
    await expect(engine.stylize({ image: jpeg.subarray(0, 2000), domain })).rejects.toThrow(/damaged or truncated|not a picture/);
    await expect(engine.stylize({ image: samplePhoto(2), domain, maxFaces: 1.5 })).rejects.toThrow(/number of faces/);
  });
});

describe('a pack that does not draw faces', () => {
  it('skips detection and returns the stylized centre crop', async () => {
    const other = await openPack(otherDir, { provider: 'cpu', threads: 1 });
    try {
      // a gradient has no face, and needs none here
      const res = await stylizePhoto(other, { image: await encodeJpeg(gradient(300, 200)), domain });
      expect(res.faces).toHaveLength(1);
      expect(res.faces[0].identity).toBeNull();
      expect(res.faces[0].box).toEqual({ x: 50, y: 0, width: 200, height: 200 });
      expect(res.composite.width).toBe(other.manifest.resolution);
    } finally {
      await other.close();
    }
  });
});

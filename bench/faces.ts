// Times of the photo path's face stages on the sample photos of @vladmandic/face-api:
// decode (sharp), detection + 68 landmarks (face-api), FFHQ alignment at 256 and 1024 px, and one descriptor.
//   npx tsx bench/faces.ts [--runs 3] [--json]
// Prints a table (or JSON with --json) with the median of each stage per photo (wall ms; for the two network stages
// also the CPU ms of this process), the backend and the machine with its load average.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { alignFace } from '../src/engine/faces/align.js';
import { decodePhoto, findFaces } from '../src/engine/faces/detector.js';
import { faceLib } from '../src/engine/faces/facelib.js';
import { faceDescriptor } from '../src/engine/faces/identity.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
const asJson = args.includes('--json');

const require = createRequire(import.meta.url);
const demo = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** wall-clock ms; the CPU ms this process spent meanwhile go to `cpu` (less skewed than wall time on a busy host) */
let lastCpuMs = 0;
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000;
  return [out, wall];
}

const [lib, initMs] = await timed(() => faceLib());
const rows = [];
for (let n = 1; n <= 6; n++) {
  const bytes = readFileSync(path.join(demo, `sample${n}.jpg`));
  const t: Record<string, number[]> = {
    decode: [],
    detect: [],
    detectCpu: [],
    align256: [],
    align1024: [],
    descriptor: [],
    descriptorCpu: [],
  };
  let faces = 0;
  let size = '';
  // one warm-up pass (WASM kernels compile on first use), then the timed runs
  for (let r = 0; r <= runs; r++) {
    const [photo, decodeMs] = await timed(() => decodePhoto(bytes));
    const [found, detectMs] = await timed(() => findFaces(photo));
    const detectCpu = lastCpuMs;
    const [, a256] = await timed(() => alignFace(photo, found[0].landmarks, 256));
    const [aligned, a1024] = await timed(() => alignFace(photo, found[0].landmarks, 1024));
    const [, descMs] = await timed(() => faceDescriptor(aligned.image));
    const descCpu = lastCpuMs;
    if (r === 0) continue;
    faces = found.length;
    size = `${photo.width}×${photo.height}`;
    t.decode.push(decodeMs);
    t.detect.push(detectMs);
    t.detectCpu.push(detectCpu);
    t.align256.push(a256);
    t.align1024.push(a1024);
    t.descriptor.push(descMs);
    t.descriptorCpu.push(descCpu);
  }
  rows.push({
    photo: `sample${n}.jpg`,
    size,
    faces,
    ...Object.fromEntries(Object.entries(t).map(([k, v]) => [`${k}Ms`, Math.round(median(v))])),
  });
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  loadavg: os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' '),
  node: process.version,
  backend: lib.backend,
};
if (asJson) {
  console.log(JSON.stringify({ machine, initMs: Math.round(initMs), runs, rows }, null, 2));
} else {
  console.log(
    `face stages, median of ${runs} runs: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadavg}, Node ${machine.node}, tfjs ${machine.backend}`,
  );
  console.log(`first use (WASM start + weights): ${Math.round(initMs)} ms`);
  console.table(rows);
}

// fp16 synthesis against fp32 on the same inputs: mean absolute difference of the 8-bit pictures, which must stay
// within 2/255 (issue 13), and the time of each graph. The pack needs synthesis_fp16.onnx (exporter --fp16-synthesis).
//   npx tsx scripts/fp16-parity.ts PACK_DIR [--provider cpu|cuda] [--batch 4] [--runs 5]
import { tensorToImages } from '../src/engine/images.js';
import { readManifest, readF32File, resolvePackPath } from '../src/engine/pack.js';
import { f32, openSession, runF32 } from '../src/engine/session.js';
import { zFromSeeds } from '../src/engine/latents.js';

const args = process.argv.slice(2);
const value = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const dir = args[0];
const provider = value('--provider', 'cpu') as 'cpu' | 'cuda';
const n = Number(value('--batch', '4'));
const runs = Number(value('--runs', '5'));
const LIMIT = 2; // 8-bit levels, mean absolute

const m = await readManifest(dir);
if (!m.files.synthesisFp16)
  throw new Error(`${dir} has no synthesisFp16 (export with --fp16-synthesis, or --into ${dir} --fp16-synthesis)`);
const { numWs: N, latentDim: L, domainDim: D, styleDim: S } = m;
const identity = await readF32File(dir, m.files.identityDomain, D);
// W+ from seeded z as they come (no mapping needed to compare two synthesis graphs), domains near identity
const ws = new Float32Array(n * N * L);
const z = zFromSeeds(
  Array.from({ length: n }, (_, i) => i),
  L,
);
for (let i = 0; i < n; i++) for (let j = 0; j < N; j++) ws.set(z.subarray(i * L, (i + 1) * L), (i * N + j) * L);
const domain = new Float32Array(n * D);
for (let i = 0; i < n; i++)
  domain.set(
    identity.map((v, j) => v + (i % 2) * 0.05 * Math.sin(j)),
    i * D,
  );
const feeds = () => ({ ws: f32(ws, [n, N, L]), domain: f32(domain, [n, D]), style_delta: f32(new Float32Array(n * S), [n, S]) });

async function run(file: typeof m.files.synthesis) {
  const { session, provider: ran } = await openSession(resolvePackPath(dir, file), { provider });
  const out = await runF32(session, feeds(), 'images'); // first run: kernel choice, untimed
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await runF32(session, feeds(), 'images');
    times.push(performance.now() - t0);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return { images: tensorToImages(out.data, out.dims), ms: times[Math.floor(times.length / 2)], ran };
}

const full = await run(m.files.synthesis);
const half = await run(m.files.synthesisFp16);
let sum = 0;
let count = 0;
full.images.forEach((img, i) => {
  for (let k = 0; k < img.data.length; k++) sum += Math.abs(img.data[k] - half.images[i].data[k]);
  count += img.data.length;
});
const meanAbs = sum / count;
console.log(
  `${m.name}: batch ${n} on ${full.ran}/${half.ran}: fp32 ${full.ms.toFixed(1)} ms, fp16 ${half.ms.toFixed(1)} ms (median of ${runs}); mean |fp16 − fp32| = ${meanAbs.toFixed(3)}/255 (limit ${LIMIT}/255)`,
);
if (!(meanAbs <= LIMIT)) process.exit(1);

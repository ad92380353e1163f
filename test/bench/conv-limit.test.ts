// The convolution micro-benchmark (issue 13, item 4): bench/conv_limit.py cuts the convolutions out of a synthesis
// graph, and bench/profile-synthesis.ts --conv-limit times them beside the graph in the real ONNX Runtime.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, ort } from '../../src/engine/session.js';
import { tinyPack } from '../parity/packs.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const synthesis = path.join(tinyPack(), 'synthesis.onnx');
let work: string;

/** The graph's Conv and ConvTranspose nodes, counted by onnx itself (not by the code under test). */
async function convolutionCount(file: string): Promise<number> {
  const count = "import onnx,sys; print(sum(n.op_type in ('Conv','ConvTranspose') for n in onnx.load(sys.argv[1]).graph.node))";
  const { stdout } = await run('/usr/bin/python3', ['-c', count, file]);
  return Number(stdout.trim());
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'conv-limit-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bench/conv_limit.py', () => {
  it('puts every convolution of the synthesis graph, and nothing else, in one graph that ONNX Runtime runs', async () => {
    const cut = async (batch: number) => {
      const out = path.join(work, `convolutions-${batch}.onnx`);
      await run('/usr/bin/python3', [path.join(root, 'bench/conv_limit.py'), synthesis, String(batch), out], { cwd: root });
      const listing = JSON.parse(await readFile(out.replace(/\.onnx$/, '.json'), 'utf8')) as {
        inputs: Record<string, number[]>;
        gflop: number;
      };
      return { out, listing };
    };
    const { out, listing } = await cut(3);
    const twice = (await cut(6)).listing;
    const expected = await convolutionCount(synthesis);
    expect(expected).toBeGreaterThan(4);
    expect(await convolutionCount(out)).toBe(expected);
    expect(Object.keys(listing.inputs)).toHaveLength(expected);
    expect(listing.gflop).toBeGreaterThan(0);
    // the shapes are the graph's at the batch asked for: twice the batch, twice every input and twice the work
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    for (const [name, shape] of Object.entries(listing.inputs)) expect(size(twice.inputs[name])).toBe(2 * size(shape));
    expect(twice.gflop).toBeCloseTo(2 * listing.gflop, 9);
    const session = await ort.InferenceSession.create(out);
    const feeds = Object.fromEntries(
      Object.entries(listing.inputs).map(([name, shape]) => [name, f32(new Float32Array(size(shape)).fill(0.5), shape)]),
    );
    const outputs = await session.run(feeds);
    expect(Object.keys(outputs)).toHaveLength(expected);
    for (const y of Object.values(outputs)) expect((y.data as Float32Array).every(Number.isFinite)).toBe(true);
    await session.release();
  });
});

describe('bench/profile-synthesis.ts --conv-limit', () => {
  it('times the convolutions graph in turns with the synthesis graph and prints the graph as a multiple of it', async () => {
    const args = ['bench/profile-synthesis.ts', '--pack', tinyPack(), '--batch', '2', '--threads', '1', '--runs', '2', '--conv-limit'];
    const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), args, { cwd: root, timeout: 120_000 });
    const count = await convolutionCount(synthesis);
    expect(stdout).toContain(`(${count} convolutions, `);
    const limit = stdout.match(/convolution limit: the Conv \+ ConvTranspose kernels of the convolutions graph, ([\d.]+) ms per run/);
    expect(Number(limit?.[1])).toBeGreaterThan(0);
    const ratio = stdout.match(/([\d.]+)× the limit \(min without the profiler\).*synthesis\.onnx/);
    expect(Number(ratio?.[1])).toBeGreaterThan(0);
    expect(stdout).toMatch(/load average \(1\/5\/15 min\) after: /);
  }, 150_000);
});

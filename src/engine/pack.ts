// Loading a model pack: pack.json against the zod contract, every file present with the declared size and sha256,
// and each ONNX graph's inputs/outputs against the contract table (DESIGN.md, docs/pack-format.md).
// Every failure is a PackError that names the file and what is wrong with it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { manifestSchema, type PackFile, type PackManifest } from './manifest.js';

export class PackError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'PackError';
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads and validates pack.json (schema only; files are checked by verifyPackFiles). */
export async function readManifest(packDir: string): Promise<PackManifest> {
  const file = path.join(packDir, 'pack.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PackError(file, 'missing (is this a model pack folder?)');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PackError(file, `not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PackError(file, `does not match contract v1: ${issues.join('; ')}`);
  }
  const layout = parsed.data.domainLayout;
  if (
    layout?.kind === 'residual-slots' &&
    (layout.slots * layout.slotSize !== parsed.data.domainDim || layout.gainIndex >= layout.slotSize)
  ) {
    throw new PackError(
      file,
      `domainLayout (${layout.slots} slots of ${layout.slotSize}, gain at ${layout.gainIndex}) does not fit domainDim ${parsed.data.domainDim}`,
    );
  }
  return parsed.data;
}

/** Every file the manifest names, with a role label for messages. */
export function listPackFiles(m: PackManifest): Array<{ role: string; file: PackFile }> {
  const out: Array<{ role: string; file: PackFile }> = [];
  for (const [role, file] of Object.entries(m.files)) if (file) out.push({ role, file });
  for (const d of m.domains) out.push({ role: `domains.${d.name}`, file: d.synthesis });
  return out;
}

/** The absolute path of a pack file; refuses paths that leave the pack folder. */
export function resolvePackPath(packDir: string, file: PackFile): string {
  const abs = path.resolve(packDir, file.path);
  const rel = path.relative(path.resolve(packDir), abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new PackError(file.path, 'path leaves the pack folder');
  return abs;
}

export async function verifyPackFile(packDir: string, file: PackFile, opts: { hash?: boolean } = {}): Promise<void> {
  const abs = resolvePackPath(packDir, file);
  let size: number;
  try {
    size = (await stat(abs)).size;
  } catch {
    throw new PackError(file.path, 'missing');
  }
  if (size < file.bytes) throw new PackError(file.path, `truncated: ${size} bytes, pack.json says ${file.bytes}`);
  if (size > file.bytes) throw new PackError(file.path, `wrong size: ${size} bytes, pack.json says ${file.bytes}`);
  if (opts.hash !== false) {
    const sha = await sha256File(abs);
    if (sha !== file.sha256) throw new PackError(file.path, `sha256 mismatch: file has ${sha}, pack.json says ${file.sha256}`);
  }
}

export async function verifyPackFiles(packDir: string, m: PackManifest, opts: { hash?: boolean } = {}): Promise<void> {
  for (const { file } of listPackFiles(m)) await verifyPackFile(packDir, file, opts);
}

/** Reads a raw little-endian float32 file of exactly `count` values. */
export async function readF32File(packDir: string, file: PackFile, count: number): Promise<Float32Array> {
  const buf = await readFile(resolvePackPath(packDir, file));
  if (buf.length !== count * 4) throw new PackError(file.path, `holds ${buf.length / 4} float32 values, expected ${count}`);
  return new Float32Array(new Uint8Array(buf).buffer);
}

/** One expected tensor of a graph: name and shape; 'B' is the dynamic batch, numbers must match exactly. */
export interface TensorSpec {
  name: string;
  shape: Array<number | 'B' | '?'>;
}
export interface GraphSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** The contract table of DESIGN.md for this manifest's dimensions. */
export function graphContracts(
  m: PackManifest,
): Record<'mapping' | 'synthesis' | 'synthesisIdentity' | 'hypernet' | 'encoder' | 'styles', GraphSpec> {
  const { numWs: N, latentDim: L, domainDim: D, styleDim: S, embedDim: E, resolution: R } = m;
  const Re = m.encoder.resolution;
  return {
    mapping: { inputs: [{ name: 'z', shape: ['B', L] }], outputs: [{ name: 'w', shape: ['B', L] }] },
    synthesis: {
      inputs: [
        { name: 'ws', shape: ['B', N, L] },
        { name: 'domain', shape: ['B', D] },
        { name: 'style_delta', shape: ['B', S] },
      ],
      outputs: [{ name: 'images', shape: ['B', 3, R, R] }],
    },
    synthesisIdentity: {
      inputs: [
        { name: 'ws', shape: ['B', N, L] },
        { name: 'style_delta', shape: ['B', S] },
      ],
      outputs: [{ name: 'images', shape: ['B', 3, R, R] }],
    },
    hypernet: {
      inputs: [
        { name: 'target', shape: ['B', E] },
        { name: 'source', shape: ['B', E] },
      ],
      outputs: [{ name: 'domain', shape: ['B', D] }],
    },
    encoder: { inputs: [{ name: 'images', shape: ['B', 3, Re, Re] }], outputs: [{ name: 'ws', shape: ['B', N, L] }] },
    styles: { inputs: [{ name: 'ws', shape: ['B', N, L] }], outputs: [{ name: 'styles', shape: ['B', S] }] },
  };
}

export function clipContracts(m: PackManifest, visionInput: string): { clipText: GraphSpec; clipVision: GraphSpec } {
  const E = m.embedDim;
  const C = m.clip.contextLength;
  const I = m.clip.imageSize;
  return {
    clipText: {
      inputs: m.clip.textInputs.map((name) => ({ name, shape: ['B', C] })),
      outputs: [{ name: m.clip.textOutput, shape: ['B', E] }],
    },
    clipVision: {
      inputs: [{ name: visionInput, shape: ['B', 3, I, I] }],
      outputs: [{ name: m.clip.imageOutput, shape: ['B', E] }],
    },
  };
}

function describeShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(',')}]`;
}

/** Checks one session's metadata against the contract; extra outputs are allowed, missing or misshapen ones are not. */
export function checkGraph(fileLabel: string, session: InferenceSession, spec: GraphSpec): void {
  const check = (kind: 'input' | 'output', have: readonly InferenceSession.ValueMetadata[], want: TensorSpec[]) => {
    for (const w of want) {
      const meta = have.find((h) => h.name === w.name);
      if (!meta) {
        const names = have.map((h) => h.name).join(', ');
        throw new PackError(fileLabel, `wrong ${kind} names: expected "${w.name}", the graph has ${names || 'none'}`);
      }
      if (!meta.isTensor) throw new PackError(fileLabel, `${kind} "${w.name}" is not a tensor`);
      const shape = meta.shape;
      if (shape.length === 0) continue; // unknown rank: cannot check, the first run will
      const ok =
        shape.length === w.shape.length &&
        w.shape.every((dim, i) => dim === 'B' || dim === '?' || typeof shape[i] !== 'number' || shape[i] === dim || shape[i] === -1);
      if (!ok) {
        throw new PackError(
          fileLabel,
          `${kind} "${w.name}" has shape ${describeShape(shape)}, the contract wants ${describeShape(w.shape)}`,
        );
      }
    }
    if (kind === 'input') {
      const extra = have.filter((h) => !want.some((w) => w.name === h.name));
      if (extra.length) throw new PackError(fileLabel, `unexpected input(s) ${extra.map((e) => `"${e.name}"`).join(', ')}`);
    }
  };
  check('input', session.inputMetadata, spec.inputs);
  check('output', session.outputMetadata, spec.outputs);
}

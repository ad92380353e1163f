// The evaluation of a pack trained on the demo world (models/train) by an independent judge: a classifier trained on
// the renderer's pictures alone (models/judge/judge.onnx), never used to train the pack. For each style it adapts
// fixed faces (models/judge/z.npy) by text, by a reference picture and, where the pack has one, by a NADA domain,
// and measures what the judge sees; /edit directions are measured the same way.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EngineInputError } from './errors.js';
import { readNpy, readNpyF32 } from './npy.js';
import { f32, openSession, runF32 } from './session.js';
import type { RgbImage } from './types.js';

/** the judge's attribute heads that content agreement compares */
export const JUDGED_ATTRIBUTES = ['glasses', 'smile', 'long_hair', 'hair'] as const;
export type JudgedAttribute = (typeof JUDGED_ATTRIBUTES)[number];

const EvalSetSchema = z.object({
  count: z.number().int().positive(),
  latentDim: z.number().int().positive(),
  resolution: z.number().int().positive(),
  styles: z.array(z.string()),
  phrases: z.record(z.string(), z.string()),
  trained: z.array(z.string()),
  heldOut: z.array(z.string()),
  heldOutCombos: z.array(z.tuple([z.string(), z.string()])),
  attributes: z.array(z.string()),
  heads: z.record(z.string(), z.number().int().positive()),
  files: z.object({ judge: z.string(), z: z.string(), attributes: z.string(), truth: z.string() }),
  /** per style, the attributes the judge reads on the renderer's own pictures of it (older sets: all of them) */
  readable: z.record(z.string(), z.array(z.enum(JUDGED_ATTRIBUTES))).optional(),
});
export type EvalSet = z.infer<typeof EvalSetSchema>;

/** What the judge says of n pictures. */
export interface Verdicts {
  style: number[];
  glasses: boolean[];
  smile: boolean[];
  longHair: boolean[];
  hair: number[];
}

export interface StyleRow {
  style: string;
  /** base: the generator's unchanged faces, judged against the renderer's photo of the same faces */
  kind: 'base' | 'text' | 'reference' | 'nada' | 'combo';
  /** held out of the hypernetwork's training */
  heldOut: boolean;
  /** fraction of samples the judge puts in the target style */
  styleAccuracy: number;
  /** fraction of the judge's attribute verdicts (of `contentOf`) unchanged by the adaptation */
  contentAgreement: number;
  /** the same measure for the renderer's own picture of the same faces in the style (absent on the base row): where
   * the generator's face and the renderer's disagree, what even the ground truth keeps */
  truthContent?: number;
  /** the attributes the judge reads on the renderer's pictures of both photo and this style (eval.json `readable`) */
  contentOf: readonly JudgedAttribute[];
  /** mean absolute difference, in [0, 1], to the renderer's picture of the same face in that style */
  truthL1: number;
  samples: number;
}

export interface EditRow {
  edit: string;
  attribute: 'smile' | 'glasses';
  /** among samples without the attribute before, the fraction that have it after */
  changed: number;
  /** fraction whose judged style is the one judged before the edit */
  styleKept: number;
  samples: number;
}

export class WorldJudge {
  private constructor(
    readonly set: EvalSet,
    private readonly dir: string,
    private readonly session: Awaited<ReturnType<typeof openSession>>['session'],
  ) {}

  static async open(dir: string): Promise<WorldJudge> {
    const file = path.join(dir, 'eval.json');
    if (!fs.existsSync(file)) throw new EngineInputError(`${file} not found: the judge is made by 'python3 -m models.train'`);
    const set = EvalSetSchema.parse(JSON.parse(await fs.promises.readFile(file, 'utf8')));
    const { session } = await openSession(path.join(dir, set.files.judge), { provider: 'cpu' });
    return new WorldJudge(set, dir, session);
  }

  async latents(): Promise<Float32Array> {
    return (await readNpyF32(path.join(this.dir, this.set.files.z))).data;
  }

  /** The renderer's attributes of every evaluation face, [n, attributes.length] in [0, 1]. */
  async attributes(): Promise<Float32Array> {
    return (await readNpyF32(path.join(this.dir, this.set.files.attributes))).data;
  }

  /** The renderer's picture of every evaluation face in a style, [-1, 1] floats [n, 3, R, R]. */
  async truth(style: string): Promise<Float32Array> {
    // truth.npy holds every style: read it once, not once per style
    this.truthBytes ??= this.readTruth();
    const bytes = await this.truthBytes;
    const k = this.set.styles.indexOf(style);
    const per = this.set.count * 3 * this.set.resolution ** 2;
    const out = new Float32Array(per);
    for (let i = 0; i < per; i++) out[i] = bytes[k * per + i] / 127.5 - 1;
    return out;
  }

  private truthBytes?: Promise<Uint8Array>;

  private async readTruth(): Promise<Uint8Array> {
    const a = await readNpy(path.join(this.dir, this.set.files.truth));
    if (a.dtype !== 'uint8') throw new EngineInputError(`${this.set.files.truth}: expected uint8 pictures, got ${a.dtype}`);
    return a.data as Uint8Array;
  }

  truthImage(truth: Float32Array, index: number): RgbImage {
    const r = this.set.resolution;
    const data = Buffer.alloc(r * r * 3);
    const plane = r * r;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round((truth[index * 3 * plane + c * plane + p] + 1) * 127.5);
    }
    return { width: r, height: r, data };
  }

  async judge(images: RgbImage[]): Promise<Verdicts> {
    const r = this.set.resolution;
    const plane = r * r;
    const input = new Float32Array(images.length * 3 * plane);
    images.forEach((img, i) => {
      if (img.width !== r || img.height !== r)
        throw new EngineInputError(`the judge takes ${r}×${r} pictures, got ${img.width}×${img.height}`);
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) input[i * 3 * plane + c * plane + p] = img.data[p * 3 + c] / 127.5 - 1;
    });
    const out = await runF32(this.session, { images: f32(input, [images.length, 3, r, r]) }, 'logits');
    const width = out.dims[1];
    const offsets: Record<string, number> = {};
    let o = 0;
    for (const [name, n] of Object.entries(this.set.heads)) {
      offsets[name] = o;
      o += n;
    }
    const verdicts: Verdicts = { style: [], glasses: [], smile: [], longHair: [], hair: [] };
    for (let i = 0; i < images.length; i++) {
      const row = out.data.subarray(i * width, (i + 1) * width);
      verdicts.style.push(argmax(row.subarray(offsets.style, offsets.style + this.set.heads.style)));
      verdicts.glasses.push(row[offsets.glasses] > 0);
      verdicts.smile.push(row[offsets.smile] > 0);
      verdicts.longHair.push(row[offsets.long_hair] > 0);
      verdicts.hair.push(argmax(row.subarray(offsets.hair, offsets.hair + this.set.heads.hair)));
    }
    return verdicts;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** Fraction of attribute verdicts (of `attributes`, default all four) that agree between two judgements of the same faces. */
export function contentAgreement(
  a: Verdicts,
  b: Verdicts,
  only?: number[],
  attributes: readonly JudgedAttribute[] = JUDGED_ATTRIBUTES,
): number {
  const idx = only ?? a.style.map((_, i) => i);
  const verdict = (v: Verdicts, name: JudgedAttribute, i: number) => (name === 'long_hair' ? v.longHair[i] : v[name][i]);
  let same = 0;
  for (const i of idx) for (const name of attributes) same += Number(verdict(a, name, i) === verdict(b, name, i));
  return attributes.length ? same / (attributes.length * idx.length) : Number.NaN;
}

export function truthL1(images: RgbImage[], judge: WorldJudge, truth: Float32Array, only?: number[]): number {
  const r = judge.set.resolution;
  const plane = r * r;
  const idx = only ?? images.map((_, i) => i);
  let sum = 0;
  for (const i of idx) {
    const img = images[i];
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(img.data[p * 3 + c] / 255 - (truth[i * 3 * plane + c * plane + p] + 1) / 2);
    }
  }
  return sum / (idx.length * 3 * plane);
}

export function fraction(flags: boolean[]): number {
  return flags.length ? flags.filter(Boolean).length / flags.length : Number.NaN;
}

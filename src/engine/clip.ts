// CLIP on ONNX Runtime: BPE tokenization with @huggingface/tokenizers from the pack's tokenizer.json, image
// preprocessing with sharp (shortest side bicubic to imageSize, centre crop, mean/std), and both encoders.
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import sharp from 'sharp';
import type { PackManifest } from './manifest.js';
import { resizeBicubicF32 } from './resample.js';
import { ort, runF32 } from './session.js';
import type { RgbImage } from './types.js';

export interface TokenBatch {
  ids: number[][];
  mask: number[][];
}

export class ClipTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly contextLength: number,
    readonly padId: number,
  ) {}

  static async load(file: string, contextLength: number): Promise<ClipTokenizer> {
    const json = JSON.parse(await readFile(file, 'utf8'));
    const tokenizer = new Tokenizer(json, {});
    // pad with the tokenizer's own pad id when it declares one, else 0 as OpenAI CLIP does (docs/pack-format.md);
    // CLIP pools at the end-of-text position under a causal mask, so what follows it never changes the embedding.
    const padId: number = json.padding?.pad_id ?? 0;
    return new ClipTokenizer(tokenizer, contextLength, padId);
  }

  /** Token ids with start/end tokens, truncated (keeping the end token last) and padded to contextLength. */
  encode(texts: string[]): TokenBatch {
    const C = this.contextLength;
    const ids: number[][] = [];
    const mask: number[][] = [];
    for (const text of texts) {
      let row = this.tokenizer.encode(text).ids;
      if (row.length > C) row = [...row.slice(0, C - 1), row[row.length - 1]];
      const m = row.map(() => 1);
      while (row.length < C) {
        row.push(this.padId);
        m.push(0);
      }
      ids.push(row);
      mask.push(m);
    }
    return { ids, mask };
  }
}

/** [B,C] int tensor in the dtype the graph declares (HF exports: int64; OpenAI-style exports: int32/int64). */
function intTensor(rows: number[][], type: string): ort.Tensor {
  const flat = rows.flat();
  const dims = [rows.length, rows[0]?.length ?? 0];
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(flat), dims);
  return new ort.Tensor(
    'int64',
    BigInt64Array.from(flat, (v) => BigInt(v)),
    dims,
  );
}

export async function runClipText(session: ort.InferenceSession, m: PackManifest, tokens: TokenBatch): Promise<Float32Array[]> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of m.clip.textInputs) {
    const meta = session.inputMetadata.find((x) => x.name === name);
    const type = meta?.isTensor ? meta.type : 'int64';
    feeds[name] = intTensor(/mask/i.test(name) ? tokens.mask : tokens.ids, type);
  }
  const out = await runF32(session, feeds, m.clip.textOutput);
  return splitRows(out.data, tokens.ids.length);
}

/**
 * CLIP's preprocessing: bicubic resize of the shortest side to `size` (PIL's convention, resample.ts), centre crop,
 * scale to [0,1], (x − mean)/std, NCHW. Large photos are first shrunk by sharp to about 2× the target, which keeps
 * the bicubic pass cheap and changes the result by far less than a gray level.
 */
export async function clipPixels(images: RgbImage[], m: PackManifest): Promise<{ data: Float32Array; dims: number[] }> {
  const size = m.clip.imageSize;
  const plane = size * size;
  const data = new Float32Array(images.length * 3 * plane);
  for (let i = 0; i < images.length; i++) {
    let img = images[i];
    if (Math.min(img.width, img.height) > 4 * size) {
      const f = (2 * size) / Math.min(img.width, img.height);
      const { data: px, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .resize(Math.round(img.width * f), Math.round(img.height * f), { kernel: 'cubic', fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      img = { width: info.width, height: info.height, data: px };
    }
    const scale = size / Math.min(img.width, img.height);
    const w = Math.max(size, Math.round(img.width * scale));
    const h = Math.max(size, Math.round(img.height * scale));
    // resize the whole picture, then crop the centre, as torchvision's Resize + CenterCrop do
    const resized = resizeBicubicF32(img, w, h);
    const left = Math.round((w - size) / 2);
    const top = Math.round((h - size) / 2);
    const base = i * 3 * plane;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const src = ((y + top) * w + (x + left)) * 3;
        const p = y * size + x;
        for (let c = 0; c < 3; c++) data[base + c * plane + p] = (resized[src + c] / 255 - m.clip.mean[c]) / m.clip.std[c];
      }
    }
  }
  return { data, dims: [images.length, 3, size, size] };
}

export function visionInputName(session: ort.InferenceSession): string {
  return session.inputNames[0];
}

export async function runClipVision(
  session: ort.InferenceSession,
  m: PackManifest,
  pixels: { data: Float32Array; dims: number[] },
): Promise<Float32Array[]> {
  const out = await runF32(
    session,
    { [visionInputName(session)]: new ort.Tensor('float32', pixels.data, pixels.dims) },
    m.clip.imageOutput,
  );
  return splitRows(out.data, pixels.dims[0]);
}

export function splitRows(data: Float32Array, n: number): Float32Array[] {
  const dim = data.length / n;
  return Array.from({ length: n }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s) || 1;
  return v.map((x) => x / norm);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / (Math.sqrt(aa * bb) || 1);
}

/** An embedding as the pack's condition recipe feeds it to the hypernet: raw, L2-normalised, or normalised and scaled to `norm`. */
export function conditioned(v: Float32Array, recipe: { normalize: boolean; norm?: number }): Float32Array {
  if (!recipe.normalize) return v;
  const unit = l2normalize(v);
  return recipe.norm === undefined ? unit : unit.map((x) => x * recipe.norm!);
}

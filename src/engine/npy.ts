// A tiny NumPy .npy (format 1.0/2.0/3.0) reader and writer for the dtypes the project exchanges with the
// Python exporter (float32, float64, int64, int32, and uint8 pictures). We write our own because no maintained npm package does this
// small job without pulling a tensor library along; the format is a magic, a Python-dict header and raw data.
import { readFile, writeFile } from 'node:fs/promises';

export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const DESCR: Record<string, NpyDtype> = { '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|u1': 'uint8' };
const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };

export function parseNpy(buf: Buffer, name = 'array'): NpyArray {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${name}: not a .npy file (bad magic)`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${name}: unreadable .npy header`);
  if (fortran === 'True') throw new Error(`${name}: Fortran-ordered arrays are not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  if (descr === '<f2') {
    // half precision (e.g. CLIP features computed on a GPU): widened to float32
    if (buf.length < start + 2 * count) throw new Error(`${name}: truncated (${buf.length - start} of ${2 * count} data bytes)`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = halfToFloat(buf.readUInt16LE(start + 2 * i));
    return { dtype: 'float32', shape, data };
  }
  const dtype = DESCR[descr];
  if (!dtype) throw new Error(`${name}: unsupported dtype ${descr} (want <f2, <f4, <f8, <i4, <i8 or |u1)`);
  const bytes = count * BYTES[dtype];
  if (buf.length < start + bytes) throw new Error(`${name}: truncated (${buf.length - start} of ${bytes} data bytes)`);
  // copy so that the typed array is aligned whatever the header length
  const raw = new Uint8Array(buf.subarray(start, start + bytes)).buffer;
  const data =
    dtype === 'float32'
      ? new Float32Array(raw)
      : dtype === 'float64'
        ? new Float64Array(raw)
        : dtype === 'int32'
          ? new Int32Array(raw)
          : dtype === 'uint8'
            ? new Uint8Array(raw)
            : new BigInt64Array(raw);
  return { dtype, shape, data };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readFile(path), path);
}

/** Reads a .npy as float32, whatever its float/int dtype. */
export async function readNpyF32(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const a = await readNpy(path);
  if (a.data instanceof Float32Array) return { shape: a.shape, data: a.data };
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]);
  return { shape: a.shape, data: out };
}

export function formatNpy(data: Float32Array | Float64Array | Int32Array | BigInt64Array, shape: number[]): Buffer {
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' : '<i8';
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: shape [${shape}] holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // pad with spaces so that magic + version + length + header + \n is a multiple of 64 bytes
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export async function writeNpy(
  path: string,
  data: Float32Array | Float64Array | Int32Array | BigInt64Array,
  shape: number[],
): Promise<void> {
  await writeFile(path, formatNpy(data, shape));
}

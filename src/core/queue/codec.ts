// Job data and results as JSON for Redis: Buffers and Float32Arrays travel as tagged base64, and a payload past
// its size limit is refused with a clear reason instead of filling Redis (result pictures, uploaded photos).

const BYTES = '$bytes';
const F32 = '$f32';

export class PayloadTooLarge extends Error {
  constructor(what: string, bytes: number, limit: number) {
    super(`${what} is too large to send through the queue (${(bytes / 1e6).toFixed(1)} MB; at most ${(limit / 1e6).toFixed(1)} MB)`);
    this.name = 'PayloadTooLarge';
  }
}

export function encodeValue(v: unknown): unknown {
  if (v instanceof Float32Array) return { [F32]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (v instanceof Uint8Array) return { [BYTES]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encodeValue(x);
    return out;
  }
  return v;
}

export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o[BYTES] === 'string') return Buffer.from(o[BYTES], 'base64');
    if (typeof o[F32] === 'string') {
      const b = Buffer.from(o[F32], 'base64');
      // a fresh copy: Float32Array needs 4-byte alignment, which a pooled Buffer may not have
      return new Float32Array(new Uint8Array(b).buffer);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x);
    return out;
  }
  return v;
}

/** The encoded value, refused when its JSON would pass `limit` bytes. */
export function encodeLimited(v: unknown, limit: number, what: string): unknown {
  const encoded = encodeValue(v);
  const bytes = Buffer.byteLength(JSON.stringify(encoded));
  if (bytes > limit) throw new PayloadTooLarge(what, bytes, limit);
  return encoded;
}

/** Errors cross as JSON in BullMQ's failedReason: the name decides whether the user sees the message. */
export function errorToReason(e: unknown): string {
  const err = e instanceof Error ? e : new Error(String(e));
  return JSON.stringify({ name: err.name, message: err.message });
}

export function errorFromReason(reason: string | undefined): { name: string; message: string } {
  try {
    const o = JSON.parse(reason ?? '') as { name?: unknown; message?: unknown };
    if (typeof o.name === 'string' && typeof o.message === 'string') return { name: o.name, message: o.message };
  } catch {
    /* a reason BullMQ wrote itself (stalled too often, lock lost) */
  }
  return { name: 'Error', message: reason ?? 'the job failed' };
}

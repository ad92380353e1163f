// Small value encodings the stores and button ids share.
import { createHash, randomBytes } from 'node:crypto';

/** Float32Array → base64 of its little-endian bytes (what keyv stores as JSON). */
export function floatsToBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function base64ToFloats(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  // copy into a fresh, aligned buffer: Buffer pools may start at an odd offset
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function sha256Hex(data: string | Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A stable id of a domain vector: votes follow the vector, wherever it is shown or saved. */
export function domainId(v: Float32Array): string {
  return sha256Hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).slice(0, 16);
}

/** A short random id for results and jobs (fits easily into 100-character button ids). */
export function shortId(): string {
  return randomBytes(6).toString('base64url');
}

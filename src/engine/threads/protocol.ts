// Messages between the main thread and an engine thread. Values cross by structured clone: Buffers arrive as
// plain Uint8Arrays and are turned back into Buffers; errors keep their name so user-facing ones stay so.
import { reviveError } from '../errors.js';

/** the Engine methods an engine thread serves (the synchronous ones run on the caller's thread) */
export const REMOTE_METHODS = [
  'embedText',
  'embedImage',
  'domainFromText',
  'domainFromImage',
  'generate',
  'generateFromReference',
  'invert',
  'editDirection',
  'stylize',
  'evaluate',
] as const;
export type RemoteMethod = (typeof REMOTE_METHODS)[number];

export interface CallMessage {
  type: 'call';
  id: number;
  method: RemoteMethod;
  args: unknown[];
}

export interface ReplyMessage {
  type: 'reply';
  id: number;
  value?: unknown;
  error?: { name: string; message: string; stack?: string };
}

export interface ReadyMessage {
  type: 'ready';
  manifest: unknown;
  identity: Float32Array;
  provider: string;
  packDir: string;
}

export interface FailedMessage {
  type: 'failed';
  error: { name: string; message: string; stack?: string };
}

export function errorToWire(e: unknown): { name: string; message: string; stack?: string } {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function errorFromWire(w: { name: string; message: string; stack?: string }): Error {
  const e = reviveError(w.name, w.message);
  if (w.stack) e.stack = w.stack;
  return e;
}

/** Buffers come back as Uint8Arrays after a structured clone; the engine's types promise Buffers. */
export function reviveBuffers(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (ArrayBuffer.isView(v) || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(reviveBuffers);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = reviveBuffers(x);
  return out;
}

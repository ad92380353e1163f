// Parsing and reading what the CLI is given. Every problem is a CliInputError: exit code 2 and a one-line reason.
import { readFile } from 'node:fs/promises';
import { readNpyF32 } from '../engine/npy.js';
import { UserError } from '../core/errors.js';

/** a bad argument or file: part of the one error family, its message a whole answer */
export class CliInputError extends UserError {}

/** "a dog → nicolas cage", "a dog -> nicolas cage", "a dog to nicolas cage"; no arrow: the whole text is the target. */
export function parsePrompt(prompt: string): { source?: string; target: string } {
  const parts = prompt.split(/\s*(?:→|->|=>)\s*|\s+to\s+/i);
  const clean = parts.map((p) => p.trim()).filter((p) => p.length > 0);
  if (clean.length === 0) throw new CliInputError('the prompt is empty');
  if (parts.length > 2) throw new CliInputError(`one arrow at most: "source → target", got "${prompt}"`);
  if (parts.length === 2) {
    if (clean.length !== 2) throw new CliInputError(`both sides of "${prompt}" must say something`);
    return { source: clean[0], target: clean[1] };
  }
  return { target: clean[0] };
}

export function parseNumber(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isFinite(v) || v < min || v > max)
    throw new CliInputError(`--${name} must be a number from ${min} to ${max}, got "${value}"`);
  return v;
}

export function parseInteger(name: string, value: string | undefined, min: number, max: number): number | undefined {
  const v = parseNumber(name, value, min, max);
  if (v !== undefined && !Number.isInteger(v)) throw new CliInputError(`--${name} must be a whole number, got "${value}"`);
  return v;
}

export function parseList(name: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => Number(s.trim()));
  if (!list.length || list.some((v) => !Number.isFinite(v)))
    throw new CliInputError(`--${name} must be numbers separated by commas, got "${value}"`);
  return list;
}

export async function readInputFile(what: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliInputError(
      `${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : 'cannot be read'}`,
    );
  }
}

/** float32 .npy latents [n, width] (or [width] for one). */
export async function readLatents(file: string, width: number, what = 'latents'): Promise<{ data: Float32Array; n: number }> {
  await readInputFile(what, file);
  let a: { shape: number[]; data: Float32Array };
  try {
    a = await readNpyF32(file);
  } catch (err) {
    throw new CliInputError(`${what} ${file}: ${(err as Error).message.replace(`${file}: `, '')}`);
  }
  const last = a.shape[a.shape.length - 1];
  if (last !== width || a.shape.length > 2) throw new CliInputError(`${what} ${file}: shape [${a.shape}], this pack wants [n,${width}]`);
  if (a.data.some((v) => !Number.isFinite(v))) throw new CliInputError(`${what} ${file}: holds NaN or infinite values`);
  return { data: a.data, n: a.shape.length === 2 ? a.shape[0] : 1 };
}

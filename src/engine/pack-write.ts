// Adds files to an existing pack folder and records them in its pack.json (sha256, bytes), keeping every other
// field of pack.json as it is. Used by `domainshift pack relevance` to store StyleCLIP statistics and relevance.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { manifestSchema } from './manifest.js';

export interface NewPackFile {
  role: string;
  path: string;
  data: Uint8Array;
}

export async function addPackFiles(packDir: string, files: NewPackFile[], patch: Record<string, unknown> = {}): Promise<void> {
  const manifestPath = path.join(packDir, 'pack.json');
  const raw = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown> & { files: Record<string, unknown> };
  for (const f of files) {
    await writeFile(path.join(packDir, f.path), f.data);
    raw.files[f.role] = { path: f.path, sha256: createHash('sha256').update(f.data).digest('hex'), bytes: f.data.byteLength };
  }
  Object.assign(raw, patch);
  manifestSchema.parse(raw); // never write a pack.json the engine would refuse
  const tmp = manifestPath + '.tmp';
  await writeFile(tmp, JSON.stringify(raw, null, 2) + '\n');
  await rename(tmp, manifestPath);
}

export function f32Bytes(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

// The layers import one way: engine ← core ← commands ← platforms ← entry points. A file may import its own layer
// and the layers below it, never one above; module paths are literal so that tsc and readers see every edge.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const layers = ['engine', 'core', 'commands', 'platforms', 'entry'] as const;
type Layer = (typeof layers)[number];

function layerOf(file: string): Layer | undefined {
  const rel = relative(root, file).split('\\').join('/');
  if (rel.startsWith('src/engine/')) return 'engine';
  if (rel.startsWith('src/core/')) return 'core';
  if (rel.startsWith('commands/')) return 'commands';
  if (rel.startsWith('src/platforms/')) return 'platforms';
  // entry points: the files at src/'s top (main, worker, config, retry-start), the CLI, bin, deploy, bench, scripts
  if (/^(src\/[^/]+\.ts$|src\/cli\/|bin\/|deploy\/|bench\/|scripts\/)/.test(rel)) return 'entry';
  return undefined;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' || name === 'static' ? [] : sources(p);
    return /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = ['src', 'commands', 'bin', 'deploy', 'bench', 'scripts'].flatMap((d) => sources(join(root, d)));

describe('import directions', () => {
  it('finds the code to check, and every file belongs to a layer (no exceptions)', () => {
    for (const layer of layers)
      expect(
        files.some((f) => layerOf(f) === layer),
        layer,
      ).toBe(true);
    expect(files.filter((f) => !layerOf(f)).map((f) => relative(root, f))).toEqual([]);
  });

  it('engine ← core ← commands ← platforms ← entry points, with literal module paths only', () => {
    const leaks: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      if (!from) continue;
      const text = readFileSync(file, 'utf8');
      const rel = relative(root, file);
      // a computed path could hide an import upward; an entry point has nothing above it (bench/pre_issue_worker.ts
      // loads another checkout's modules by path, which no literal can name)
      if (from !== 'entry' && /\bimport\(\s*[^'"`\s)]/.test(text)) leaks.push(`${rel}: import() with a computed module path`);
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const to = layerOf(resolve(dirname(file), fileName));
        if (to && layers.indexOf(to) > layers.indexOf(from)) leaks.push(`${rel} (${from}) imports ${fileName} (${to})`);
      }
    }
    expect(leaks).toEqual([]);
  });
});

// Which packs the parity and engine tests run on: every committed pack that carries PyTorch reference outputs.
// DOMAINSHIFT_TEST_PACKS (a path-delimiter separated list) overrides the search, e.g. for a freshly exported pack.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export function referencePacks(): string[] {
  const fromEnv = process.env.DOMAINSHIFT_TEST_PACKS;
  if (fromEnv)
    return fromEnv
      .split(path.delimiter)
      .filter(Boolean)
      .map((p) => path.resolve(p));
  const fixtures = path.join(root, 'test/fixtures/packs');
  const dirs = existsSync(fixtures) ? readdirSync(fixtures).map((d) => path.join(fixtures, d)) : [];
  dirs.push(path.join(root, 'models/demo'));
  return dirs.filter((d) => existsSync(path.join(d, 'pack.json')) && existsSync(path.join(d, 'reference/index.json')));
}

/** The tiny hypergan-clip fixture the engine tests use (override with DOMAINSHIFT_TINY_PACK). */
export function tinyPack(): string {
  return path.resolve(process.env.DOMAINSHIFT_TINY_PACK ?? path.join(root, 'test/fixtures/packs/tiny'));
}

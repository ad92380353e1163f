// Front end and render worker must hold the same packs: a pack's fingerprint is the sha256 over the sha256s
// that its pack.json lists for its files, so two copies agree exactly when their files do.
import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/types.js';

export function packFingerprint(engine: Engine): string {
  const files = engine.manifest.files as Record<string, { sha256?: string } | undefined>;
  const lines = Object.entries(files)
    .map(([role, f]) => `${role}:${f?.sha256 ?? ''}`)
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

export function fingerprints(engines: Map<string, Engine>): Record<string, string> {
  return Object.fromEntries([...engines].map(([name, e]) => [name, packFingerprint(e)]));
}

/** Why a worker cannot run a job made for `wanted` packs, or undefined when it can. */
export function packMismatch(wanted: Record<string, string>, held: Record<string, string>): string | undefined {
  for (const [name, sha] of Object.entries(wanted)) {
    if (!held[name]) return `the render worker does not have the pack \`${name}\``;
    if (held[name] !== sha)
      return `the render worker's pack \`${name}\` differs from the front end's (sha256 ${held[name].slice(0, 12)}… vs ${sha.slice(0, 12)}…)`;
  }
  return undefined;
}

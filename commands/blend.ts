// /blend: two saved domains mixed with a weight (identity + Σ wᵢ·(dᵢ − identity)).
import type { Command } from '../src/core/command.js';
import { optNumber, optString } from '../src/core/command.js';
import { UserError, type OptionSpec } from '../src/core/platform.js';
import { OPTION_RANGES, rangeOption } from '../src/core/options.js';
import { base64ToFloats, domainId, floatsToBase64 } from '../src/core/encoding.js';
import { engineForSaved, findSaved } from './domains.js';
import { postResult, randomSeed, seedsFrom } from './shared.js';

const options: OptionSpec[] = [
  { name: 'first', description: 'a saved domain', type: 'string', required: true, maxLength: 32, complete: 'saved-domain' },
  { name: 'second', description: 'another saved domain', type: 'string', required: true, maxLength: 32, complete: 'saved-domain' },
  rangeOption('weight', 'number', 'how much of the second', OPTION_RANGES.weight),
  rangeOption('strength', 'number', 'how far to go', OPTION_RANGES.strength),
  rangeOption('seed', 'integer', 'first sample seed', OPTION_RANGES.seed),
  rangeOption('count', 'integer', 'how many samples', OPTION_RANGES.count),
];

export const blendCommand: Command = {
  spec: {
    name: 'blend',
    description: 'Mix two saved domains',
    kind: 'slash',
    options,
    // "/blend pixar anime weight:0.3": two bare names
    freeText: ['first', 'second'],
  },

  async run(ctx, inv, services) {
    const a = await findSaved(ctx, services, optString(inv, 'first'));
    const b = await findSaved(ctx, services, optString(inv, 'second'));
    if (a.pack !== b.pack) throw new UserError(`\`${a.name}\` and \`${b.name}\` come from different packs and cannot be blended.`);
    const weight = optNumber(inv, 'weight')!;
    const strength = optNumber(inv, 'strength')!;
    const seeds = seedsFrom(optNumber(inv, 'seed') ?? randomSeed(), optNumber(inv, 'count')!);
    const engine = engineForSaved(services, a);
    const prompt = `${a.name} ${Math.round((1 - weight) * 100)}% + ${b.name} ${Math.round(weight * 100)}%`;
    const mixed = engine.blend([base64ToFloats(a.domain), base64ToFloats(b.domain)], [1 - weight, weight]);
    await postResult(ctx, services, engine, `/blend ${prompt}`, {
      fields: { kind: 'blend', prompt, seeds, strength, domain: floatsToBase64(mixed), domainId: domainId(mixed) },
    });
  },
};

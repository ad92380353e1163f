// /blend: two saved domains mixed with a weight (identity + Σ wᵢ·(dᵢ − identity)).
import type { Command } from '../src/core/command.js';
import { optNumber, optString } from '../src/core/command.js';
import { UserError, type OptionSpec } from '../src/core/platform.js';
import { parseOptionText } from '../src/core/prompt.js';
import { base64ToFloats, domainId, floatsToBase64 } from '../src/core/encoding.js';
import { checkCount, checkStrength } from '../src/core/limits.js';
import { engineForSaved, findSaved } from './domains.js';
import { checkSeeds, postResult, randomSeed } from './shared.js';

const options: OptionSpec[] = [
  { name: 'first', description: 'a saved domain', type: 'string', required: true, maxLength: 32 },
  { name: 'second', description: 'another saved domain', type: 'string', required: true, maxLength: 32 },
  { name: 'weight', description: 'how much of the second, 0 to 1 (default 0.5)', type: 'number', min: 0, max: 1 },
  { name: 'strength', description: '0 to 2 (default 1)', type: 'number', min: 0, max: 2 },
  { name: 'seed', description: 'first sample seed', type: 'integer', min: 0 },
  { name: 'count', description: '1 to 8 samples (default 4)', type: 'integer', min: 1, max: 8 },
];

export const blendCommand: Command = {
  spec: {
    name: 'blend',
    description: 'Mix two saved domains',
    kind: 'slash',
    options,
    parseText: (text) => {
      const parsed = parseOptionText(text, options, 'first');
      // "/blend pixar anime weight:0.3": two bare names
      const bare = typeof parsed.options.first === 'string' ? parsed.options.first.split(/\s+/) : [];
      if (bare.length === 2 && parsed.options.second === undefined) [parsed.options.first, parsed.options.second] = bare;
      return parsed;
    },
  },

  async run(ctx, inv, services) {
    const a = await findSaved(ctx, services, optString(inv, 'first'));
    const b = await findSaved(ctx, services, optString(inv, 'second'));
    if (a.pack !== b.pack) throw new UserError(`\`${a.name}\` and \`${b.name}\` come from different packs and cannot be blended.`);
    const weight = optNumber(inv, 'weight') ?? 0.5;
    if (!(weight >= 0 && weight <= 1)) throw new UserError('weight must be between 0 and 1.');
    const strength = checkStrength(optNumber(inv, 'strength'), services.limits);
    const seeds = checkSeeds(optNumber(inv, 'seed') ?? randomSeed(), checkCount(optNumber(inv, 'count'), services.limits));
    const engine = engineForSaved(services, a);
    const prompt = `${a.name} ${Math.round((1 - weight) * 100)}% + ${b.name} ${Math.round(weight * 100)}%`;
    const mixed = engine.blend([base64ToFloats(a.domain), base64ToFloats(b.domain)], [1 - weight, weight]);
    await postResult(ctx, services, engine, `/blend ${prompt}`, {
      fields: { kind: 'blend', prompt, seeds, strength, domain: floatsToBase64(mixed), domainId: domainId(mixed) },
    });
  },
};

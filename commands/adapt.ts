// /adapt: a new domain from text ("dog → nicolas cage"), shown as the same samples before and after.
// Its onButton also serves the buttons of every result message (more, strength, morph, save, votes, delete).
import type { Command } from '../src/core/command.js';
import { optNumber, optString } from '../src/core/command.js';
import { UserError, type OptionSpec } from '../src/core/platform.js';
import { checkCount, checkPrompt, checkStrength } from '../src/core/limits.js';
import { parseDomainPrompt, parseOptionText } from '../src/core/prompt.js';
import { unknownWords, vocabularyHint } from '../src/engine/vocabulary.js';
import { onResultButton, onResultModal } from './result-actions.js';
import { checkSeeds, MAX_SEED, postResult, randomSeed } from './shared.js';

const options: OptionSpec[] = [
  { name: 'prompt', description: 'what to turn the generator into: "a photo → a pencil sketch", or just "at night"', type: 'string', maxLength: 200 },
  { name: 'target', description: 'the target description (instead of prompt)', type: 'string', maxLength: 200 },
  { name: 'source', description: "what the generator draws now (default: the pack's own description)", type: 'string', maxLength: 200 },
  { name: 'strength', description: 'how far to go: 0 none, 1 as trained, up to 2', type: 'number', min: 0, max: 2 },
  { name: 'seed', description: 'first sample seed (the same seed gives the same faces)', type: 'integer', min: 0, max: MAX_SEED },
  { name: 'count', description: 'how many samples, 1 to 8 (default 4)', type: 'integer', min: 1, max: 8 },
];

export const adaptCommand: Command = {
  spec: {
    name: 'adapt',
    description: 'A new domain from text: the same samples before and after',
    kind: 'slash',
    options,
    parseText: (text) => parseOptionText(text, options, 'prompt'),
  },

  async run(ctx, inv, services) {
    const settings = await services.stores.getSettings(ctx.place.serverId);
    const limits = services.limits;
    const promptText = optString(inv, 'prompt');
    const targetOpt = optString(inv, 'target');
    const sourceOpt = optString(inv, 'source');
    if (!promptText && !targetOpt) throw new UserError('Tell me what to make, e.g. `/adapt prompt: a photo → a pencil sketch` or `/adapt target: a zombie`.');
    const parsed = targetOpt ? { target: targetOpt, source: undefined } : parseDomainPrompt(promptText!);
    const target = checkPrompt(parsed.target, limits, settings.blocklist, 'The target');
    const sourceText = sourceOpt ?? parsed.source;
    const source = sourceText ? checkPrompt(sourceText, limits, settings.blocklist, 'The source') : undefined;
    const strength = checkStrength(optNumber(inv, 'strength'), limits);
    const count = checkCount(optNumber(inv, 'count'), limits);
    const seeds = checkSeeds(optNumber(inv, 'seed') ?? randomSeed(), count);
    const engine = await services.engineFor(ctx.place.serverId);
    const unknown = unknownWords(engine.manifest, `${target} ${source ?? ''}`);
    if (unknown.length) throw new UserError(vocabularyHint(engine.manifest, unknown));
    const prompt = source ? `${source} → ${target}` : target;

    await postResult(ctx, services, engine, `/adapt ${prompt}`, { fields: { kind: 'adapt', prompt, seeds, strength }, domainFromText: { target, source } });
  },

  onButton: (ctx, args, services) => onResultButton(ctx, args, services),
  onModal: (ctx, args, values, services) => onResultModal(ctx, args, values, services),
};

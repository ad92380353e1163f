// /adapt: a new domain from text ("dog → nicolas cage"), shown as the same samples before and after.
// Its onButton also serves the buttons of every result message (more, strength, morph, save, votes, delete).
import type { Command } from '../src/core/command.js';
import { optNumber, optString } from '../src/core/command.js';
import { checkField, FieldError, UserError, type CommandContext, type ModalValues, type OptionSpec } from '../src/core/platform.js';
import { sampleCount } from '../src/core/results.js';
import type { BotServices } from '../src/core/services.js';
import { checkPrompt } from '../src/core/limits.js';
import { OPTION_RANGES, PROMPT_MAX_LENGTH, rangeOption, validateInvocation } from '../src/core/options.js';
import { parseDomainPrompt } from '../src/core/prompt.js';
import { unknownWords, vocabularyHint } from '../src/engine/vocabulary.js';
import { loadResult, onResultButton, onResultModal } from './result-actions.js';
import { postResult, randomSeed, seedsFrom } from './shared.js';

const options: OptionSpec[] = [
  {
    name: 'prompt',
    description: 'what to turn the generator into: "a photo → a pencil sketch", or just "at night"',
    type: 'string',
    maxLength: PROMPT_MAX_LENGTH,
  },
  { name: 'target', description: 'the target description (instead of prompt)', type: 'string', maxLength: PROMPT_MAX_LENGTH },
  {
    name: 'source',
    description: "what the generator draws now (default: the pack's own description)",
    type: 'string',
    maxLength: PROMPT_MAX_LENGTH,
  },
  rangeOption('strength', 'number', 'how far to go: 0 none, 1 as trained', OPTION_RANGES.strength),
  rangeOption('seed', 'integer', 'first sample seed (the same seed gives the same faces)', OPTION_RANGES.seed),
  rangeOption('count', 'integer', 'how many samples', OPTION_RANGES.count),
];

export const adaptCommand: Command = {
  spec: {
    name: 'adapt',
    description: 'A new domain from text: the same samples before and after',
    kind: 'slash',
    options,
  },

  async run(ctx, inv, services) {
    const settings = await services.stores.getSettings(ctx.place.serverId);
    const limits = services.limits;
    const promptText = optString(inv, 'prompt');
    const targetOpt = optString(inv, 'target');
    const sourceOpt = optString(inv, 'source');
    if (!promptText && !targetOpt)
      throw new UserError('Tell me what to make, e.g. `/adapt prompt: a photo → a pencil sketch` or `/adapt target: a zombie`.');
    const parsed = targetOpt ? { target: targetOpt, source: undefined } : parseDomainPrompt(promptText!);
    const target = checkPrompt(parsed.target, limits, settings.blocklist, 'The target');
    const sourceText = sourceOpt ?? parsed.source;
    const source = sourceText ? checkPrompt(sourceText, limits, settings.blocklist, 'The source') : undefined;
    const strength = optNumber(inv, 'strength')!;
    const seeds = seedsFrom(optNumber(inv, 'seed') ?? randomSeed(), optNumber(inv, 'count')!);
    const engine = await services.engineFor(ctx.place.serverId);
    const unknown = unknownWords(engine.manifest, `${target} ${source ?? ''}`);
    if (unknown.length) throw new UserError(vocabularyHint(engine.manifest, unknown));
    const prompt = source ? `${source} → ${target}` : target;

    await postResult(ctx, services, engine, `/adapt ${prompt}`, {
      fields: { kind: 'adapt', prompt, seeds, strength },
      domainFromText: { target, source },
    });
  },

  onButton: (ctx, args, services) => onResultButton(ctx, args, services),
  onModal: (ctx, args, values, services) =>
    args[0] === 'remix' ? remix(ctx, args[1], values, services) : onResultModal(ctx, args, values, services),
};

/** The Remix form sent back: its fields checked one by one (an error shows beside its field), then /adapt runs. */
async function remix(ctx: CommandContext, id: string | undefined, values: ModalValues, services: BotServices): Promise<void> {
  const rec = await loadResult(ctx, services, id);
  const options: Record<string, string | number> = {};
  const samples = rec.seeds.length || (rec.z ? sampleCount(rec, (await services.engineFor(ctx.place.serverId)).manifest.latentDim) : 0);
  if (samples) options.count = Math.min(samples, OPTION_RANGES.count.max);
  for (const name of ['prompt', 'strength', 'seed']) {
    const v = values[name];
    if (typeof v !== 'string' || !v.trim()) continue;
    await checkField(name, () => validateInvocation(adaptCommand.spec, { command: 'adapt', options: { [name]: v } }));
    options[name] = v;
  }
  if (options.prompt === undefined) throw new FieldError('prompt', 'A remix needs a prompt.');
  const inv = validateInvocation(adaptCommand.spec, { command: 'adapt', options });
  // what the prompt itself is refused for (blocklist, words the pack does not know) shows beside it
  await checkField('prompt', () => adaptCommand.run(ctx, inv, services));
}

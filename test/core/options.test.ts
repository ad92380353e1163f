// The one option boundary: every command's ranged option is refused out of range with the same sentence,
// whichever platform the value came from (Discord's typed options, Slack's text, the playground's message box).
import { describe, expect, it } from 'vitest';
import { allCommands } from '../../commands/index.js';
import { OPTION_RANGES, validateInvocation } from '../../src/core/options.js';
import type { Attachment, CommandSpec, Invocation, OptionSpec } from '../../src/core/platform.js';
import { slashInvocation } from '../../src/platforms/slack/invocation.js';
import { parseCommandText } from '../../src/platforms/playground/parse.js';

const specs = allCommands().map((c) => c.spec);
const picture: Attachment = {
  name: 'a.png',
  size: 3,
  url: '/files/a.png',
  contentType: 'image/png',
  download: async () => Buffer.from('abc'),
};

/** every (command, subcommand, option) with a numeric range */
function rangedOptions(): Array<{ spec: CommandSpec; sub?: string; option: OptionSpec; siblings: OptionSpec[] }> {
  const out: Array<{ spec: CommandSpec; sub?: string; option: OptionSpec; siblings: OptionSpec[] }> = [];
  for (const spec of specs) {
    const groups = [
      { sub: undefined as string | undefined, options: spec.options ?? [] },
      ...(spec.subcommands ?? []).map((s) => ({ sub: s.name, options: s.options ?? [] })),
    ];
    for (const g of groups)
      for (const option of g.options)
        if (option.min !== undefined && option.max !== undefined) out.push({ spec, sub: g.sub, option, siblings: g.options });
  }
  return out;
}

/** the required options other than the one under test, filled so that only the range can fail */
function required(siblings: OptionSpec[], except: string): Record<string, string | Attachment> {
  const out: Record<string, string | Attachment> = {};
  for (const o of siblings) if (o.required && o.name !== except) out[o.name] = o.type === 'attachment' ? picture : 'x';
  return out;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '(accepted)';
}

describe('the option boundary', () => {
  const cases = rangedOptions();

  it('covers strength, seed and count of every command that makes samples', () => {
    const names = new Set(cases.map((c) => `${c.spec.name}${c.sub ? ` ${c.sub}` : ''} ${c.option.name}`));
    for (const n of [
      'adapt strength',
      'adapt seed',
      'adapt count',
      'blend strength',
      'blend weight',
      'domains use count',
      'stylize strength',
      'edit strength',
      'settings caps user',
    ])
      expect(names, n).toContain(n);
  });

  it.each(cases.map((c) => [`${c.spec.name}${c.sub ? ` ${c.sub}` : ''} ${c.option.name}`, c] as const))(
    '%s: out of range is refused with the same sentence on Discord, Slack and the playground',
    (_, { spec, sub, option, siblings }) => {
      const kind = option.type === 'integer' ? 'a whole number' : 'a number';
      for (const bad of [option.max! + 1, option.min! - 1]) {
        const expected = `${option.name} must be ${kind} from ${option.min} to ${option.max} (got ${bad}).`;
        const others = required(siblings, option.name);
        const discord: Invocation = { command: spec.name, subcommand: sub, options: { ...others, [option.name]: bad } };
        const slackText = [
          sub,
          ...Object.entries(others)
            .filter(([, v]) => typeof v === 'string')
            .map(([k, v]) => `${k}:${v}`),
          `${option.name}:${bad}`,
        ]
          .filter(Boolean)
          .join(' ');
        const slack = () => {
          const inv = slashInvocation(spec, slackText);
          return validateInvocation(spec, { ...inv, options: { ...others, ...inv.options } });
        };
        const playground = () => {
          const text = `/${spec.name} ${slackText.replace(/:/g, ': ')}`;
          const inv = parseCommandText(specs, { text, staged: [], attachmentById: () => undefined, latest: picture });
          return validateInvocation(spec, inv);
        };
        expect(messageOf(() => validateInvocation(spec, discord))).toBe(expected);
        expect(messageOf(slack)).toBe(expected);
        expect(messageOf(playground)).toBe(expected);
      }
    },
  );

  it('fills defaults from OPTION_RANGES, converts typed text, and drops options the spec does not name', () => {
    const adapt = specs.find((s) => s.name === 'adapt')!;
    const inv = validateInvocation(adapt, { command: 'adapt', options: { prompt: ' cat ', seed: '42', stray: 'x' } });
    expect(inv.options).toEqual({ prompt: 'cat', seed: 42, strength: OPTION_RANGES.strength.default, count: OPTION_RANGES.count.default });
    expect(messageOf(() => validateInvocation(adapt, { command: 'adapt', options: { seed: 1.5 } }))).toBe(
      `seed must be a whole number from 0 to ${OPTION_RANGES.seed.max} (got 1.5).`,
    );
    expect(messageOf(() => validateInvocation(adapt, { command: 'adapt', options: { prompt: 'x'.repeat(201) } }))).toBe(
      'prompt is 201 characters long; the limit is 200.',
    );
  });

  it('refuses a missing required option, an unknown subcommand and a value outside the choices', () => {
    const blend = specs.find((s) => s.name === 'blend')!;
    expect(messageOf(() => validateInvocation(blend, { command: 'blend', options: { first: 'a' } }))).toBe(
      '/blend needs second: another saved domain.',
    );
    const stylize = specs.find((s) => s.name === 'stylize')!;
    expect(messageOf(() => validateInvocation(stylize, { command: 'stylize', options: { target: 'clay' } }))).toMatch(
      /^\/stylize needs a picture for image/,
    );
    const settings = specs.find((s) => s.name === 'settings')!;
    expect(messageOf(() => validateInvocation(settings, { command: 'settings', subcommand: 'nope', options: {} }))).toMatch(
      /^\/settings needs one of: show, pack/,
    );
    expect(
      messageOf(() => validateInvocation(settings, { command: 'settings', subcommand: 'channel', options: { action: 'sideways' } })),
    ).toBe('action must be one of: allow, disallow, everywhere (got "sideways").');
  });
});

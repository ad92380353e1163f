// Typed commands → Invocations, against the product's real command specs and the small test bot's.
import { describe, expect, it } from 'vitest';
import { allCommands } from '../../../commands/index.js';
import type { Attachment } from '../../../src/core/platform.js';
import { parseCommandText } from '../../../src/platforms/playground/parse.js';
import { validateInvocation } from '../../../src/core/options.js';
import { testSpecs } from './test-bot.js';

const specs = allCommands().map((c) => c.spec);
const picture = (name: string): Attachment => ({
  name,
  size: 3,
  url: `/files/${name}`,
  contentType: 'image/png',
  download: async () => Buffer.from('abc'),
});
const pictures: Record<string, Attachment> = { abc123: picture('a.png'), def456: picture('b.png') };

/** the playground's parse, then the check createBot makes of every invocation */
function parse(text: string, extra: { latest?: Attachment; specs?: typeof specs } = {}) {
  const all = extra.specs ?? specs;
  const inv = parseCommandText(all, { text, staged: [], attachmentById: (id) => pictures[id], latest: extra.latest });
  return validateInvocation(all.find((s) => s.name === inv.command)!, inv);
}

describe('playground command text', () => {
  it('takes Discord-style options with values of several words', () => {
    expect(parse('/adapt prompt: dog → nicolas cage count: 2')).toEqual({
      command: 'adapt',
      subcommand: undefined,
      options: { prompt: 'dog → nicolas cage', count: 2, strength: 1 },
    });
  });

  it('hands free text to the command’s own parser', () => {
    const inv = parse('/adapt dog → nicolas cage count:3');
    expect(inv.options).toEqual({ prompt: 'dog → nicolas cage', count: 3, strength: 1 });
  });

  it('finds subcommands and their options', () => {
    expect(parse('/domains info name: pixar-faces')).toMatchObject({
      command: 'domains',
      subcommand: 'info',
      options: { name: 'pixar-faces' },
    });
    expect(parse('/domains gallery')).toMatchObject({ command: 'domains', subcommand: 'gallery', options: {} });
  });

  it('resolves attachment options to the channel’s pictures, or the user’s latest one', () => {
    const inv = parse('/stylize image: abc123 target: a marble statue');
    expect((inv.options.image as Attachment).name).toBe('a.png');
    expect(inv.options.target).toBe('a marble statue');
    const latest = picture('latest.png');
    expect((parse('/stylize target: clay', { latest }).options.image as Attachment).name).toBe('latest.png');
    expect(() => parse('/stylize target: clay')).toThrow('/stylize needs a picture for image');
    expect(() => parse('/stylize image: nope target: clay')).toThrow('image: no picture "nope" in this channel');
  });

  it('answers mistakes with a sentence that says what to do', () => {
    expect(() => parse('hello')).toThrow('Commands start with "/"');
    expect(() => parse('/nosuch thing')).toThrow(/^There is no command \/nosuch\. Commands: \/adapt, /);
    expect(() => parse('/adapt count: 99 prompt: x')).toThrow('count must be a whole number from 1 to 8 (got 99).');
    expect(() => parse('/adapt count: two prompt: x')).toThrow('count must be a whole number from 1 to 8 (got "two").');
    expect(() => parse('/adapt prompt: a prompt: b')).toThrow('/adapt: prompt is given twice.');
    expect(() => parse('/adapt', { specs: testSpecs })).toThrow('/adapt needs target: what the pictures become');
    expect(() => parse('/domains whatever x', { specs: testSpecs })).toThrow(
      '/domains needs one of: gallery, leaderboard, save, rename, delete.',
    );
    expect(() => parse(`/adapt target: ${'x'.repeat(101)}`, { specs: testSpecs })).toThrow(
      'target is 101 characters long; the limit is 100.',
    );
  });
});

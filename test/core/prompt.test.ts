import { describe, expect, it } from 'vitest';
import { parseDomainPrompt } from '../../src/core/prompt.js';
import { parseOptionText } from '../../src/core/options.js';
import { allCommands } from '../../commands/index.js';
import { UserError } from '../../src/core/platform.js';
import { makeId } from '../../src/core/command.js';

const spec = (name: string) => allCommands().find((c) => c.spec.name === name)!.spec;

describe('parseDomainPrompt', () => {
  it('splits on →, ->, => and the word "to"; a bare text is the target', () => {
    expect(parseDomainPrompt('dog → nicolas cage')).toEqual({ source: 'dog', target: 'nicolas cage' });
    expect(parseDomainPrompt('dog->nicolas cage')).toEqual({ source: 'dog', target: 'nicolas cage' });
    expect(parseDomainPrompt('  photo   =>  sketch ')).toEqual({ source: 'photo', target: 'sketch' });
    expect(parseDomainPrompt('human To zombie')).toEqual({ source: 'human', target: 'zombie' });
    expect(parseDomainPrompt('pixar character')).toEqual({ target: 'pixar character' });
    expect(parseDomainPrompt('tomato toast')).toEqual({ target: 'tomato toast' }); // "to" only as a word
    expect(parseDomainPrompt('→ anime')).toEqual({ target: 'anime' });
    expect(() => parseDomainPrompt('dog →  ')).toThrow(UserError);
  });
});

describe('parseOptionText (Slack and playground typed text)', () => {
  const parse = (name: string, text: string) => parseOptionText(spec(name), text);
  it('/adapt: name:value options anywhere, quoted values, the rest is the prompt; values stay strings', () => {
    expect(parse('adapt', 'dog → nicolas cage strength:1.5 seed:42')).toEqual({
      options: { prompt: 'dog → nicolas cage', strength: '1.5', seed: '42' },
    });
    expect(parse('adapt', 'target:"pixar character" count:2')).toEqual({ options: { target: 'pixar character', count: '2' } });
    expect(parse('adapt', 'prompt: dog → nicolas cage count: 2')).toEqual({ options: { prompt: 'dog → nicolas cage', count: '2' } });
    // a number takes one word; the words after it go back to the free text
    expect(parse('adapt', 'cat count:2 in the rain')).toEqual({ options: { prompt: 'cat in the rain', count: '2' } });
    expect(() => parse('adapt', 'prompt: a prompt: b')).toThrow('/adapt: prompt is given twice.');
  });

  it('subcommands come first; free text fills the spec’s freeText options', () => {
    expect(parse('domains', 'info pixar-faces')).toEqual({ subcommand: 'info', options: { name: 'pixar-faces' } });
    expect(parse('domains', 'rename old to:new')).toEqual({ subcommand: 'rename', options: { name: 'old', to: 'new' } });
    expect(parse('settings', 'caps user:2 server:20')).toEqual({ subcommand: 'caps', options: { user: '2', server: '20' } });
    expect(parse('blend', 'pixar anime weight:0.3')).toEqual({ options: { first: 'pixar', second: 'anime', weight: '0.3' } });
    expect(parse('stylize', 'a marble statue strength: 1.5')).toEqual({ options: { target: 'a marble statue', strength: '1.5' } });
    expect(() => parse('domains', 'whatever x')).toThrow('/domains needs one of: gallery, use, info, rename, delete.');
    expect(parse('queue', 'all')).toEqual({ options: { all: 'true' } });
    expect(() => parse('queue', 'hello')).toThrow('/queue does not know what "hello" is');
  });
});

describe('specs and ids', () => {
  it('every command has a unique name, and button ids stay within 100 characters', () => {
    const names = allCommands().map((c) => c.spec.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['adapt', 'stylize', 'stylize-message', 'edit', 'domains', 'blend', 'queue', 'settings', 'help']),
    );
    expect(makeId('adapt', 'vote', 'abcdefgh', 'up')).toBe('adapt:vote:abcdefgh:up');
    expect(() => makeId('adapt', 'x', 'a'.repeat(100))).toThrow(/longer than 100/);
    expect(() => makeId('adapt', 'x', 'a:b')).toThrow(/contains ":"/);
  });

  it('specs fit the platforms: names, description lengths, option counts (Discord is the strictest)', () => {
    for (const { spec: c } of allCommands()) {
      expect(c.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(c.description.length, c.name).toBeGreaterThan(0);
      expect(c.description.length, c.name).toBeLessThanOrEqual(100);
      if (c.kind === 'message') expect((c.label ?? '').length).toBeLessThanOrEqual(32);
      const groups = [c.options ?? [], ...(c.subcommands ?? []).map((sc) => sc.options ?? [])];
      for (const sc of c.subcommands ?? []) {
        expect(sc.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect(sc.description.length).toBeLessThanOrEqual(100);
      }
      for (const opts of groups) {
        expect(opts.length).toBeLessThanOrEqual(25);
        // Discord: required options come before optional ones
        const firstOptional = opts.findIndex((o) => !o.required);
        if (firstOptional >= 0)
          expect(
            opts.slice(firstOptional).every((o) => !o.required),
            c.name,
          ).toBe(true);
        for (const o of opts) {
          expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
          expect(o.description.length, `${c.name} ${o.name}`).toBeLessThanOrEqual(100);
          expect((o.choices ?? []).length).toBeLessThanOrEqual(25);
        }
      }
    }
  });
});

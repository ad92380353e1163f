import { describe, expect, it } from 'vitest';
import { parseDomainPrompt } from '../../src/core/prompt.js';
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

describe('parseText (Slack and playground free text)', () => {
  it('/adapt: key:value options anywhere, quoted values, the rest is the prompt', () => {
    expect(spec('adapt').parseText!('dog → nicolas cage strength:1.5 seed:42')).toEqual({ options: { prompt: 'dog → nicolas cage', strength: 1.5, seed: 42 } });
    expect(spec('adapt').parseText!('target:"pixar character" count:2')).toEqual({ options: { target: 'pixar character', count: 2 } });
    expect(() => spec('adapt').parseText!('cat count:many')).toThrow(/whole number/);
    expect(() => spec('adapt').parseText!('cat seed:1.5')).toThrow(/whole number/);
  });

  it('subcommands come first', () => {
    expect(spec('domains').parseText!('info pixar-faces')).toEqual({ subcommand: 'info', options: { name: 'pixar-faces' } });
    expect(spec('domains').parseText!('rename old to:new')).toEqual({ subcommand: 'rename', options: { name: 'old', to: 'new' } });
    expect(spec('settings').parseText!('caps user:2 server:20')).toEqual({ subcommand: 'caps', options: { user: 2, server: 20 } });
    expect(spec('blend').parseText!('pixar anime weight:0.3')).toEqual({ options: { first: 'pixar', second: 'anime', weight: 0.3 } });
  });
});

describe('specs and ids', () => {
  it('every command has a unique name, and button ids stay within 100 characters', () => {
    const names = allCommands().map((c) => c.spec.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['adapt', 'stylize', 'stylize-message', 'edit', 'domains', 'blend', 'queue', 'settings', 'help']));
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
        if (firstOptional >= 0) expect(opts.slice(firstOptional).every((o) => !o.required), c.name).toBe(true);
        for (const o of opts) {
          expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
          expect(o.description.length, `${c.name} ${o.name}`).toBeLessThanOrEqual(100);
          expect((o.choices ?? []).length).toBeLessThanOrEqual(25);
        }
      }
    }
  });
});

// The blocklist holds against the variants people use to get past it, and prompts with control or only
// invisible characters are refused before any work is queued.
import { describe, expect, it } from 'vitest';
import { checkPrompt, defaultLimits } from '../../src/core/limits.js';
import { findBlocked, foldForMatching, visibleText } from '../../src/core/moderation.js';
import { UserError } from '../../src/core/platform.js';

const limits = defaultLimits();
const blocklist = ['gore', 'nicolas cage', 'party'];
const refused = (text: string) => () => checkPrompt(text, limits, blocklist);

describe('blocklist', () => {
  it.each([
    ['Cyrillic look-alikes', 'a \u0441\u0430ge-like n\u0456colas \u0441age', 'nicolas cage'], // с а і from Cyrillic
    ['fullwidth letters', 'ｇｏｒｅ everywhere', 'gore'],
    ['zero-width characters inside the word', 'g\u200Bo\u200Dr\u2060e', 'gore'],
    ['accents', 'gòrë', 'gore'],
    ['plurals and other inflections', 'two nicolas cages at parties', 'nicolas cage'],
    ['dotted letters', 'NİCOLAS CAGE', 'nicolas cage'], // capital I with a dot (Turkish)
  ])('refuses %s', (_variant, text, entry) => {
    expect(findBlocked(text, blocklist)).toBe(entry);
    expect(refused(text)).toThrow(UserError);
    expect(refused(text)).toThrow(`("${entry}")`);
  });

  it('matches whole words only, so that ordinary words that contain one are allowed', () => {
    for (const fine of ['gorette the cat', 'a gorgeous forest', 'nicolas in a cage-free farm', 'a partly cloudy sky']) {
      expect(findBlocked(fine, blocklist), fine).toBeUndefined();
      expect(checkPrompt(fine, limits, blocklist)).toBe(fine);
    }
    expect(findBlocked('gored', ['gore'])).toBe('gore');
    expect(findBlocked('stabbing', ['stab'])).toBe('stab');
  });

  it('folds to plain lower-case Latin', () => {
    expect(foldForMatching('ＮİｃＯｌаѕ Çagé')).toBe('nicolas cage');
  });
});

describe('prompts with control and invisible characters', () => {
  it('refuses control characters and noncharacters with their code point', () => {
    expect(refused('a cat\u0007')).toThrow(/control character \(U\+0007\)/);
    expect(refused('dog \uFFFE cat')).toThrow(/U\+FFFE/);
    expect(refused('x\u009B1m')).toThrow(/U\+009B/);
  });

  it('refuses a prompt made only of invisible characters, and drops them from a real one', () => {
    expect(refused('\u200B\u200C\u2060 \uFEFF')).toThrow(/is empty/);
    expect(checkPrompt('pix\u200Bar  char\u00ADacter', limits, [])).toBe('pixar character');
    // a joiner between two emoji draws one emoji and stays
    expect(visibleText('\u{1F468}\u200D\u{1F469} family')).toBe('\u{1F468}\u200D\u{1F469} family');
    // tabs and new lines are whitespace, not refused
    expect(checkPrompt('a\tdog\nin snow', limits, [])).toBe('a dog in snow');
  });
});

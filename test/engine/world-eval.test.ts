// The judged evaluation's content measure: only the attributes a style leaves readable count (a pencil sketch has
// no hair colour to keep), read from the evaluation set the trainer writes (models/judge/eval.json `readable`).
import { describe, expect, it } from 'vitest';
import { contentAgreement, JUDGED_ATTRIBUTES, type Verdicts, WorldJudge } from '../../src/engine/world-eval.js';

function verdicts(partial: Partial<Verdicts>, n = 2): Verdicts {
  const no = Array<boolean>(n).fill(false);
  return { style: Array(n).fill(0), glasses: no, smile: no, longHair: no, hair: Array(n).fill(0), ...partial };
}

describe('content agreement', () => {
  const before = verdicts({});
  const hairChanged = verdicts({ hair: [3, 3] });

  it('counts every judged attribute by default', () => {
    expect(contentAgreement(before, hairChanged)).toBeCloseTo(3 / 4);
    expect(contentAgreement(before, verdicts({ longHair: [true, false] }))).toBeCloseTo(7 / 8);
  });

  it('leaves out the attributes a style erases', () => {
    const kept = JUDGED_ATTRIBUTES.filter((a) => a !== 'hair');
    expect(contentAgreement(before, hairChanged, undefined, kept)).toBe(1);
    expect(contentAgreement(before, verdicts({ smile: [true, true] }), [0], ['smile', 'hair'])).toBeCloseTo(1 / 2);
  });

  it('is undefined (NaN) when a style leaves nothing readable', () => {
    expect(contentAgreement(before, hairChanged, undefined, [])).toBeNaN();
  });
});

describe('the committed evaluation set', () => {
  it('says per style what the judge can read, photo reading every attribute', async () => {
    const judge = await WorldJudge.open('models/judge');
    try {
      const { readable, styles } = judge.set;
      expect(readable).toBeDefined();
      expect(Object.keys(readable ?? {}).sort()).toEqual([...styles].sort());
      expect(readable?.photo).toEqual([...JUDGED_ATTRIBUTES]);
    } finally {
      await judge.close();
    }
  });
});

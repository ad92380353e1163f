// The identity score of a stylized face in words on the project's own scale (docs/faces.md).
import { describe, expect, it } from 'vitest';

describe('identity score wording', () => {
  it('follows the scale of docs/faces.md: ≥ 0.97 kept, ≤ 0.93 someone else', async () => {
    const { identityLine } = await import('../../commands/finish.js');
    expect(identityLine([0.98])).toMatch(/^identity kept \(face-descriptor cosine 0\.98;/);
    expect(identityLine([0.95])).toMatch(/^identity partly kept/);
    expect(identityLine([0.83])).toMatch(/^identity lost: this looks like someone else \(face-descriptor cosine 0\.83;/);
    expect(identityLine([0.99, 0.9])).toMatch(/^identity lost/); // the worst face decides
  });
});

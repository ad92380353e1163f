// The console logger prints each error once (src/core/log.ts).
import { describe, expect, it } from 'vitest';

describe('error logs', () => {
  it('print an error once: its stack, not its headline and then the stack that repeats it', async () => {
    const { consoleLogger } = await import('../../src/core/log.js');
    const lines: string[] = [];
    consoleLogger({ log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) }).error('upload failed', new TypeError('bad thing'));
    const text = lines.join('\n');
    expect(text.match(/TypeError: bad thing/g)).toHaveLength(1);
    expect(text).toMatch(/\n\s+at /);
  });
});

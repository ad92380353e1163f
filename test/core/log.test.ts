// The logger prints each error once (src/core/log.ts): one structured line whose err field holds the stack.
import { describe, expect, it } from 'vitest';

describe('error logs', () => {
  it('print an error once: its stack, not its headline and then the stack that repeats it', async () => {
    const { consoleLogger } = await import('../../src/core/log.js');
    const lines: string[] = [];
    consoleLogger({ log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) }).error(
      'upload failed',
      new TypeError('bad thing'),
      { jobId: 'j1' },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0].match(/TypeError: bad thing/g)).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 'error', msg: 'upload failed', jobId: 'j1', error: { type: 'TypeError', message: 'bad thing' } });
    expect(entry.error.stack).toMatch(/\n\s+at /);
  });

  it('masks secrets from the environment and URL passwords in every field', async () => {
    const { consoleLogger } = await import('../../src/core/log.js');
    process.env.LOG_TEST_SECRET_TOKEN = 'sekrit-value-123';
    try {
      const lines: string[] = [];
      consoleLogger({ log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) }).info(
        'connecting to redis://u:pw-xyz@host:6379 with sekrit-value-123',
        { url: 'redis://u:pw-xyz@host' },
      );
      expect(lines[0]).not.toContain('sekrit-value-123');
      expect(lines[0]).not.toContain('pw-xyz');
      expect(JSON.parse(lines[0]).msg).toContain('[redacted]');
    } finally {
      delete process.env.LOG_TEST_SECRET_TOKEN;
    }
  });
});

// The one edit throttle every adapter's message edits go through (Discord and Slack).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutgoingMessage } from '../../src/core/platform.js';
import { EditThrottle } from '../../src/core/throttle.js';

describe('EditThrottle', () => {
  it('sends at most one edit per interval, always the latest, and resolves superseded edits with it', async () => {
    const sent: Array<{ text: string; at: number; files: number }> = [];
    const t = new EditThrottle(async (m) => void sent.push({ text: m.text, at: Date.now(), files: m.files?.length ?? 0 }), 100);
    const file = { name: 'a.png', data: Buffer.alloc(1), contentType: 'image/png' };
    const edits: Promise<void>[] = [];
    const msgs: OutgoingMessage[] = [{ text: '1' }, { text: '2' }, { text: '3' }, { text: '4', files: [file] }, { text: '5' }];
    edits.push(t.edit(msgs[0]));
    await new Promise((r) => setTimeout(r, 10));
    edits.push(t.edit(msgs[1]), t.edit(msgs[2]));
    await Promise.all(edits);
    expect(sent.map((s) => s.text)).toEqual(['1', '3']);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(95);
    // a result (an edit with files) replaced by a tally: the file is carried by the edit delivered
    edits.push(t.edit(msgs[3]), t.edit(msgs[4]));
    await Promise.all(edits);
    expect(sent.map((s) => s.text)).toEqual(['1', '3', '5']);
    expect(sent[2].files).toBe(1);
  });

  it('rejects awaiting callers when the edit fails, without an unhandled rejection for the others', async () => {
    const errors: unknown[] = [];
    const t = new EditThrottle(
      async () => {
        throw new Error('message_not_found');
      },
      10,
      (e) => errors.push(e),
    );
    void t.edit({ text: 'fire and forget' });
    await expect(t.edit({ text: 'awaited' })).rejects.toThrow('message_not_found');
    expect(errors).toHaveLength(1);
  });
});

describe('EditThrottle, shared rules', () => {
  it('waits a full interval after markSent, and ignores edits once closed', async () => {
    const sent: string[] = [];
    const t = new EditThrottle(async (m) => void sent.push(m.text), 2000);
    t.markSent();
    const first = t.edit({ text: 'a' });
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual([]); // still inside the interval that markSent started
    await first;
    expect(sent).toEqual(['a']);
    t.close();
    await t.edit({ text: 'after close' });
    expect(sent).toEqual(['a']);
  });

  it('an edit that replaces one with files keeps them unless it brings its own', async () => {
    const sent: OutgoingMessage[] = [];
    const t = new EditThrottle(async (m) => void sent.push(m), 50);
    const a = { name: 'a.png', data: Buffer.alloc(1), contentType: 'image/png' };
    const b = { name: 'b.png', data: Buffer.alloc(2), contentType: 'image/png' };
    void t.edit({ text: 'first' });
    await new Promise((r) => setTimeout(r, 5));
    void t.edit({ text: 'result', files: [a] });
    await t.edit({ text: 'tally' });
    expect(sent.at(-1)).toMatchObject({ text: 'tally', files: [a] });
    void t.edit({ text: 'again', files: [a] });
    await t.edit({ text: 'redrawn', files: [b] });
    expect(sent.at(-1)?.files).toEqual([b]);
  });
});

describe('EditThrottle and results', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const file = { name: 'grid.png', data: Buffer.alloc(1), contentType: 'image/png' };

  it('sends a result (an edit with files) at once, in place of the progress edit waiting for its interval', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const t = new EditThrottle(async (m) => void sent.push(m.text), 1500);
    t.markSent();
    const progress = t.edit({ text: '50%' });
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([]);
    const result = t.edit({ text: 'result', files: [file] });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['result']);
    await Promise.all([progress, result]);
    // a later edit without files (a tally) waits its interval again
    void t.edit({ text: 'tally' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual(['result']);
    await vi.advanceTimersByTimeAsync(600);
    expect(sent).toEqual(['result', 'tally']);
  });

  it('sends a result right after a slow edit on its way, not an interval after it', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    let finishFirst!: () => void;
    const t = new EditThrottle(async (m) => {
      sent.push(m.text);
      if (m.text === 'queued') await new Promise<void>((r) => (finishFirst = r));
    }, 1500);
    void t.edit({ text: 'queued' });
    await vi.advanceTimersByTimeAsync(0);
    void t.edit({ text: '90%' });
    void t.edit({ text: 'result', files: [file] });
    await vi.advanceTimersByTimeAsync(200);
    expect(sent).toEqual(['queued']);
    finishFirst();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['queued', 'result']);
  });
});

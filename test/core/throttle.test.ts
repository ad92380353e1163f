// The one edit throttle every adapter's message edits go through (Discord and Slack).
import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/core/platform.js';
import { EditThrottle } from '../../src/core/throttle.js';

describe('EditThrottle', () => {
  it('sends at most one edit per interval, always the latest, and resolves superseded edits with it', async () => {
    const sent: Array<{ text: string; at: number; files: number }> = [];
    const t = new EditThrottle(async (m) => void sent.push({ text: m.text, at: Date.now(), files: m.files?.length ?? 0 }), 100);
    const file = { name: 'a.png', data: Buffer.alloc(1), contentType: 'image/png' };
    const edits: Promise<void>[] = [];
    const msgs: OutgoingMessage[] = [{ text: '1' }, { text: '2', files: [file] }, { text: '3' }];
    edits.push(t.edit(msgs[0]));
    await new Promise((r) => setTimeout(r, 10));
    edits.push(t.edit(msgs[1]), t.edit(msgs[2]));
    await Promise.all(edits);
    expect(sent.map((s) => s.text)).toEqual(['1', '3']);
    // the superseded edit's file is carried by the one delivered
    expect(sent[1].files).toBe(1);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(95);
  });

  it('rejects awaiting callers when the edit fails, without an unhandled rejection for the others', async () => {
    const errors: unknown[] = [];
    const t = new EditThrottle(async () => {
      throw new Error('message_not_found');
    }, 10, (e) => errors.push(e));
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

// The edit throttle of one Discord message, in logical time (vitest's fake timers): progress edits keep their
// interval, a result does not wait behind them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ThrottledEditor } from '../../../src/platforms/discord/throttle.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ThrottledEditor', () => {
  it('sends a result at once, in place of the progress edit waiting for its interval', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const editor = new ThrottledEditor<string>(async (v) => void sent.push(v), 1500);
    editor.markSent();
    const progress = editor.edit('50%');
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([]);
    const result = editor.edit('result', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['result']);
    await Promise.all([progress, result]);
    // the next progress-like edit waits its interval again
    void editor.edit('tally');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual(['result']);
    await vi.advanceTimersByTimeAsync(600);
    expect(sent).toEqual(['result', 'tally']);
  });

  it('cuts short the wait of a send already queued behind a slow one', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    let finishFirst!: () => void;
    const editor = new ThrottledEditor<string>(async (v) => {
      sent.push(v);
      if (v === 'queued') await new Promise<void>((r) => (finishFirst = r));
    }, 1500);
    void editor.edit('queued', true);
    await vi.advanceTimersByTimeAsync(0);
    void editor.edit('90%');
    await vi.advanceTimersByTimeAsync(1500); // its timer fires while the first send is still out
    finishFirst();
    await vi.advanceTimersByTimeAsync(100); // now it waits an interval from the first send's answer
    expect(sent).toEqual(['queued']);
    void editor.edit('result', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['queued', 'result']);
  });
});

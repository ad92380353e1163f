// The pure translation pieces: markup, Block Kit bodies, modal views and values, slash text parsing, the throttle.
import { describe, expect, it } from 'vitest';
import { decodeMetadata, messageBody, modalValues, modalView } from '../../../src/platforms/slack/blocks.js';
import { isAllowedHost, slackAttachment } from '../../../src/platforms/slack/files.js';
import { slashInvocation } from '../../../src/platforms/slack/invocation.js';
import { splitText, toMrkdwn } from '../../../src/platforms/slack/markup.js';
import type { CommandSpec } from '../../../src/core/platform.js';

describe('markup', () => {
  it('turns **bold**, *italic*, links into mrkdwn, escapes <>&, and leaves code alone', () => {
    expect(toMrkdwn('**Done**: *pixar* & `a*b*c` <x>')).toBe('*Done*: _pixar_ &amp; `a*b*c` &lt;x&gt;');
    expect(toMrkdwn('see [the docs](https://example.com/a?b=1)')).toBe('see <https://example.com/a?b=1|the docs>');
    expect(toMrkdwn('2 * 3 * 4')).toBe('2 * 3 * 4');
    // mentions stay mentions; anything else in angle brackets is escaped
    expect(toMrkdwn('by <@U123ABC> in <#C42> <b>')).toBe('by <@U123ABC> in <#C42> &lt;b&gt;');
  });

  it('splits long text at line breaks within the block limit', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(10)}`).join('\n');
    const pieces = splitText(lines, 3000);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(3000);
    expect(pieces.join('\n')).toBe(lines);
  });
});

describe('Block Kit bodies', () => {
  it('renders up to 5 rows of buttons as actions blocks with the button ids as action_ids', () => {
    const row = (r: number) => Array.from({ length: 5 }, (_, i) => ({ id: `c:a:${r}${i}`, label: `b${i}` }));
    const body = messageBody({ text: 'hi', buttons: Array.from({ length: 7 }, (_, r) => row(r)) });
    const actions = body.blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(5);
    expect((actions[0].elements as Array<{ action_id: string }>).map((e) => e.action_id)).toEqual([
      'c:a:00',
      'c:a:01',
      'c:a:02',
      'c:a:03',
      'c:a:04',
    ]);
  });

  it('gives a file-only message a fallback text', () => {
    const body = messageBody({ text: '', files: [{ name: 'a.png', data: Buffer.alloc(1), contentType: 'image/png' }] });
    expect(body.text).toBe('Files');
  });

  it('builds a modal whose empty select becomes a note, and reads submitted values back', () => {
    const view = modalView(
      {
        id: 'x:save',
        title: 'A title much longer than Slack allows',
        fields: [
          { id: 'name', label: 'Name', kind: 'text', required: true, maxLength: 32 },
          { id: 'domain', label: 'Domain', kind: 'select', options: [] },
        ],
      },
      { channel: 'C1', threadTs: '1.2' },
    );
    expect((view.title as { text: string }).text.length).toBeLessThanOrEqual(24);
    const blocks = view.blocks as Array<{ type: string; optional?: boolean; element?: { max_length?: number } }>;
    expect(blocks[0]).toMatchObject({ type: 'input', optional: false, element: { max_length: 32 } });
    expect(blocks[1].type).toBe('section');
    expect(decodeMetadata(view.private_metadata as string)).toEqual({ channel: 'C1', threadTs: '1.2' });
    expect(decodeMetadata('not json')).toBeUndefined();

    const values = modalValues(
      { name: { name: { type: 'plain_text_input', value: ' cage ' } }, f: { f: { type: 'file_input', files: [] } } },
      () => {
        throw new Error('no files here');
      },
    );
    expect(values).toEqual({ name: 'cage', f: undefined });
  });
});

describe('slash text', () => {
  const spec: CommandSpec = {
    name: 'domains',
    description: 'd',
    kind: 'slash',
    subcommands: [
      { name: 'list', description: 'l' },
      { name: 'use', description: 'u', options: [{ name: 'name', description: 'n', type: 'string' }] },
    ],
  };
  it('reads a subcommand and its first string option', () => {
    expect(slashInvocation(spec, 'USE pixar cage')).toEqual({ command: 'domains', subcommand: 'use', options: { name: 'pixar cage' } });
    expect(slashInvocation(spec, '')).toEqual({ command: 'domains', subcommand: undefined, options: {} });
  });
});

describe('files', () => {
  it('allows Slack hosts over https only, and exact origins given for tests', () => {
    expect(isAllowedHost('https://files.slack.com/files-pri/T1-F1/a.png', ['files.slack.com'])).toBe(true);
    expect(isAllowedHost('http://files.slack.com/files-pri/T1-F1/a.png', ['files.slack.com'])).toBe(false);
    expect(isAllowedHost('https://files.slack.com.evil.example/a.png', ['files.slack.com'])).toBe(false);
    expect(isAllowedHost('http://127.0.0.1:8123/files/a.png', ['http://127.0.0.1:8123'])).toBe(true);
    expect(isAllowedHost('http://127.0.0.1:8124/files/a.png', ['http://127.0.0.1:8123'])).toBe(false);
    expect(isAllowedHost('not a url', ['files.slack.com'])).toBe(false);
  });

  it('reports an Attachment as the file object describes it', () => {
    const a = slackAttachment(
      { name: 'p.jpg', mimetype: 'image/jpeg', size: 10, url_private: 'https://files.slack.com/x', original_w: 3, original_h: 4 },
      { botToken: 't', fileHosts: ['files.slack.com'] },
    );
    expect([a.name, a.contentType, a.size, a.width, a.height]).toEqual(['p.jpg', 'image/jpeg', 10, 3, 4]);
  });
});

// A small Bot on the platform-neutral side of src/core/platform.ts, standing in for the product's commands so the
// Slack adapter's translation can be checked on its own: it records what it was given and answers the way the
// real commands do (progress edits, files, buttons, modals, private answers, UserErrors).
import sharp from 'sharp';
import type { Bot, CommandContext, CommandSpec, Invocation, ModalValues } from '../../../src/core/platform.js';

export interface Seen {
  kind: 'command' | 'button' | 'modal';
  ctx: CommandContext;
  inv?: Invocation;
  id?: string;
  values?: ModalValues;
  /** what a handler got from downloads or the error it hit */
  downloaded?: Buffer;
}

export async function testPng(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .png()
    .toBuffer();
}

const specs: CommandSpec[] = [
  {
    name: 'adapt',
    description: 'A new domain from text',
    kind: 'slash',
    options: [
      { name: 'target', description: 'target', type: 'string', required: true },
      { name: 'source', description: 'source', type: 'string' },
    ],
  },
  {
    name: 'domains',
    description: 'Saved domains',
    kind: 'slash',
    subcommands: [
      { name: 'list', description: 'list' },
      { name: 'delete', description: 'delete', options: [{ name: 'name', description: 'n', type: 'string' }] },
    ],
  },
  { name: 'help', description: 'Help', kind: 'slash', options: [{ name: 'topic', description: 'topic', type: 'string' }] },
  { name: 'crash', description: 'Fails with an internal error', kind: 'slash' },
  { name: 'stylize', description: 'Re-draw a picture', kind: 'message', label: 'Stylize' },
];

export class TestBot implements Bot {
  readonly specs = specs;
  readonly seen: Seen[] = [];
  /** progress steps /adapt reports before its result */
  progressSteps = 10;
  progressGapMs = 50;
  /** when set, /adapt and buttons hold their work until it resolves (to see that acks do not wait for work) */
  gate?: Promise<void>;

  wantsModal(inv: Invocation): boolean {
    return inv.command === 'stylize';
  }

  async handleCommand(ctx: CommandContext, inv: Invocation): Promise<void> {
    const record: Seen = { kind: 'command', ctx, inv };
    this.seen.push(record);
    if (inv.command === 'stylize') {
      if (!ctx.openModal) throw new Error('no modal');
      await ctx.openModal({
        id: `stylize:submit:${inv.target?.messageId.replace(/[:]/g, '')}`,
        title: 'Stylize this picture',
        fields: [
          { id: 'reference', label: 'Reference picture', kind: 'attachment' },
          {
            id: 'domain',
            label: 'Saved domain',
            kind: 'select',
            options: [
              { label: 'Pixar', value: 'pixar' },
              { label: 'Sketch', value: 'sketch' },
            ],
          },
          { id: 'target', label: 'Or describe it', kind: 'text', placeholder: 'a pixar character', maxLength: 200 },
        ],
      });
      return;
    }
    if (inv.command === 'crash') throw new Error('engine exploded (internal detail)');
    if (inv.command === 'adapt') {
      if (this.gate) await this.gate;
      const progress = await ctx.reply({ text: `Adapting to **${String(inv.options.target)}**… 0%` });
      // Progress comes faster than Slack may be edited, as from a job's callback: not awaited one by one.
      const edits: Promise<void>[] = [];
      for (let i = 1; i <= this.progressSteps; i++) {
        edits.push(progress.edit({ text: `Adapting… ${Math.round((100 * i) / this.progressSteps)}%` }));
        await new Promise((r) => setTimeout(r, this.progressGapMs));
      }
      await Promise.all(edits);
      await ctx.reply({
        text: `Done: *${String(inv.options.target)}*`,
        files: [{ name: 'grid.png', data: await testPng(), contentType: 'image/png', description: 'before and after' }],
        buttons: [
          [
            { id: 'adapt:vote:up:d1', label: 'Good', emoji: '👍', style: 'success' },
            { id: 'adapt:vote:down:d1', label: 'Bad', emoji: '👎', style: 'danger' },
            { id: 'adapt:score:d1', label: 'score 0', disabled: true },
          ],
        ],
      });
      return;
    }
    await ctx.reply({ text: `${inv.command} ${inv.subcommand ?? ''} ${JSON.stringify(inv.options)}`, private: inv.command === 'help' });
  }

  async handleButton(ctx: CommandContext, buttonId: string): Promise<void> {
    this.seen.push({ kind: 'button', ctx, id: buttonId });
    if (this.gate) await this.gate;
    if (!ctx.source) throw new Error('a button without its message');
    const up = buttonId.startsWith('adapt:vote:up') ? 1 : 0;
    await ctx.source.edit({ text: `Votes: 👍 ${up} 👎 ${1 - up}`, buttons: [[{ id: 'adapt:vote:up:d1', label: `Good (${up})` }]] });
    await ctx.reply({ text: 'Thanks for voting!', private: true });
  }

  async handleModal(ctx: CommandContext, modalId: string, values: ModalValues): Promise<void> {
    const record: Seen = { kind: 'modal', ctx, id: modalId, values };
    this.seen.push(record);
    const refs = values.reference;
    if (Array.isArray(refs) && refs.length > 0) {
      record.downloaded = await refs[0].download(1024 * 1024);
    }
    await ctx.reply({
      text: `Stylized with ${values.domain ?? values.target ?? 'a reference picture'}`,
      files: [{ name: 'result.png', data: await testPng(), contentType: 'image/png' }],
    });
  }
}

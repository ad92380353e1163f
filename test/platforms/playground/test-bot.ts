// A small Bot written against platform.ts only, for testing the playground adapter on its own: its pictures
// are real PNGs made with sharp, its votes are counted in memory, its /stylize downloads the picture it is given
// (through the playground's Attachment) and answers with that picture inverted.
import sharp from 'sharp';
import type { Attachment, Bot, CommandContext, CommandSpec, Invocation, ModalValues, PostedMessage } from '../../../src/core/platform.js';
import { UserError } from '../../../src/core/platform.js';
import { validateInvocation } from '../../../src/core/options.js';

export const testSpecs: CommandSpec[] = [
  {
    name: 'adapt',
    description: 'a new domain from text',
    kind: 'slash',
    options: [
      { name: 'target', description: 'what the pictures become', type: 'string', required: true, maxLength: 100 },
      { name: 'count', description: 'how many samples', type: 'integer', min: 1, max: 4 },
    ],
  },
  {
    name: 'domains',
    description: 'the server’s domains',
    kind: 'slash',
    subcommands: [
      { name: 'gallery', description: 'saved domains' },
      { name: 'leaderboard', description: 'the best voted domains' },
      {
        name: 'save',
        description: 'save a domain',
        options: [{ name: 'name', description: 'its name', type: 'string', required: true, complete: 'saved-domain' }],
      },
      {
        name: 'rename',
        description: 'rename a saved domain',
        options: [
          { name: 'name', description: 'its name', type: 'string', required: true, complete: 'saved-domain' },
          { name: 'to', description: 'the new name', type: 'string', required: true },
        ],
      },
      {
        name: 'delete',
        description: 'delete a saved domain',
        options: [{ name: 'name', description: 'its name', type: 'string', required: true, complete: 'saved-domain' }],
      },
    ],
  },
  { name: 'stylize', description: 'redraw a picture in a domain', kind: 'message', label: 'Stylize' },
];

async function grid(seed: number, cells = 4): Promise<Buffer> {
  const size = 64;
  const composites = await Promise.all(
    Array.from({ length: cells }, async (_, i) => ({
      input: await sharp({
        create: { width: size, height: size, channels: 3, background: { r: (seed * 40 + i * 60) % 256, g: (i * 90) % 256, b: 128 } },
      })
        .png()
        .toBuffer(),
      left: (i % 2) * size,
      top: Math.floor(i / 2) * size,
    })),
  );
  return sharp({ create: { width: size * 2, height: size * 2, channels: 3, background: '#000' } })
    .composite(composites)
    .png()
    .toBuffer();
}

export interface TestBot extends Bot {
  tallies: Map<string, { up: number; down: number }>;
  downloads: number[];
  /** saved domain names, in the order saved */
  saved: string[];
  /** set: every /adapt waits for it before its result */
  hold?: Promise<void>;
}

export function createTestBot(): TestBot {
  const tallies = new Map<string, { up: number; down: number }>();
  const downloads: number[] = [];
  const saved: string[] = [];
  const watchers = new Set<(serverId: string) => void>();
  let seq = 0;

  const voteRow = (id: string) => {
    const t = tallies.get(id)!;
    return [
      [
        { id: `adapt:vote:up:${id}`, label: `${t.up}`, emoji: '👍', style: 'success' as const },
        { id: `adapt:vote:down:${id}`, label: `${t.down}`, emoji: '👎', style: 'danger' as const },
        { id: `adapt:info:-:${id}`, label: 'Info', emoji: 'ℹ️' },
      ],
    ];
  };

  async function adapt(ctx: CommandContext, inv: Invocation): Promise<void> {
    const target = String(inv.options.target);
    const id = String(++seq);
    tallies.set(id, { up: 0, down: 0 });
    const msg: PostedMessage = await ctx.reply({ text: `Queued **${target}**: position 1` });
    await msg.edit({ text: `Rendering **${target}**… 50%` });
    await new Promise((r) => setTimeout(r, 200));
    await bot.hold;
    await msg.edit({
      text: `**${target}**: before → after`,
      files: [{ name: 'grid.png', data: await grid(seq), contentType: 'image/png', description: `${target} grid` }],
      buttons: voteRow(id),
    });
  }

  async function domains(ctx: CommandContext, inv: Invocation): Promise<void> {
    const name = String(inv.options.name ?? '');
    if (inv.subcommand === 'save') saved.push(name);
    else if (inv.subcommand === 'rename') saved.splice(saved.indexOf(name), 1, String(inv.options.to));
    else if (inv.subcommand === 'delete') saved.splice(saved.indexOf(name), 1);
    else {
      const rows =
        inv.subcommand === 'gallery'
          ? [`saved: ${saved.join(', ') || 'none'}`]
          : [...tallies.entries()].map(([id, t]) => `#${id}: 👍 ${t.up} 👎 ${t.down}`);
      return void (await ctx.reply({ text: `**${inv.subcommand}**\n${rows.join('\n') || 'no domains yet'}` }));
    }
    await ctx.reply({ text: `Done: ${inv.subcommand} ${name}` });
    for (const w of watchers) w(ctx.place.serverId);
  }

  const bot: TestBot = {
    specs: testSpecs,
    tallies,
    downloads,
    saved,
    async complete(_place, _source, typed) {
      return saved.filter((n) => n.startsWith(typed)).map((n) => ({ name: `${n} (saved)`, value: n }));
    },
    watchSavedDomains(listener) {
      watchers.add(listener);
      return () => watchers.delete(listener);
    },
    wantsModal: (inv) => inv.command === 'stylize',
    async handleCommand(ctx, raw) {
      try {
        // as createBot does: every invocation is checked against its spec before a command sees it
        const inv = validateInvocation(testSpecs.find((s) => s.name === raw.command)!, raw);
        if (inv.command === 'adapt') return await adapt(ctx, inv);
        if (inv.command === 'domains') return await domains(ctx, inv);
        if (inv.command === 'stylize') {
          const att = inv.target!.attachments[0];
          await ctx.openModal!({
            id: `stylize:go:${inv.target!.messageId}`,
            title: `Stylize ${att.name}`,
            fields: [{ id: 'style', label: 'Style', kind: 'text', required: true, maxLength: 50 }],
          });
          pendingPictures.set(`${ctx.actor.id}:${inv.target!.messageId}`, att);
        }
      } catch (e) {
        await ctx.reply({ text: e instanceof UserError ? e.message : 'Something went wrong', private: true });
      }
    },
    async handleButton(ctx, buttonId) {
      const [, action, dir, id] = buttonId.split(':');
      const t = tallies.get(id);
      if (action === 'info' && t) return void (await ctx.reply({ text: `Domain #${id}: made by the test bot`, private: true }));
      if (action !== 'vote' || !t) return void (await ctx.reply({ text: 'This button no longer works.', private: true }));
      if (dir === 'up') t.up++;
      else t.down++;
      await ctx.source!.edit({ text: `Votes for #${id}`, buttons: voteRow(id) });
    },
    async handleModal(ctx, modalId, values: ModalValues) {
      const messageId = modalId.split(':')[2];
      const att = pendingPictures.get(`${ctx.actor.id}:${messageId}`);
      if (!att) return void (await ctx.reply({ text: 'That picture is gone.', private: true }));
      try {
        const bytes = await att.download(1024 * 1024);
        downloads.push(bytes.length);
        const out = await sharp(bytes).negate({ alpha: false }).png().toBuffer();
        await ctx.reply({
          text: `Stylized as **${values.style}**`,
          files: [{ name: 'stylized.png', data: out, contentType: 'image/png' }],
        });
      } catch (e) {
        await ctx.reply({ text: e instanceof UserError ? e.message : 'Something went wrong', private: true });
      }
    },
  };
  return bot;
}

const pendingPictures = new Map<string, Attachment>();

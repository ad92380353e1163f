// /domains: the server's saved domains — a voted gallery, use one on new samples, info, rename, delete.
import type { Command } from '../src/core/command.js';
import { optNumber, optString } from '../src/core/command.js';
import { UserError, type CommandContext, type SubcommandSpec } from '../src/core/platform.js';
import { OPTION_RANGES, rangeOption } from '../src/core/options.js';
import { defuseMentions } from '../src/core/moderation.js';
import { base64ToFloats } from '../src/core/encoding.js';
import type { SavedDomain, VoteTally } from '../src/core/stores.js';
import type { BotServices } from '../src/core/services.js';
import type { Engine } from '../src/engine/types.js';
import { mayDelete } from './result-actions.js';
import { postResult, randomSeed, seedsFrom } from './shared.js';
import { runAndFinish } from './finish.js';

const nameOption = {
  name: 'name',
  description: 'the saved domain',
  type: 'string' as const,
  required: true,
  maxLength: 32,
  complete: 'saved-domain' as const,
};
const subcommands: SubcommandSpec[] = [
  { name: 'gallery', description: "the server's top-voted saved domains, as one picture" },
  {
    name: 'use',
    description: 'a saved domain on new samples',
    options: [
      nameOption,
      rangeOption('strength', 'number', 'how far to go', OPTION_RANGES.strength),
      rangeOption('seed', 'integer', 'first sample seed', OPTION_RANGES.seed),
      rangeOption('count', 'integer', 'how many samples', OPTION_RANGES.count),
    ],
  },
  { name: 'info', description: 'prompt, creator, votes, Semantic-Score and Diversity of a saved domain', options: [nameOption] },
  {
    name: 'rename',
    description: 'rename a saved domain',
    options: [nameOption, { name: 'to', description: 'the new name', type: 'string', required: true, maxLength: 32 }],
  },
  { name: 'delete', description: 'delete a saved domain', options: [nameOption] },
];

/** Gallery thumbnails: two fixed samples per domain, so that domains are compared on the same faces. */
const GALLERY_SEEDS = [7, 8];
const GALLERY_SIZE = 8;

export async function findSaved(ctx: CommandContext, services: BotServices, name: string | undefined): Promise<SavedDomain> {
  if (!name) throw new UserError('Give the name of a saved domain (see `/domains gallery`).');
  const d = await services.stores.getSaved(ctx.place.serverId, name);
  if (!d) throw new UserError(`There is no saved domain called \`${name}\` on this server. See \`/domains gallery\`.`);
  return d;
}

export function engineForSaved(services: BotServices, d: SavedDomain): Engine {
  const engine = services.engines.get(d.pack);
  if (!engine) throw new UserError(`\`${d.name}\` was made with the pack \`${d.pack}\`, which is not loaded.`);
  return engine;
}

function score(t: VoteTally): number {
  return t.up - t.down;
}

async function gallery(ctx: CommandContext, services: BotServices): Promise<void> {
  const saved = await services.stores.listSaved(ctx.place.serverId);
  if (!saved.length) {
    await ctx.reply({ text: 'No saved domains yet. Make one with `/adapt`, then press 💾 Save.', private: true });
    return;
  }
  const ranked = (await Promise.all(saved.map(async (d) => ({ d, t: await services.stores.tally(d.serverId, d.domainId) }))))
    .filter(({ d }) => services.engines.has(d.pack))
    .sort((a, b) => score(b.t) - score(a.t) || b.t.up - a.t.up || a.d.createdAt - b.d.createdAt)
    .slice(0, GALLERY_SIZE);
  if (!ranked.length) throw new UserError("None of this server's saved domains belongs to a loaded pack.");
  const lines = ranked.map(({ d, t }, i) => `${i + 1}. **${d.name}** — ${d.prompt} · 👍 ${t.up} 👎 ${t.down}`);
  await runAndFinish(
    ctx,
    services,
    {
      kind: 'gallery',
      description: 'the gallery',
      task: {
        name: 'gallery',
        seeds: GALLERY_SEEDS,
        rows: ranked.map(({ d }) => ({ pack: engineForSaved(services, d).manifest.name, domain: base64ToFloats(d.domain), label: d.name })),
      },
    },
    {
      name: 'file',
      text: `**Gallery** (top ${ranked.length} by votes)\n${lines.join('\n')}`,
      file: { name: 'domainshift-gallery.png', contentType: 'image/png', description: 'saved domains, top voted first' },
    },
  );
}

export const domainsCommand: Command = {
  spec: {
    name: 'domains',
    description: "The server's saved domains: gallery, use, info, rename, delete",
    kind: 'slash',
    subcommands,
  },

  async run(ctx, inv, services) {
    const stores = services.stores;
    switch (inv.subcommand ?? 'gallery') {
      case 'gallery':
        return gallery(ctx, services);
      case 'use': {
        const d = await findSaved(ctx, services, optString(inv, 'name'));
        const engine = engineForSaved(services, d);
        const strength = optNumber(inv, 'strength')!;
        const seeds = seedsFrom(optNumber(inv, 'seed') ?? randomSeed(), optNumber(inv, 'count')!);
        await postResult(ctx, services, engine, `/domains use ${d.name}`, {
          fields: {
            kind: 'adapt',
            prompt: `${d.name} (${d.prompt})`,
            seeds,
            strength,
            domain: d.domain,
            domainId: d.domainId,
          },
        });
        return;
      }
      case 'info': {
        const d = await findSaved(ctx, services, optString(inv, 'name'));
        const t = await stores.tally(d.serverId, d.domainId);
        const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(3));
        await ctx.reply({
          text: [
            `**${d.name}** — ${d.prompt}`,
            `made by ${defuseMentions(d.creatorName)} (<@${d.creatorId}>) on ${new Date(d.createdAt).toISOString().slice(0, 10)} with pack \`${d.pack}\``,
            `votes: 👍 ${t.up} 👎 ${t.down}`,
            `Semantic-Score ${fmt(d.semanticScore)} (CLIP similarity of its samples to the prompt; higher matches better) · Diversity ${fmt(d.diversity)} (how different its samples stay from each other)`,
          ].join('\n'),
        });
        return;
      }
      case 'rename': {
        const d = await findSaved(ctx, services, optString(inv, 'name'));
        if (!(await mayDelete(ctx, services, d.creatorId))) throw new UserError('Only its creator or a manager can rename this domain.');
        const to = optString(inv, 'to');
        if (!to) throw new UserError('Give the new name with `to`.');
        const moved = await stores.renameSaved(ctx.place.serverId, d.name, to);
        await ctx.reply({ text: `Renamed \`${d.name}\` to \`${moved.name}\`.` });
        return;
      }
      case 'delete': {
        const d = await findSaved(ctx, services, optString(inv, 'name'));
        if (!(await mayDelete(ctx, services, d.creatorId))) throw new UserError('Only its creator or a manager can delete this domain.');
        await stores.deleteSaved(ctx.place.serverId, d.name);
        await ctx.reply({ text: `Deleted the saved domain \`${d.name}\`.`, private: true });
        return;
      }
      default:
        throw new UserError(`Unknown subcommand \`${inv.subcommand}\`; try gallery, use, info, rename or delete.`);
    }
  },
};

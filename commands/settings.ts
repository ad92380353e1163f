// /settings (managers only): the server's pack, allowed channels, job caps, prompt blocklist, who may save/delete.
import type { Command } from '../src/core/command.js';
import { optNumber, optString } from '../src/core/command.js';
import { UserError, type OptionSpec, type SubcommandSpec } from '../src/core/platform.js';
import { OPTION_RANGES, rangeOption } from '../src/core/options.js';
import type { Permission, ServerSettings } from '../src/core/settings-schema.js';
import { effectiveJobCaps, type Limits } from '../src/core/limits.js';

const who: OptionSpec['choices'] = [
  { name: 'everyone', value: 'everyone' },
  { name: 'managers', value: 'managers' },
];

const subcommands: SubcommandSpec[] = [
  { name: 'show', description: "this server's settings" },
  {
    name: 'pack',
    description: 'the model pack this server uses',
    options: [{ name: 'name', description: 'pack name ("default" for the bot\'s default)', type: 'string', required: true }],
  },
  {
    name: 'channel',
    description: 'where the bot answers',
    options: [
      {
        name: 'action',
        description: 'allow this channel, disallow it, or answer everywhere',
        type: 'string',
        required: true,
        choices: ['allow', 'disallow', 'everywhere'].map((v) => ({ name: v, value: v })),
      },
    ],
  },
  {
    name: 'caps',
    description: 'jobs one user / the whole server may have queued or running',
    options: [
      rangeOption('user', 'integer', 'per user', OPTION_RANGES.userJobCap),
      rangeOption('server', 'integer', 'per server', OPTION_RANGES.serverJobCap),
    ],
  },
  {
    name: 'blocklist',
    description: 'words refused in prompts',
    options: [
      { name: 'add', description: 'words to add, comma-separated', type: 'string' },
      { name: 'remove', description: 'words to remove, comma-separated', type: 'string' },
    ],
  },
  {
    name: 'permissions',
    description: "who may save domains, and who may delete others' domains and results",
    options: [
      { name: 'save', description: 'who may save domains', type: 'string', choices: who },
      { name: 'delete', description: "who may delete others' domains and results", type: 'string', choices: who },
    ],
  },
];

function capsLine(s: ServerSettings, limits: Limits): string {
  const caps = effectiveJobCaps(s, limits);
  const lowered = caps.user < s.userJobCap || caps.server < s.serverJobCap;
  return `caps: ${caps.user} jobs per user, ${caps.server} per server${
    lowered
      ? ` (this server asks for ${s.userJobCap} and ${s.serverJobCap}; this bot allows at most ${limits.maxJobsPerUser} and ${limits.maxJobsPerServer})`
      : ''
  }`;
}

function describe(s: ServerSettings, packs: string[], defaultPack: string, limits: Limits): string {
  return [
    '**Settings for this server**',
    `pack: \`${s.defaultPack ?? defaultPack}\`${s.defaultPack ? '' : ' (the default)'} — loaded: ${packs.map((p) => `\`${p}\``).join(', ')}`,
    `channels: ${s.allowedChannels.length ? s.allowedChannels.map((c) => `<#${c}>`).join(', ') : 'everywhere'}`,
    capsLine(s, limits),
    `blocklist: ${s.blocklist.length ? s.blocklist.map((w) => `\`${w}\``).join(', ') : '(empty)'}`,
    `save domains: ${s.saveDomains} · delete others' domains: ${s.deleteOthers}`,
  ].join('\n');
}

function words(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
}

function permission(v: string | undefined): Permission | undefined {
  if (v === undefined) return undefined;
  if (v !== 'everyone' && v !== 'managers') throw new UserError('Permissions are `everyone` or `managers`.');
  return v;
}

export const settingsCommand: Command = {
  spec: {
    name: 'settings',
    description: "Change this server's DomainShift settings",
    kind: 'slash',
    managersOnly: true,
    subcommands,
  },

  async run(ctx, inv, services) {
    const server = ctx.place.serverId;
    const stores = services.stores;
    const current = await stores.getSettings(server);
    let patch: Partial<ServerSettings> = {};
    switch (inv.subcommand ?? 'show') {
      case 'show':
        break;
      case 'pack': {
        const name = optString(inv, 'name');
        if (!name) throw new UserError('Give a pack name.');
        if (name === 'default') patch = { defaultPack: null };
        else if (!services.engines.has(name))
          throw new UserError(`No pack called \`${name}\` is loaded. Loaded: ${[...services.engines.keys()].join(', ')}.`);
        else patch = { defaultPack: name };
        break;
      }
      case 'channel': {
        const action = optString(inv, 'action');
        const here = ctx.place.channelId;
        if (action === 'allow') patch = { allowedChannels: [...new Set([...current.allowedChannels, here])] };
        else if (action === 'disallow') {
          if (!current.allowedChannels.length)
            throw new UserError('The bot answers everywhere now; `allow` the channels it should use first.');
          patch = { allowedChannels: current.allowedChannels.filter((c) => c !== here) };
          if (!patch.allowedChannels!.length) throw new UserError('That would leave no channel at all; use `everywhere` instead.');
        } else if (action === 'everywhere') patch = { allowedChannels: [] };
        else throw new UserError('action is `allow`, `disallow` or `everywhere`.');
        break;
      }
      case 'caps': {
        const user = optNumber(inv, 'user');
        const srv = optNumber(inv, 'server');
        patch = { ...(user !== undefined && { userJobCap: user }), ...(srv !== undefined && { serverJobCap: srv }) };
        break;
      }
      case 'blocklist': {
        const add = words(optString(inv, 'add'));
        const remove = new Set(words(optString(inv, 'remove')));
        const next = [...new Set([...current.blocklist, ...add])].filter((w) => !remove.has(w));
        if (next.length > 500) throw new UserError('The blocklist holds at most 500 words.');
        patch = { blocklist: next };
        break;
      }
      case 'permissions': {
        const save = permission(optString(inv, 'save'));
        const del = permission(optString(inv, 'delete'));
        patch = { ...(save && { saveDomains: save }), ...(del && { deleteOthers: del }) };
        break;
      }
      default:
        throw new UserError(`Unknown settings subcommand \`${inv.subcommand}\`.`);
    }
    const next = Object.keys(patch).length ? await stores.updateSettings(server, patch) : current;
    await ctx.reply({ text: describe(next, [...services.engines.keys()], services.defaultPack, services.limits), private: true });
  },
};

// CommandSpec[] → Discord application command JSON. The discord.js builders validate names, lengths and
// option order, so a spec Discord would refuse fails here, before any request is made.
import {
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  PermissionFlagsBits,
  type SlashCommandAttachmentOption,
  type SlashCommandBooleanOption,
  SlashCommandBuilder,
  type SlashCommandIntegerOption,
  type SlashCommandNumberOption,
  type SlashCommandStringOption,
  SlashCommandSubcommandBuilder,
  type RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandSpec, OptionSpec } from '../../core/platform.js';

const DESCRIPTION_MAX = 100;

function description(text: string): string {
  const trimmed = text.trim() || '-';
  return trimmed.length <= DESCRIPTION_MAX ? trimmed : `${trimmed.slice(0, DESCRIPTION_MAX - 1)}…`;
}

/** Discord refuses a required option after an optional one; the order among each group is kept. */
function requiredFirst(options: OptionSpec[] = []): OptionSpec[] {
  return [...options.filter((o) => o.required), ...options.filter((o) => !o.required)];
}

/** what a command and a subcommand builder have in common */
interface OptionHost {
  addStringOption(input: (o: SlashCommandStringOption) => SlashCommandStringOption): unknown;
  addIntegerOption(input: (o: SlashCommandIntegerOption) => SlashCommandIntegerOption): unknown;
  addNumberOption(input: (o: SlashCommandNumberOption) => SlashCommandNumberOption): unknown;
  addBooleanOption(input: (o: SlashCommandBooleanOption) => SlashCommandBooleanOption): unknown;
  addAttachmentOption(input: (o: SlashCommandAttachmentOption) => SlashCommandAttachmentOption): unknown;
}

function addOption(host: OptionHost, spec: OptionSpec): void {
  const required = spec.required ?? false;
  switch (spec.type) {
    case 'string':
      host.addStringOption((o) => {
        o.setName(spec.name).setDescription(description(spec.description)).setRequired(required);
        if (spec.maxLength !== undefined) o.setMaxLength(spec.maxLength);
        if (spec.choices?.length) o.addChoices(...spec.choices.map((c) => ({ name: c.name, value: String(c.value) })));
        else if (spec.complete) o.setAutocomplete(true);
        return o;
      });
      return;
    case 'integer':
    case 'number': {
      const configure = <T extends { setMinValue(n: number): T; setMaxValue(n: number): T }>(o: T): T => {
        if (spec.min !== undefined) o.setMinValue(spec.min);
        if (spec.max !== undefined) o.setMaxValue(spec.max);
        return o;
      };
      const choices = spec.choices?.map((c) => ({ name: c.name, value: Number(c.value) })) ?? [];
      if (spec.type === 'integer') {
        host.addIntegerOption((o) => {
          configure(o.setName(spec.name).setDescription(description(spec.description)).setRequired(required));
          if (choices.length) o.addChoices(...choices);
          return o;
        });
      } else {
        host.addNumberOption((o) => {
          configure(o.setName(spec.name).setDescription(description(spec.description)).setRequired(required));
          if (choices.length) o.addChoices(...choices);
          return o;
        });
      }
      return;
    }
    case 'boolean':
      host.addBooleanOption((o) => o.setName(spec.name).setDescription(description(spec.description)).setRequired(required));
      return;
    case 'attachment':
      host.addAttachmentOption((o) => o.setName(spec.name).setDescription(description(spec.description)).setRequired(required));
      return;
  }
}

/** The name Discord shows and sends back for a command: message commands use their label ("Stylize"). */
export function discordCommandName(spec: CommandSpec): string {
  return spec.kind === 'message' ? (spec.label ?? spec.name) : spec.name;
}

export function commandToJSON(spec: CommandSpec): RESTPostAPIApplicationCommandsJSONBody {
  // per-server data (domains, votes, settings) needs a server: commands are offered in guilds only
  const permissions = spec.managersOnly ? PermissionFlagsBits.ManageGuild : null;
  if (spec.kind === 'message') {
    return new ContextMenuCommandBuilder()
      .setName(discordCommandName(spec))
      .setType(ApplicationCommandType.Message)
      .setContexts(InteractionContextType.Guild)
      .setDefaultMemberPermissions(permissions)
      .toJSON();
  }
  const builder = new SlashCommandBuilder()
    .setName(spec.name)
    .setDescription(description(spec.description))
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(permissions);
  if (spec.subcommands?.length) {
    for (const sub of spec.subcommands) {
      const subBuilder = new SlashCommandSubcommandBuilder().setName(sub.name).setDescription(description(sub.description));
      for (const option of requiredFirst(sub.options)) addOption(subBuilder, option);
      builder.addSubcommand(subBuilder);
    }
  } else {
    for (const option of requiredFirst(spec.options)) addOption(builder, option);
  }
  return builder.toJSON();
}

/** All commands as the body of PUT /applications/{app}/commands (or the guild route). */
export function commandsToJSON(specs: CommandSpec[]): RESTPostAPIApplicationCommandsJSONBody[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const key = `${spec.kind}:${discordCommandName(spec)}`;
    if (seen.has(key)) throw new Error(`two commands are named "${discordCommandName(spec)}"`);
    seen.add(key);
    try {
      return commandToJSON(spec);
    } catch (err) {
      throw new Error(`command "${spec.name}" cannot be registered on Discord: ${(err as Error).message}`);
    }
  });
}

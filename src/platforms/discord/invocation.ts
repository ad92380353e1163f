// Discord interactions → the platform-neutral Invocation, Actor and Place.
import {
  ApplicationCommandOptionType,
  PermissionFlagsBits,
  type BaseInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type MessageContextMenuCommandInteraction,
} from 'discord.js';
import type { Actor, CommandSpec, Invocation, OptionValue, Place } from '../../core/platform.js';
import { fromDiscordAttachment, type AttachmentPolicy } from './attachments.js';
import { discordCommandName } from './commands-json.js';

export function findSpec(specs: CommandSpec[], discordName: string, kind: CommandSpec['kind']): CommandSpec | undefined {
  return specs.find((s) => s.kind === kind && discordCommandName(s) === discordName);
}

function optionValues(options: readonly CommandInteractionOption[], policy: AttachmentPolicy): Record<string, OptionValue> {
  const values: Record<string, OptionValue> = {};
  for (const option of options) {
    if (option.type === ApplicationCommandOptionType.Attachment) {
      if (option.attachment) values[option.name] = fromDiscordAttachment(option.attachment, policy);
    } else if (typeof option.value === 'string' || typeof option.value === 'number' || typeof option.value === 'boolean') {
      values[option.name] = option.value;
    }
  }
  return values;
}

export function slashInvocation(interaction: ChatInputCommandInteraction, spec: CommandSpec, policy: AttachmentPolicy): Invocation {
  const [first] = interaction.options.data;
  if (first?.type === ApplicationCommandOptionType.Subcommand) {
    return { command: spec.name, subcommand: first.name, options: optionValues(first.options ?? [], policy) };
  }
  return { command: spec.name, options: optionValues(interaction.options.data, policy) };
}

export function messageInvocation(
  interaction: MessageContextMenuCommandInteraction,
  spec: CommandSpec,
  policy: AttachmentPolicy,
): Invocation {
  const message = interaction.targetMessage;
  return {
    command: spec.name,
    options: {},
    target: {
      messageId: message.id,
      attachments: [...message.attachments.values()].map((a) => fromDiscordAttachment(a, policy)),
    },
  };
}

export function actorOf(interaction: BaseInteraction): Actor {
  const user = interaction.user;
  const member = interaction.member;
  // a cached GuildMember has `nickname`; the raw member of an uncached guild has `nick`
  const nick = member ? ('nickname' in member ? member.nickname : member.nick) : null;
  return {
    id: user.id,
    name: nick ?? user.globalName ?? user.username,
    // the permissions Discord resolved for this member in this channel (administrators have all of them)
    isManager: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
  };
}

export function placeOf(interaction: BaseInteraction): Place {
  return {
    platform: 'discord',
    // commands are registered for guilds only; a DM still gets a server of its own rather than a crash
    serverId: interaction.guildId ?? `dm-${interaction.user.id}`,
    channelId: interaction.channelId ?? '',
  };
}

// Registers the bot's commands with Discord: to one guild while developing (instant), globally otherwise.
// A PUT replaces the whole list, so commands removed from the bot disappear from Discord too.
import { REST, Routes, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import type { CommandSpec } from '../../core/platform.js';
import { commandsToJSON } from './commands-json.js';

export interface RegisterOptions {
  specs: CommandSpec[];
  token: string;
  applicationId: string;
  /** register to this guild only (development); global when absent */
  guildId?: string;
  /** REST base for a stand-in API (tests); Discord's own by default */
  api?: string;
}

export interface RegisterResult {
  scope: string;
  names: string[];
}

export async function registerCommands(options: RegisterOptions): Promise<RegisterResult> {
  const body = commandsToJSON(options.specs);
  const rest = new REST(options.api ? { api: options.api } : {}).setToken(options.token);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  const registered = (await rest.put(route, { body })) as RESTPutAPIApplicationCommandsResult;
  return {
    scope: options.guildId ? `guild ${options.guildId}` : 'all servers (global; may take up to an hour to show)',
    names: registered.map((c) => c.name),
  };
}

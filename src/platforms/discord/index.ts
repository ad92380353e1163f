// The Discord front end: startDiscord() connects a gateway client to a Bot; registerCommands() puts the
// application command JSON (commandsToJSON) on Discord, for npm start and deploy/register-commands.ts alike.
export { startDiscord, type DiscordHandle, type DiscordOptions } from './adapter.js';
export { commandsToJSON, commandToJSON } from './commands-json.js';
export { registerCommands, type RegisterOptions, type RegisterResult } from './register.js';
export { DISCORD_CDN_HOSTS, type AttachmentPolicy } from './attachments.js';

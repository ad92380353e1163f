// The Discord front end: startDiscord() connects a gateway client to a Bot; commandsToJSON() gives the
// application command JSON that deploy/register-commands.ts registers.
export { startDiscord, type DiscordHandle, type DiscordOptions } from './adapter.js';
export { commandsToJSON, commandToJSON } from './commands-json.js';
export { DISCORD_CDN_HOSTS, type AttachmentPolicy } from './attachments.js';

// `npm run deploy:commands -- [--dry-run]`: registers the bot's slash and message commands with Discord.
// --dry-run prints the JSON and sends nothing. Otherwise DISCORD_TOKEN and DISCORD_APPLICATION_ID are needed;
// DISCORD_GUILD_ID registers to that server only (instant, for development), without it globally.
// DISCORD_API_URL points at a stand-in API (tests). The token is never printed.
import 'dotenv/config';
import { Command } from 'commander';
import { allCommands } from '../commands/index.js';
import { commandsToJSON } from '../src/platforms/discord/commands-json.js';
import { registerCommands } from '../src/platforms/discord/register.js';
import { describe } from '../src/platforms/discord/responder.js';

const program = new Command()
  .name('register-commands')
  .description('Register the bot commands with Discord')
  .option('--dry-run', 'print the command JSON instead of registering it')
  .parse();

async function main(): Promise<number> {
  const specs = allCommands().map((c) => c.spec);
  if (program.opts<{ dryRun?: boolean }>().dryRun) {
    console.log(JSON.stringify(commandsToJSON(specs), null, 2));
    return 0;
  }
  const token = process.env.DISCORD_TOKEN?.trim();
  const applicationId = process.env.DISCORD_APPLICATION_ID?.trim();
  if (!token || !applicationId) {
    console.error('DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set (the bot token and the application id from the Developer Portal).');
    return 2;
  }
  try {
    const result = await registerCommands({
      specs,
      token,
      applicationId,
      guildId: process.env.DISCORD_GUILD_ID?.trim() || undefined,
      api: process.env.DISCORD_API_URL?.trim() || undefined,
    });
    console.log(`Registered ${result.names.length} commands for ${result.scope}: ${result.names.join(', ')}`);
    return 0;
  } catch (err) {
    console.error(`Registration failed: ${describe(err).split(token).join('[redacted]')}`);
    return 1;
  }
}

process.exitCode = await main();

// Command JSON (checked by discord.js's builders against Discord's rules) and registration through the real REST client.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allCommands } from '../../../commands/index.js';
import { commandsToJSON } from '../../../src/platforms/discord/commands-json.js';
import { registerCommands } from '../../../src/platforms/discord/register.js';
import { APP_ID, FakeDiscord, GUILD_ID } from './fake-discord.js';
import { testSpecs } from './scripted-bot.js';

const run = promisify(execFile);
const TOKEN = 'deploy-test-token-MTAwMDAwMDAwMDAwMDAwMDAy.very-secret';
const discord = new FakeDiscord();

beforeAll(() => discord.start());
afterAll(() => discord.stop());
beforeEach(() => {
  discord.requests.length = 0;
  discord.overrides = [];
});

/** runs deploy/register-commands.ts as `npm run deploy:commands` does */
function deploy(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCORD_')));
  return run('node_modules/.bin/tsx', ['deploy/register-commands.ts', ...args], { env: { ...clean, ...env }, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('command JSON', () => {
  const json = commandsToJSON(testSpecs) as any[];
  const byName = (name: string) => json.find((c) => c.name === name);

  it('makes slash commands with typed options, required ones first', () => {
    const adapt = byName('adapt');
    expect(adapt.type).toBe(1);
    expect(adapt.contexts).toEqual([0]);
    expect(adapt.options.map((o: any) => [o.name, o.type, o.required])).toEqual([
      ['prompt', 3, true],
      ['strength', 10, false],
      ['image', 11, false],
    ]);
    expect(adapt.options[0].max_length).toBe(200);
    expect(adapt.options[1]).toMatchObject({ min_value: 0, max_value: 2 });
  });

  it('makes subcommands, manager-only permissions, and message context-menu commands', () => {
    expect(byName('domains').options.map((o: any) => [o.name, o.type])).toEqual([
      ['gallery', 1],
      ['delete', 1],
    ]);
    expect(byName('domains').options[1].options[0]).toMatchObject({ name: 'name', type: 3, required: true });
    expect(byName('settings').default_member_permissions).toBe('32');
    expect(byName('adapt').default_member_permissions).toBeNull();
    const stylize = byName('Stylize');
    expect(stylize.type).toBe(3);
    expect(stylize.description).toBeUndefined();
    expect(stylize.options).toBeUndefined();
  });

  it('refuses a spec Discord would refuse, naming the command', () => {
    expect(() => commandsToJSON([{ name: 'Bad Name', description: 'x', kind: 'slash' }])).toThrow(/command "Bad Name"/);
    expect(() => commandsToJSON([testSpecs[0]!, testSpecs[0]!])).toThrow(/two commands are named "adapt"/);
  });

  it('accepts every command the bot really has, including adapt, edit, domains and the Stylize context command', () => {
    const real = commandsToJSON(allCommands().map((c) => c.spec)) as any[];
    // /help offers every command as a choice in Discord's menu
    const helpChoices = real
      .find((c) => c.name === 'help')
      .options[0].choices.map((c: { name: string; value: string }) => `${c.name}=${c.value}`);
    expect(helpChoices).toEqual(expect.arrayContaining(['/adapt=adapt', 'Stylize=stylize-message', '/domains=domains', '/help=help']));
    const names = real.map((c) => `${c.type}:${c.name}`);
    expect(names).toEqual(expect.arrayContaining(['1:adapt', '1:edit', '1:domains', '3:Stylize']));
  });
});

describe('registration', () => {
  it('PUTs the whole list to a guild with the bot token, or globally without a guild', async () => {
    const guild = await registerCommands({ specs: testSpecs, token: TOKEN, applicationId: APP_ID, guildId: GUILD_ID, api: discord.api });
    const global = await registerCommands({ specs: testSpecs, token: TOKEN, applicationId: APP_ID, api: discord.api });
    expect(discord.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /applications/${APP_ID}/guilds/${GUILD_ID}/commands`,
      `PUT /applications/${APP_ID}/commands`,
    ]);
    expect(discord.requests[0]!.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(discord.requests[0]!.body).toEqual(JSON.parse(JSON.stringify(commandsToJSON(testSpecs))));
    expect(guild).toEqual({ scope: `guild ${GUILD_ID}`, names: ['adapt', 'domains', 'settings', 'Stylize'] });
    expect(global.scope).toMatch(/global/);
  });

  it('npm run deploy:commands -- --dry-run prints the JSON and sends nothing', async () => {
    const { code, stdout } = await deploy(['--dry-run'], { DISCORD_API_URL: discord.api });
    expect(code).toBe(0);
    const names = (JSON.parse(stdout) as any[]).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['adapt', 'edit', 'domains', 'Stylize']));
    expect(discord.requests).toEqual([]);
  });

  it('registers to the guild from DISCORD_GUILD_ID and never prints the token, also when Discord refuses', async () => {
    const env = { DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_GUILD_ID: GUILD_ID, DISCORD_API_URL: discord.api };
    // a guild that refuses the token (401), and missing settings, run beside the real registration
    const REFUSING_GUILD = '100000000000000077';
    discord.overrides.push((r) =>
      r.path.includes(REFUSING_GUILD) ? { status: 401, body: { message: '401: Unauthorized', code: 0 } } : undefined,
    );
    const [ok, refused, missing] = await Promise.all([
      deploy([], env),
      deploy([], { ...env, DISCORD_GUILD_ID: REFUSING_GUILD }),
      deploy([], { DISCORD_API_URL: discord.api }),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`Registered \\d+ commands for guild ${GUILD_ID}: .*Stylize`));
    expect(discord.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      `PUT /applications/${APP_ID}/guilds/${GUILD_ID}/commands`,
      `PUT /applications/${APP_ID}/guilds/${REFUSING_GUILD}/commands`,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Registration failed: .*401/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set/);
    for (const out of [ok.stdout, ok.stderr, refused.stdout, refused.stderr]) expect(out).not.toContain(TOKEN);
  });
});

// The Slack app manifest parses, and declares what the adapter serves.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allCommands } from '../../../commands/index.js';

interface Manifest {
  display_information: { name: string; description: string; long_description?: string };
  features: {
    bot_user: { display_name: string };
    shortcuts: Array<{ name: string; type: string; callback_id: string; description: string }>;
    slash_commands: Array<{ command: string; description: string; usage_hint?: string; should_escape?: boolean }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean };
}

const manifest = parse(readFileSync(new URL('../../../deploy/slack-manifest.yaml', import.meta.url), 'utf8')) as Manifest;

describe('deploy/slack-manifest.yaml', () => {
  it('declares the slash commands, each with a description within Slack limits', () => {
    const commands = manifest.features.slash_commands.map((c) => c.command);
    expect(commands).toEqual(['/adapt', '/edit', '/domains', '/blend', '/queue', '/settings', '/help']);
    for (const c of manifest.features.slash_commands) {
      expect(c.description.length).toBeGreaterThan(0);
      expect(c.description.length).toBeLessThanOrEqual(100);
      expect(c.should_escape).toBe(false);
    }
  });

  it('declares the Stylize message shortcut', () => {
    const [stylize] = manifest.features.shortcuts;
    expect(stylize).toMatchObject({ name: 'Stylize', type: 'message', callback_id: 'stylize-message' });
    expect(stylize.description.length).toBeLessThanOrEqual(150);
  });

  it('asks for the bot scopes the adapter needs, with interactivity and Socket Mode on', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'commands', 'files:read', 'files:write', 'users:read']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.display_information.long_description!.length).toBeGreaterThanOrEqual(175);
  });

  it("covers every command the bot offers that Slack can carry (text slash commands, the message command's callback_id)", () => {
    const slash = new Set(manifest.features.slash_commands.map((c) => c.command.slice(1)));
    const shortcuts = new Set(manifest.features.shortcuts.map((s) => s.callback_id));
    for (const { spec } of allCommands()) {
      if (spec.kind === 'message') {
        expect(shortcuts, `message command ${spec.name} is missing from the manifest`).toContain(spec.name);
        continue;
      }
      // Slack slash commands carry text only: a command that requires a file cannot be one (Stylize is a shortcut).
      const needsFile = [...(spec.options ?? []), ...(spec.subcommands ?? []).flatMap((s) => s.options ?? [])].some(
        (o) => o.type === 'attachment' && o.required,
      );
      if (needsFile) expect(slash.has(spec.name), `/${spec.name} needs a file and cannot work on Slack`).toBe(false);
      else expect(slash, `/${spec.name} is missing from the manifest`).toContain(spec.name);
    }
  });
});

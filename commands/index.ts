// Every command the bot offers, in the order /help lists them.
import type { Command } from '../src/core/command.js';
import { adaptCommand } from './adapt.js';
import { blendCommand } from './blend.js';
import { domainsCommand } from './domains.js';
import { editCommand } from './edit.js';
import { helpCommand } from './help.js';
import { queueCommand } from './queue.js';
import { settingsCommand } from './settings.js';
import { stylizeCommand, stylizeMessageCommand } from './stylize.js';

export function allCommands(): Command[] {
  const list: Command[] = [
    adaptCommand,
    stylizeCommand,
    stylizeMessageCommand,
    editCommand,
    domainsCommand,
    blendCommand,
    queueCommand,
    settingsCommand,
  ];
  list.push(
    helpCommand(
      () => list.map((c) => c.spec),
      list.map((c) => c.spec),
    ),
  );
  return list;
}

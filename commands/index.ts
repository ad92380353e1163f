// Every command the bot offers, in the order /help lists them.
import type { Command } from '../src/core/command.js';
import { helpCommand } from './help.js';

export function allCommands(): Command[] {
  const list: Command[] = [];
  list.push(helpCommand(() => list.map((c) => c.spec)));
  return list;
}

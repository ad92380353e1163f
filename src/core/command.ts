// A command is written once, platform-neutral; the Bot routes slash/message invocations to run(), and button
// and modal events to onButton()/onModal() by the first segment of their id ("<command>:<action>:<args…>").
import type { Attachment, CommandContext, CommandSpec, Invocation, ModalValues } from './platform.js';
import type { BotServices } from './services.js';

export interface Command {
  spec: CommandSpec;
  run(ctx: CommandContext, inv: Invocation, services: BotServices): Promise<void>;
  /** args: the id's segments after "<command>" (args[0] is the action) */
  onButton?(ctx: CommandContext, args: string[], services: BotServices): Promise<void>;
  onModal?(ctx: CommandContext, args: string[], values: ModalValues, services: BotServices): Promise<void>;
  /** true when this invocation is answered with a modal (adapters must not defer first) */
  wantsModal?(inv: Invocation): boolean;
}

const MAX_ID_LENGTH = 100;

/** Builds a button/modal id; refuses ids that a platform would reject. */
export function makeId(command: string, action: string, ...args: Array<string | number>): string {
  for (const a of [command, action, ...args.map(String)]) if (a.includes(':')) throw new Error(`id segment "${a}" contains ":"`);
  const id = [command, action, ...args.map(String)].join(':');
  if (id.length > MAX_ID_LENGTH) throw new Error(`id longer than ${MAX_ID_LENGTH}: ${id}`);
  return id;
}

// Readers of an invocation's options. createBot has checked them against the spec (options.ts), so a value is
// there with its spec's type, range and default, or absent.
export function optString(inv: Invocation, name: string): string | undefined {
  const v = inv.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function optNumber(inv: Invocation, name: string): number | undefined {
  const v = inv.options[name];
  return typeof v === 'number' ? v : undefined;
}

export function optAttachment(inv: Invocation, name: string): Attachment | undefined {
  const v = inv.options[name];
  return v !== null && typeof v === 'object' ? v : undefined;
}

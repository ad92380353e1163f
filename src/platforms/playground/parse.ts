// Typed text in the playground's message box → an Invocation: `/cmd [sub] name: value name2: value2` or free text,
// split by core's one parser (options.ts); what is left here is the playground's own: finding the command by
// its typed name, and turning picture ids (or the staged / latest picture) into attachments. createBot checks
// the values against the spec, as it does for every platform.
import { UserError, type Attachment, type CommandSpec, type Invocation, type OptionValue } from '../../core/platform.js';
import { parseOptionText } from '../../core/options.js';

export interface ParseInput {
  text: string;
  /** resolves an attachment option's value (a picture id in the channel) */
  attachmentById(id: string): Attachment | undefined;
  /** pictures the user staged in the composer, used for attachment options not named in the text */
  staged: Attachment[];
  /** the user's latest picture in the channel, for a required attachment option still empty */
  latest?: Attachment;
}

function slashSpecs(specs: CommandSpec[]): CommandSpec[] {
  return specs.filter((s) => s.kind === 'slash');
}

export function parseCommandText(specs: CommandSpec[], input: ParseInput): Invocation {
  const text = input.text.trim();
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
  if (!match) throw new UserError('Commands start with "/", for example /help.');
  const [, name, rest] = match;
  const spec = slashSpecs(specs).find((s) => s.name === name.toLowerCase());
  if (!spec) {
    const known = slashSpecs(specs)
      .map((s) => `/${s.name}`)
      .join(', ');
    throw new UserError(`There is no command /${name}. Commands: ${known}.`);
  }
  const { subcommand, options: raw } = parseOptionText(spec, rest);
  const optionSpecs = (subcommand ? spec.subcommands?.find((s) => s.name === subcommand)?.options : spec.options) ?? [];
  const options: Record<string, OptionValue> = { ...raw };
  const staged = [...input.staged];
  for (const o of optionSpecs.filter((s) => s.type === 'attachment')) {
    const value = raw[o.name];
    const picked = value !== undefined ? input.attachmentById(value.replace(/^#/, '')) : undefined;
    if (value !== undefined && !picked)
      throw new UserError(`${o.name}: no picture "${value}" in this channel; drop one in or pick one from the list.`);
    const chosen = picked ?? staged.shift() ?? (o.required ? input.latest : undefined);
    if (chosen) options[o.name] = chosen;
    else delete options[o.name];
  }
  return { command: spec.name, subcommand, options };
}

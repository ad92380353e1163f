// A slash command's text → an Invocation. Slack has no typed options: the command's own parseText does the work
// when it has one; otherwise the text is a subcommand name (when the command has subcommands) and the rest the
// first string option.
import type { CommandSpec, Invocation, OptionSpec } from '../../core/platform.js';

function firstStringOption(options: OptionSpec[] | undefined): OptionSpec | undefined {
  return options?.find((o) => o.type === 'string');
}

export function slashInvocation(spec: CommandSpec, rawText: string): Invocation {
  const text = rawText.trim();
  if (spec.parseText) {
    const parsed = spec.parseText(text);
    return { command: spec.name, subcommand: parsed.subcommand, options: { ...parsed.options } };
  }
  let rest = text;
  let subcommand: string | undefined;
  let options = spec.options;
  if (spec.subcommands?.length) {
    const [word = '', ...tail] = text.split(/\s+/);
    const sub = spec.subcommands.find((s) => s.name.toLowerCase() === word.toLowerCase());
    if (sub) {
      subcommand = sub.name;
      options = sub.options;
      rest = tail.join(' ');
    }
  }
  const target = firstStringOption(options);
  return {
    command: spec.name,
    subcommand,
    options: target && rest !== '' ? { [target.name]: rest } : {},
  };
}

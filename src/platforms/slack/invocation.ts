// A slash command's text → an Invocation. Slack has no typed options: the text goes through core's one parser
// (options.ts), and createBot checks the result against the command's spec like any other invocation.
import type { CommandSpec, Invocation } from '../../core/platform.js';
import { parseOptionText } from '../../core/options.js';

export function slashInvocation(spec: CommandSpec, rawText: string): Invocation {
  const parsed = parseOptionText(spec, rawText);
  return { command: spec.name, subcommand: parsed.subcommand, options: { ...parsed.options } };
}

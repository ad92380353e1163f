// /help: what the bot does and every command, generated from the specs so it never goes stale.
import type { Command } from '../src/core/command.js';
import type { CommandSpec } from '../src/core/platform.js';

/** /help's command option offers the commands as choices (a Discord menu, the playground's completion). */
function commandChoices(specs: CommandSpec[]): Array<{ name: string; value: string }> {
  return [
    ...specs.map((s) => ({ name: s.kind === 'message' ? (s.label ?? s.name) : `/${s.name}`, value: s.name })),
    { name: '/help', value: 'help' },
  ];
}

/** others: the specs of every other command, at construction; listSpecs: all of them, when /help runs */
export function helpCommand(listSpecs: () => CommandSpec[], others: CommandSpec[]): Command {
  return {
    spec: {
      name: 'help',
      description: 'What DomainShift does and how to use it',
      kind: 'slash',
      options: [
        { name: 'command', description: 'one command to explain', type: 'string', required: false, choices: commandChoices(others) },
      ],
    },
    async run(ctx, inv, services) {
      const specs = listSpecs().filter((s) => !s.managersOnly || ctx.actor.isManager);
      const wanted = typeof inv.options.command === 'string' ? inv.options.command.replace(/^\//, '').trim().toLowerCase() : '';
      const engine = await services.engineFor(ctx.place.serverId);
      if (wanted) {
        const spec = specs.find((s) => s.name === wanted);
        if (!spec) {
          await ctx.reply({
            text: `There is no command \`${wanted}\`. Commands: ${specs.map((s) => `\`${s.name}\``).join(', ')}`,
            private: true,
          });
          return;
        }
        await ctx.reply({ text: describe(spec, true), private: true });
        return;
      }
      const lines = [
        '**DomainShift** turns a pre-trained StyleGAN2 into new domains on request, with CLIP between words, pictures and the generator.',
        `Model pack: \`${engine.manifest.name}\` (${engine.manifest.method}, ${engine.manifest.resolution} px, on ${engine.provider})${engine.manifest.randomWeights ? ' — a demo pack with random weights: its pictures are abstract' : ''}.`,
        '',
        ...specs.map((s) => describe(s, false)),
        '',
        'Examples: `/adapt prompt: a photo → a pencil sketch`, `/adapt target: a zombie strength: 1.5`, `/edit text: smiling`, `/domains gallery`.',
      ];
      await ctx.reply({ text: lines.join('\n'), private: true });
    },
  };
}

function describe(spec: CommandSpec, detailed: boolean): string {
  const head = spec.kind === 'message' ? `**${spec.label ?? spec.name}** (on a message with a picture)` : `**/${spec.name}**`;
  let line = `${head} — ${spec.description}${spec.managersOnly ? ' (managers)' : ''}`;
  if (!detailed) return line;
  for (const sub of spec.subcommands ?? []) line += `\n• \`${sub.name}\` — ${sub.description}${optionList(sub.options)}`;
  line += optionList(spec.options);
  return line;
}

function optionList(options: CommandSpec['options']): string {
  if (!options?.length) return '';
  return '\n' + options.map((o) => `  \`${o.name}\`${o.required ? '' : ' (optional)'}: ${o.description}`).join('\n');
}

// The Bot the platform adapters drive: routes commands, buttons and modals to their Command, enforces the
// server's allowed channels, and turns every failure into an answer: a UserError as a private reply with
// its own text, anything else logged and answered with "something went wrong (ref …)". Nothing escapes.
import type { Bot, CommandContext, Completion, Invocation, ModalValues } from './platform.js';
import { FieldError, UserError } from './platform.js';
import type { Command } from './command.js';
import type { BotServices } from './services.js';
import { shortId } from './encoding.js';
import { JobFailure, somethingWentWrong, userMessageOf } from './errors.js';
import { validateInvocation } from './options.js';

/** Commands that work in any channel (so a manager can fix a channel list that locked everyone out). */
const ANYWHERE = new Set(['help', 'settings']);

/** `commands` comes from the entry point (commands/index.ts's allCommands()): core knows no command list. */
export function createBot(services: BotServices, commands: Command[]): Bot {
  const byName = new Map(commands.map((c) => [c.spec.name, c]));

  async function guard(ctx: CommandContext, name: string, what: string, fn: (cmd: Command) => Promise<void>): Promise<void> {
    try {
      const cmd = byName.get(name);
      if (!cmd) throw new UserError(`I do not know the command \`${name}\`. Try /help.`);
      if (cmd.spec.managersOnly && !ctx.actor.isManager) throw new UserError(`Only server managers can use /${name}.`);
      if (!ANYWHERE.has(name)) {
        const { allowedChannels } = await services.stores.getSettings(ctx.place.serverId);
        if (allowedChannels.length && !allowedChannels.includes(ctx.place.channelId))
          throw new UserError('I am not enabled in this channel; a manager can change that with /settings.');
      }
      await fn(cmd);
    } catch (e) {
      await answerError(ctx, e, what);
    }
  }

  async function answerError(ctx: CommandContext, e: unknown, what: string): Promise<void> {
    if (e instanceof FieldError && ctx.rejectField && (await ctx.rejectField(e.field, e.message))) return;
    const jobId = e instanceof JobFailure ? e.jobId : undefined;
    let text = userMessageOf(e);
    if (text === undefined) {
      const ref = jobId ? `job ${jobId}` : `ref ${shortId()}`;
      services.log.error(
        `${what} failed (${ref}, ${ctx.place.platform} server ${ctx.place.serverId})`,
        e instanceof JobFailure ? e.cause : e,
      );
      text = somethingWentWrong(ref);
    }
    try {
      await ctx.reply({ text, private: true });
    } catch (replyError) {
      services.log.error(`could not send an error reply for ${what}`, replyError);
    }
  }

  return {
    specs: commands.map((c) => c.spec),
    wantsModal(inv: Invocation) {
      return byName.get(inv.command)?.wantsModal?.(inv) ?? false;
    },
    handleCommand(ctx, inv) {
      // every platform's invocation is checked against its spec here, so commands read checked values only
      return guard(ctx, inv.command, `/${inv.command}`, (cmd) => cmd.run(ctx, validateInvocation(cmd.spec, inv), services));
    },
    handleButton(ctx, buttonId) {
      const [name, ...args] = buttonId.split(':');
      return guard(ctx, name, `button ${buttonId}`, async (cmd) => {
        if (!cmd.onButton) throw new UserError('This button no longer works.');
        await cmd.onButton(ctx, args, services);
      });
    },
    handleModal(ctx, modalId: string, values: ModalValues) {
      const [name, ...args] = modalId.split(':');
      return guard(ctx, name, `form ${modalId}`, async (cmd) => {
        if (!cmd.onModal) throw new UserError('This form no longer works.');
        await cmd.onModal(ctx, args, values, services);
      });
    },
    async complete(place, source, typed) {
      if (source !== 'saved-domain') return [];
      return completeSavedDomains(await services.stores.listSaved(place.serverId), typed);
    },
    watchSavedDomains(listener) {
      services.stores.changes.on('saved', listener);
      return () => services.stores.changes.off('saved', listener);
    },
  };
}

/** Saved domain names matching what was typed: names that start with it first, then names that contain it. */
function completeSavedDomains(saved: Array<{ name: string; prompt: string }>, typed: string, max = 25): Completion[] {
  const q = typed.trim().toLowerCase();
  const starts = saved.filter((d) => d.name.startsWith(q));
  const contains = saved.filter((d) => !d.name.startsWith(q) && (d.name.includes(q) || d.prompt.toLowerCase().includes(q)));
  return [...starts, ...contains].slice(0, max).map((d) => ({ name: `${d.name} — ${d.prompt}`.slice(0, 100), value: d.name }));
}

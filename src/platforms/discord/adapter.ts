// The Discord front end: a discord.js gateway client that turns interactions into Bot calls and never
// holds command logic. Every interaction is acknowledged at once (or answered with a modal), every error
// becomes a message to the user or a log line, and the process stays up.
import { Client, Events, GatewayIntentBits, type Interaction, type RepliableInteraction } from 'discord.js';
import { UserError, type Bot, type CommandContext, type Invocation, type MessageHandle, type PostedMessage } from '../../core/platform.js';
import { somethingWentWrong, userMessageOf } from '../../core/errors.js';
import { defaultAttachmentPolicy, type AttachmentPolicy } from './attachments.js';
import { actorOf, findSpec, messageInvocation, placeOf, slashInvocation } from './invocation.js';
import { consoleLogger, withSecrets, type Logger } from '../../core/log.js';
import { readModalValues } from './modals.js';
import { describe, hideInteractionTokens, InteractionResponder } from './responder.js';
import { reopenMessage } from './reopen.js';

export interface DiscordOptions {
  bot: Bot;
  /** the bot token (from DISCORD_TOKEN); never logged */
  token: string;
  /** REST base, e.g. "http://127.0.0.1:PORT/api" for a local stand-in; Discord's own by default */
  restApi?: string;
  /** hosts (or exact origins) attachments may be downloaded from; Discord's CDN by default */
  cdnHosts?: string[];
  attachments?: Partial<AttachmentPolicy>;
  /** minimum time between two edits of one message */
  editIntervalMs?: number;
  /** discord.js REST retries for 5xx and timeouts (it handles 429s itself, whatever this says) */
  restRetries?: number;
  restTimeoutMs?: number;
  /** a command that wants a modal must open it within this time, or the adapter defers (Discord allows 3 s) */
  modalGraceMs?: number;
  /** a button is acknowledged at its first answer, or after this time if it has none by then */
  buttonGraceMs?: number;
  logger?: Logger;
}

export interface DiscordHandle {
  client: Client;
  /** a message another front end posted, to finish its job (distributed mode) */
  reopen(handle: MessageHandle): PostedMessage;
  /** resolves when every interaction being handled has finished */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDiscord(options: DiscordOptions): Promise<DiscordHandle> {
  const logger = withSecrets(options.logger ?? consoleLogger(), [options.token], hideInteractionTokens);
  const policy: AttachmentPolicy = {
    ...defaultAttachmentPolicy,
    ...options.attachments,
    ...(options.cdnHosts ? { cdnHosts: options.cdnHosts } : {}),
  };
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: {
      ...(options.restApi ? { api: options.restApi } : {}),
      ...(options.restRetries !== undefined ? { retries: options.restRetries } : {}),
      ...(options.restTimeoutMs !== undefined ? { timeout: options.restTimeoutMs } : {}),
    },
  });
  const editIntervalMs = options.editIntervalMs ?? 1500;
  const modalGraceMs = options.modalGraceMs ?? 2000;
  const buttonGraceMs = options.buttonGraceMs ?? 1000;
  const inFlight = new Set<Promise<void>>();

  const contextFor = (interaction: RepliableInteraction, responder: InteractionResponder): CommandContext => ({
    actor: actorOf(interaction),
    place: placeOf(interaction),
    reply: (msg) => responder.reply(msg),
  });

  /** runs a Bot entry point; what it throws reaches the user (an input error in its words, others as the generic line) */
  const run = async (interaction: RepliableInteraction, responder: InteractionResponder, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      const said = userMessageOf(err);
      if (said === undefined) logger.error(`discord: interaction ${interaction.id} failed: ${describe(err)}`, err);
      await responder.reply({ text: said ?? somethingWentWrong(), private: true }).catch((replyErr: unknown) => {
        logger.error(`discord: could not tell the user about a failure: ${describe(replyErr)}`);
      });
    }
  };

  const handleCommand = async (interaction: Interaction) => {
    if (!interaction.isChatInputCommand() && !interaction.isMessageContextMenuCommand()) return;
    const responder = new InteractionResponder(interaction, { client, logger, editIntervalMs });
    const kind = interaction.isChatInputCommand() ? 'slash' : 'message';
    const spec = findSpec(options.bot.specs, interaction.commandName, kind);
    await run(interaction, responder, async () => {
      if (!spec) throw new UserError(`I don't know the command "${interaction.commandName}" any more; it may have been removed.`);
      const inv: Invocation = interaction.isChatInputCommand()
        ? slashInvocation(interaction, spec, policy)
        : messageInvocation(interaction, spec, policy);
      const ctx = contextFor(interaction, responder);
      if (options.bot.wantsModal(inv)) {
        ctx.openModal = (modal) => responder.openModal(modal);
        // the command opens its modal first; if it does not in time, defer so the interaction survives
        responder.deferWithin('reply', modalGraceMs, false);
        try {
          await options.bot.handleCommand(ctx, inv);
        } finally {
          responder.disarm();
        }
        return;
      }
      await responder.defer('reply');
      await options.bot.handleCommand(ctx, inv);
    });
  };

  const handleComponent = async (interaction: Interaction) => {
    if (interaction.isButton()) {
      const responder = new InteractionResponder(interaction, { client, logger, editIntervalMs });
      // a button may answer with a modal ("Save" asks for a name), which must be its first answer: the
      // acknowledgement (deferUpdate) waits for the first other answer, or the grace time at most
      responder.deferWithin('update', buttonGraceMs, true);
      const ctx = contextFor(interaction, responder);
      ctx.source = responder.sourceMessage(interaction.message);
      ctx.openModal = (modal) => responder.openModal(modal);
      try {
        await run(interaction, responder, () => options.bot.handleButton(ctx, interaction.customId));
      } finally {
        // a button that changed nothing still gets its acknowledgement (no-op when already answered)
        await responder.defer('update');
      }
    } else if (interaction.isModalSubmit()) {
      const responder = new InteractionResponder(interaction, { client, logger, editIntervalMs });
      await responder.defer('reply');
      const ctx = contextFor(interaction, responder);
      await run(interaction, responder, async () => {
        const values = readModalValues(interaction, policy);
        await options.bot.handleModal(ctx, interaction.customId, values);
      });
    }
  };

  /** Discord asks for values while an autocomplete option is typed; the bot's completions answer (25 at most) */
  const handleAutocomplete = async (interaction: Interaction) => {
    if (!interaction.isAutocomplete()) return;
    const focused = interaction.options.getFocused(true);
    const spec = findSpec(options.bot.specs, interaction.commandName, 'slash');
    const sub = interaction.options.getSubcommand(false);
    const optionSpecs = sub ? spec?.subcommands?.find((s) => s.name === sub)?.options : spec?.options;
    const source = optionSpecs?.find((o) => o.name === focused.name)?.complete;
    const found = source && options.bot.complete ? await options.bot.complete(placeOf(interaction), source, String(focused.value)) : [];
    await interaction.respond(found.slice(0, 25).map((c) => ({ name: c.name.slice(0, 100), value: c.value })));
  };

  client.on(Events.InteractionCreate, (interaction) => {
    const job = (async () => {
      await handleAutocomplete(interaction);
      await handleCommand(interaction);
      await handleComponent(interaction);
    })()
      .catch((err: unknown) => logger.error(`discord: unhandled failure in interaction ${interaction.id}: ${describe(err)}`))
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  });
  client.on(Events.Error, (err) => logger.error(`discord: client error: ${describe(err)}`));
  client.on(Events.Warn, (message) => logger.info(`warning: discord: ${message}`));
  client.on(Events.ShardDisconnect, (event, shardId) => logger.info(`warning: discord: shard ${shardId} disconnected (${event.code})`));
  client.on(Events.ShardReconnecting, (shardId) => logger.info(`discord: shard ${shardId} reconnecting to the gateway`));
  client.on(Events.ShardResume, (shardId, replayed) => logger.info(`discord: shard ${shardId} resumed (${replayed} events replayed)`));
  client.on(Events.ShardError, (err, shardId) => logger.error(`discord: shard ${shardId} connection error: ${describe(err)}`));

  // a stray rejection anywhere in a job is logged, not fatal
  const onRejection = (reason: unknown) => logger.error(`unhandled rejection: ${describe(reason)}`);
  process.on('unhandledRejection', onRejection);

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(options.token);
    await ready;
  } catch (err) {
    process.off('unhandledRejection', onRejection);
    await client.destroy();
    throw new Error(`Discord login failed: ${describe(err)}`);
  }
  logger.info(`discord: connected as ${client.user?.tag ?? 'unknown'}`);

  return {
    client,
    reopen: (handle) => reopenMessage(client, handle),
    idle: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    stop: async () => {
      process.off('unhandledRejection', onRejection);
      await client.destroy();
    },
  };
}

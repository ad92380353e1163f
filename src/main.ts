// `npm start`: read the configuration, open the model pack and the stores, and start whatever front ends are
// configured: Discord and/or Slack when their tokens are set, the local playground when none is (or with
// PLAYGROUND=1). SIGINT/SIGTERM stop the front ends first, then let running jobs finish and close the stores.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, describeConfig, loadConfig, wantsPlayground, type Config } from './config.js';
import { openServices, type BotServices } from './core/services.js';
import { createBot } from './core/bot.js';
import { allCommands } from '../commands/index.js';
import { consoleLogger, type Logger } from './core/log.js';
import { capJobs } from './core/jobs.js';
import type { Bot } from './core/platform.js';
import { startPlayground } from './platforms/playground/server.js';
import { startHealthServer } from './core/health.js';
import { DEFAULT_BACKOFF, startWithRetry, type RetryingStart } from './retry-start.js';
import { BullMQJobQueue } from './core/queue/bullmq-queue.js';
import { startAdopting } from './core/queue/adopter.js';
import type { MessageHandle, Platform, PostedMessage } from './core/platform.js';
import { finishJob, type FinishSpec } from '../commands/finish.js';

/** how each platform reopens a message from its handle, once that platform is up (distributed delivery) */
type Reopeners = Partial<Record<Platform, (handle: MessageHandle) => PostedMessage>>;

interface Running {
  name: string;
  stop(): Promise<void>;
}

/** The pack in render worker threads: the event loop keeps answering the platforms while jobs render. */
async function openEngine(config: Config, packDir: string) {
  const { ThreadedEngine } = await import('./engine/threads/threaded-engine.js');
  const { provider, threads, spinning, cudaDevice } = config.ort;
  // a front end in distributed mode renders nothing itself: one thread holds the pack for its manifest
  const workers = config.queueUrl ? 1 : config.renderWorkers;
  return ThreadedEngine.open(packDir, { provider, threads: threads || undefined, spinning, cudaDevice, workers });
}

/** Discord and Slack, each started (and retried with backoff when its start fails) on its own. */
function startBots(config: Config, bot: Bot, log: Logger, reopeners: Reopeners): RetryingStart[] {
  const running: RetryingStart[] = [];
  const backoff = {
    firstDelayMs: Number(process.env.PLATFORM_RETRY_FIRST_MS) || DEFAULT_BACKOFF.firstDelayMs,
    maxDelayMs: DEFAULT_BACKOFF.maxDelayMs,
  };
  const discordConfig = config.discord;
  if (discordConfig) {
    running.push(
      startWithRetry(
        'discord',
        async () => {
          // each adapter loads only when configured (discord.js and Bolt are heavy)
          const { startDiscord, registerCommands } = await import('./platforms/discord/index.js');
          const discord = await startDiscord({
            bot,
            token: discordConfig.token,
            ...(discordConfig.apiUrl ? { restApi: discordConfig.apiUrl } : {}),
            attachments: { maxBytes: config.maxAttachmentBytes },
            logger: log,
          });
          // a bulk overwrite of the command list is idempotent, so registering at every start keeps Discord in step;
          // a guild's list changes at once, the global list within the hour (the same call as npm run deploy:commands)
          try {
            const { applicationId, guildId, token, apiUrl } = discordConfig;
            const registered = await registerCommands({ specs: bot.specs, token, applicationId, guildId, api: apiUrl });
            log.info(`discord: ${registered.names.length} commands registered on ${registered.scope}`);
          } catch (e) {
            log.error('discord: registering the commands failed (the bot still answers commands registered before)', e);
          }
          reopeners.discord = discord.reopen;
          return discord;
        },
        log,
        backoff,
      ),
    );
  }
  const slackConfig = config.slack;
  if (slackConfig) {
    running.push(
      startWithRetry(
        'slack',
        async () => {
          const { startSlack } = await import('./platforms/slack/adapter.js');
          const slack = await startSlack({
            bot,
            token: slackConfig.botToken,
            appToken: slackConfig.appToken,
            signingSecret: slackConfig.signingSecret,
            mode: slackConfig.mode,
            apiUrl: slackConfig.apiUrl,
            port: config.port,
            host: config.host,
            logger: log,
          });
          log.info(`slack: running in ${slack.mode} mode${slack.port ? ` on port ${slack.port}` : ''}`);
          reopeners.slack = slack.reopen;
          return slack;
        },
        log,
        backoff,
      ),
    );
  }
  return running;
}

/**
 * Waits for one step of the shutdown, at most `ms`. The timer also keeps the process alive: a step that waits
 * on a promise nothing will settle (a socket already gone) would otherwise let Node exit mid-shutdown.
 */
async function withDeadline(step: Promise<void>, ms: number, what: string, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    const outcome = await Promise.race([step.then(() => 'done' as const), late]);
    if (outcome === 'late') log.error(`${what} took longer than ${ms / 1000} s; going on`);
  } catch (e) {
    log.error(`${what} failed`, e);
  } finally {
    clearTimeout(timer);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  const log = consoleLogger();
  // a library's stray rejection (e.g. a token check it started on its own) must neither stop the bot nor reach
  // stderr through Node's default dump, which prints whole request objects, tokens included
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection (the process keeps running)', reason));
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception; exiting', err);
    process.exit(1);
  });
  for (const line of describeConfig(config)) log.info(line);
  if (wantsPlayground(config) && !isLoopback(config.host)) {
    log.info(`warning: the playground lets anyone act as any user, and it listens on ${config.host}, not only on this machine`);
  }

  let services: BotServices;
  try {
    services = await openServices({
      packDir: config.packDir,
      storeUrl: config.storeUrl,
      limits: {
        maxAttachmentBytes: config.maxAttachmentBytes,
        maxJobsPerUser: config.limits.jobsPerUser,
        maxJobsPerServer: config.limits.jobsPerServer,
      },
      log,
      concurrency: config.renderWorkers,
      openEngine: (dir) => openEngine(config, dir),
      pictureCacheBytes: config.pictureCacheBytes,
    });
  } catch (e) {
    log.error(`could not open the model pack at ${config.packDir} or the store; check PACK_DIR and STORE_URL`, e);
    process.exit(1);
  }
  let queue: BullMQJobQueue | undefined;
  if (config.queueUrl) {
    try {
      queue = await BullMQJobQueue.open({
        url: config.queueUrl,
        engines: services.engines,
        log,
        leaseMs: Number(process.env.FRONTEND_LEASE_MS) || undefined,
      });
      log.info(`front end ${queue.ledger.frontEnd}: render jobs go to the queue; start render workers with \`npx domainshift worker\``);
    } catch (e) {
      log.error('could not reach the job queue at QUEUE_URL', e);
      process.exit(1);
    }
  }
  const capped = { ...services, jobs: capJobs(queue ?? services.jobs, config.limits) };
  const bot = createBot(capped, allCommands());
  const reopeners: Reopeners = {};
  // results of front ends that died are delivered by the ones alive (core/queue/adopter.ts)
  const adopting =
    queue &&
    startAdopting(
      queue,
      {
        reopen: (handle) => reopeners[handle.platform]?.(handle),
        finish: async (delivery, outcome) => void (await finishJob(capped, delivery.finish as FinishSpec, delivery, outcome)),
      },
      log,
      Number(process.env.ADOPT_EVERY_MS) || undefined,
    );

  const running: Running[] = [];
  let stoppingSince = 0;
  const shutdown = async (signal: string, code = 0) => {
    if (stoppingSince) {
      // Ctrl-C or a group kill reaches node both directly and relayed by npm/tsx: the same signal twice at once
      if (Date.now() - stoppingSince < 2000) return;
      log.info(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info(`${signal}: stopping`);
    // tsx relays the signal and force-kills a child that does not acknowledge the relayed copy within 30 ms:
    // keep the event loop free for a moment before the (partly synchronous) closing work starts
    await new Promise((resolve) => setTimeout(resolve, 200));
    // front ends first, so no new work arrives; then the queue drains and the stores close
    for (const r of running.reverse()) {
      await withDeadline(r.stop(), 10_000, `stopping ${r.name}`, log);
    }
    if (adopting) await withDeadline(adopting.stop(), 10_000, 'delivering adopted jobs', log);
    await withDeadline(capped.close(), 60_000, 'finishing running jobs and closing the stores', log);
    if (queue) await withDeadline(queue.close(), 5_000, 'closing the job queue', log);
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    if (config.healthPort) {
      const health = await startHealthServer({
        port: config.healthPort,
        host: config.host,
        status: () => ({
          ok: true,
          mode: queue ? 'front end' : 'single process',
          // a platform whose start keeps failing is "retrying": the process still serves the others
          running: running.map((r) => ('isUp' in r && !(r as RetryingStart).isUp ? `${r.name} (retrying)` : r.name)),
          waitingOnJobs: queue?.waitingOn,
        }),
      });
      running.push({ name: 'health', stop: () => health.close() });
      log.info(`health: ${health.url}`);
    }
    const bots = startBots(config, bot, log, reopeners);
    running.push(...bots);
    // the playground comes up after each platform's first try (up or failed), never after its retries
    await Promise.all(bots.map((b) => b.firstAttempt));
    if (wantsPlayground(config)) {
      const playground = await startPlayground({
        bot,
        port: config.playgroundPort,
        host: config.host,
        maxAttachmentBytes: config.maxAttachmentBytes,
        archive: config.playgroundArchive,
        log,
        inbox: queue?.mailbox && ((serverId, channelId) => queue.mailbox.take(serverId, channelId)),
      });
      if (queue) reopeners.playground = (handle) => queue.mailbox.reopen(handle);
      running.push({ name: 'playground', stop: () => playground.close() });
      // the one line people (and the start-up test) look for
      console.log(`DomainShift playground: ${playground.url}`);
    }
  } catch (e) {
    log.error('start-up failed', e);
    await shutdown('start-up failure', 1);
  }
}

// run when started (npm start, tsx src/main.ts), not when a test imports capJobs
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();

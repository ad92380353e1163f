// The Slack app: Bolt in Socket Mode (one workspace, SLACK_APP_TOKEN, no public URL) or over HTTP with the signing
// secret (request URLs, /slack/events), translating events for a platform-neutral Bot (./events.ts).
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Bot, MessageHandle, PostedMessage } from '../../core/platform.js';
import { ActorDirectory } from './actors.js';
import { registerEvents } from './events.js';
import { consoleLogger, withSecrets, type Logger } from '../../core/log.js';
import { DEFAULT_FILE_HOSTS } from './files.js';
import { SlackPostedMessage, ThrottleRegistry } from './messages.js';

export interface SlackOptions {
  bot: Bot;
  /** bot token, xoxb-… */
  token: string;
  /** HTTP mode: Slack signs every request with it */
  signingSecret?: string;
  /** Socket Mode: app-level token with connections:write, xapp-… */
  appToken?: string;
  /** default: socket when an app token is given, else http */
  mode?: 'socket' | 'http';
  /** HTTP mode: port to listen on (default 3000; 0 picks a free one) */
  port?: number;
  /** HTTP mode: interface to listen on (default all) */
  host?: string;
  /** Web API base URL (default Slack's); tests point it at a local server */
  apiUrl?: string;
  /** hosts user files may be fetched from (default files.slack.com); see files.ts */
  fileHosts?: string[];
  /** least time between two chat.update calls on one message (default 1000 ms) */
  editIntervalMs?: number;
  /** retries of a failed Web API call (default 2; Slack's client would otherwise retry for half an hour) */
  apiRetries?: number;
  logger?: Logger;
}

export interface SlackApp {
  readonly mode: 'socket' | 'http';
  /** HTTP mode: the port the receiver listens on */
  readonly port?: number;
  readonly client: WebClient;
  /** a message another front end posted (channel + ts), to finish its job (distributed mode) */
  reopen(handle: MessageHandle): PostedMessage;
  /** resolves when every event handled so far has finished (tests, graceful shutdown) */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Bolt's logger interface over ours; Bolt's debug output (request dumps) is dropped. */
function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: () => {},
    info: (...msg: unknown[]) => logger.info(`slack: ${msg.map(String).join(' ')}`),
    warn: (...msg: unknown[]) => logger.info(`slack (warning): ${msg.map(String).join(' ')}`),
    error: (...msg: unknown[]) => logger.error(`slack: ${msg.map(String).join(' ')}`),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export async function startSlack(opts: SlackOptions): Promise<SlackApp> {
  const mode = opts.mode ?? (opts.appToken ? 'socket' : 'http');
  if (!opts.token) throw new Error('Slack needs a bot token (SLACK_BOT_TOKEN, xoxb-…)');
  if (mode === 'socket' && !opts.appToken) throw new Error('Slack Socket Mode needs an app-level token (SLACK_APP_TOKEN, xapp-…)');
  if (mode === 'http' && !opts.signingSecret) throw new Error('Slack over HTTP needs the signing secret (SLACK_SIGNING_SECRET)');

  const logger = withSecrets(opts.logger ?? consoleLogger(), [opts.token, opts.appToken ?? '', opts.signingSecret ?? '']);
  const clientOptions = {
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
    retryConfig: { retries: opts.apiRetries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 5000 },
  };
  const app =
    mode === 'socket'
      ? new App({ token: opts.token, appToken: opts.appToken, socketMode: true, clientOptions, logger: boltLogger(logger) })
      : new App({
          token: opts.token,
          signingSecret: opts.signingSecret,
          clientOptions,
          logger: boltLogger(logger),
          // for load balancers and orchestrators in front of the request URL
          customRoutes: [
            {
              path: '/healthz',
              method: ['GET'],
              handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
            },
          ],
        });
  app.error(async (err) => logger.error('slack: Bolt reported an error', err));

  const inFlight = new Set<Promise<void>>();
  const throttles = new ThrottleRegistry(opts.editIntervalMs ?? 1000, (err) => logger.error('slack: editing a message failed', err));
  registerEvents(app, {
    bot: opts.bot,
    client: app.client,
    actors: new ActorDirectory(app.client, undefined, (err) => logger.error('slack: users.info failed', err)),
    throttles,
    files: { botToken: opts.token, fileHosts: opts.fileHosts ?? DEFAULT_FILE_HOSTS },
    logger,
    track: (work) => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
  });

  let port: number | undefined;
  try {
    if (mode === 'socket') {
      await app.start();
    } else {
      const server = await app.start({ port: opts.port ?? 3000, ...(opts.host ? { host: opts.host } : {}) });
      port = (server.address() as AddressInfo).port;
    }
  } catch (e) {
    // a half-started app (a socket, a listening port) must not linger under the retry that follows
    await app.stop().catch(() => undefined);
    throw e;
  }
  logger.info(`slack: listening in ${mode === 'socket' ? 'Socket Mode' : `HTTP mode on port ${port}`}`);

  const idle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  return {
    mode,
    port,
    client: app.client,
    reopen: (h) => new SlackPostedMessage(app.client, { channel: h.channel, ts: h.ts, threadTs: h.threadTs }, throttles),
    idle,
    stop: async () => {
      await app.stop();
    },
  };
}

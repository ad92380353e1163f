// Configuration from the environment (and a `.env` file beside the process), checked once at start.
// Every mistake gets its own sentence, so a person fixing a deployment sees all of them at once.
// docs/configuration.md documents each variable; keep the two in step.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/**
 * A rejected value as it may appear in an error: quoted when short and plain, withheld when it looks like a
 * token or key (a secret pasted into the wrong variable must not reach the console or a log).
 */
function shownValue(s: string): string {
  const secretShaped =
    /^(xox[a-z]|xapp)-/i.test(s) ||
    /^[\w-]{20,}\.[\w-]{5,}\.[\w-]{20,}$/.test(s) ||
    (s.length > 24 && !/\s/.test(s) && !/^[a-z]+:\/\//i.test(s));
  return secretShaped ? `a ${s.length}-character value that looks like a secret, not shown` : `"${s}"`;
}

function integer(name: string, min: number, max: number, fallback: number) {
  const message = `${name} must be a whole number between ${min} and ${max}`;
  return z
    .string()
    .trim()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return fallback;
      if (!/^\d+$/.test(s)) {
        ctx.addIssue({ code: 'custom', message: `${message} (got ${shownValue(s)})` });
        return z.NEVER;
      }
      const n = Number(s);
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${message} (got ${s})` });
        return z.NEVER;
      }
      return n;
    });
}

function flag(name: string) {
  return z
    .string()
    .trim()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return false;
      const v = s.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be 1 or 0 (also true/false, yes/no, on/off), got ${shownValue(s)}` });
      return z.NEVER;
    });
}

function oneOf<T extends string>(name: string, values: readonly T[], fallback: T) {
  return z
    .string()
    .trim()
    .optional()
    .transform((s, ctx): T => {
      if (s === undefined || s === '') return fallback;
      const v = s.toLowerCase() as T;
      if (values.includes(v)) return v;
      ctx.addIssue({ code: 'custom', message: `${name} must be one of ${values.join(', ')} (got ${shownValue(s)})` });
      return z.NEVER;
    });
}

/** an optional http(s) base URL (API stand-ins and proxies) */
function httpUrl(name: string, example: string, trailingSlash: boolean) {
  return z
    .string()
    .trim()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(s)) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an http(s) URL such as ${example} (got ${shownValue(s)})` });
        return z.NEVER;
      }
      const bare = s.replace(/\/+$/, '');
      return trailingSlash ? `${bare}/` : bare;
    });
}

const storeUrl = z
  .string()
  .trim()
  .optional()
  .transform((s, ctx) => {
    const v = s || 'sqlite://data/domainshift.sqlite';
    if (!/^(sqlite|redis|rediss):\/\/.+/.test(v)) {
      ctx.addIssue({
        code: 'custom',
        message: `STORE_URL must start with sqlite:// or redis:// (got "${redactUrl(v)}")`,
      });
      return z.NEVER;
    }
    return v;
  });

const queueUrl = z
  .string()
  .trim()
  .optional()
  .transform((s, ctx) => {
    if (!s) return undefined;
    if (!/^rediss?:\/\/.+/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `QUEUE_URL must start with redis:// or rediss:// (got "${redactUrl(s)}")` });
      return z.NEVER;
    }
    return s;
  });

const envSchema = z.object({
  PORT: integer('PORT', 1, 65535, 3000),
  PLAYGROUND_PORT: integer('PLAYGROUND_PORT', 0, 65535, 0),
  HOST: z
    .string()
    .trim()
    .optional()
    .transform((s) => s || '127.0.0.1'),
  PACK_DIR: z
    .string()
    .trim()
    .optional()
    .transform((s) => s || 'models/demo'),
  STORE_URL: storeUrl,
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText,
  DISCORD_GUILD_ID: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_MODE: oneOf('SLACK_MODE', ['socket', 'http'] as const, 'socket'),
  SLACK_API_URL: httpUrl('SLACK_API_URL', 'https://slack.com/api/', true),
  DISCORD_API_URL: httpUrl('DISCORD_API_URL', 'https://discord.com/api', false),
  PLAYGROUND: flag('PLAYGROUND'),
  PLAYGROUND_ARCHIVE: optionalText,
  ORT_PROVIDER: oneOf('ORT_PROVIDER', ['auto', 'cpu', 'cuda'] as const, 'auto'),
  ORT_THREADS: integer('ORT_THREADS', 0, 256, 0),
  ORT_SPIN: oneOf('ORT_SPIN', ['auto', 'on', 'off'] as const, 'auto'),
  ORT_CUDA_DEVICE: integer('ORT_CUDA_DEVICE', 0, 63, 0),
  PICTURE_CACHE_MB: integer('PICTURE_CACHE_MB', 0, 65536, 64),
  RENDER_WORKERS: integer('RENDER_WORKERS', 1, 64, 1),
  QUEUE_URL: queueUrl,
  HEALTH_PORT: integer('HEALTH_PORT', 0, 65535, 0),
  MAX_ATTACHMENT_MB: integer('MAX_ATTACHMENT_MB', 1, 100, 8),
  MAX_JOBS_PER_USER: integer('MAX_JOBS_PER_USER', 1, 100, 2),
  MAX_JOBS_PER_SERVER: integer('MAX_JOBS_PER_SERVER', 1, 1000, 8),
});

/**
 * Settings that only make sense together. They are checked on the raw text, beside the per-variable checks,
 * so that a typo in PORT does not hide a missing signing secret: every mistake is reported at once.
 */
function pairingProblems(raw: Record<string, string | undefined>): string[] {
  const v = (name: string) => raw[name]?.trim() || undefined;
  const slackMode = (v('SLACK_MODE') ?? 'socket').toLowerCase();
  const problems: string[] = [];
  if (v('DISCORD_TOKEN') && !v('DISCORD_APPLICATION_ID')) {
    problems.push('DISCORD_APPLICATION_ID is needed with DISCORD_TOKEN (the application id from the Developer Portal)');
  }
  if (!v('DISCORD_TOKEN') && (v('DISCORD_APPLICATION_ID') || v('DISCORD_GUILD_ID'))) {
    problems.push('DISCORD_TOKEN is missing: DISCORD_APPLICATION_ID or DISCORD_GUILD_ID is set without it');
  }
  if ((v('SLACK_APP_TOKEN') || v('SLACK_SIGNING_SECRET')) && !v('SLACK_BOT_TOKEN')) {
    problems.push('SLACK_BOT_TOKEN (xoxb-…) is needed when any other SLACK_ variable is set');
  }
  if (v('SLACK_BOT_TOKEN') && slackMode === 'socket' && !v('SLACK_APP_TOKEN')) {
    problems.push('SLACK_APP_TOKEN (xapp-…) is needed with SLACK_MODE=socket; or set SLACK_MODE=http with SLACK_SIGNING_SECRET');
  }
  if (v('SLACK_BOT_TOKEN') && slackMode === 'http') {
    const port = v('PORT') ?? '3000';
    if (v('PLAYGROUND_PORT') === port) {
      problems.push(`PLAYGROUND_PORT must differ from PORT (${port}) while Slack's HTTP receiver listens on PORT`);
    }
    if (!v('SLACK_SIGNING_SECRET'))
      problems.push('SLACK_SIGNING_SECRET is needed with SLACK_MODE=http (Slack signs every request with it)');
  }
  return problems;
}

type Env = z.output<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  /** the playground's port: PORT, unless Slack's HTTP receiver takes PORT (then PLAYGROUND_PORT, default PORT+1) */
  playgroundPort: number;
  packDir: string;
  storeUrl: string;
  discord?: { token: string; applicationId: string; guildId?: string; apiUrl?: string };
  slack?: { botToken: string; appToken?: string; signingSecret?: string; mode: 'socket' | 'http'; apiUrl?: string };
  /** start the playground even when a bot is configured */
  playground: boolean;
  /** the SQLite file that keeps the playground channel across restarts; undefined: kept in memory only */
  playgroundArchive?: string;
  /** threads 0: ONNX Runtime's choice (one per core); spinning undefined: the engine's default (session.ts DEFAULT_SPINNING) */
  ort: { provider: 'auto' | 'cpu' | 'cuda'; threads: number; spinning?: boolean; cudaDevice: number };
  /** bytes of rendered before-rows kept in memory (0: none) */
  pictureCacheBytes: number;
  /** render worker threads in this process (single-process mode; a `domainshift worker` runs this many jobs) */
  renderWorkers: number;
  /** redis://… : this process is a front end that enqueues on BullMQ, render workers run elsewhere */
  queueUrl?: string;
  /** a health endpoint of its own (0: none; the playground serves /healthz on its port anyway) */
  healthPort: number;
  maxAttachmentBytes: number;
  limits: { jobsPerUser: number; jobsPerServer: number };
}

/** Raised with every mistake in the configuration; `problems` holds one sentence each. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Checks an environment (process.env by default) and returns the typed configuration, or throws ConfigError. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((i) => i.message)), ...pairingProblems(env)];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

function toConfig(e: Env): Config {
  return {
    port: e.PORT,
    host: e.HOST,
    playgroundPort:
      e.PLAYGROUND_PORT || (e.SLACK_BOT_TOKEN && e.SLACK_MODE === 'http' ? (e.PORT === 65535 ? e.PORT - 1 : e.PORT + 1) : e.PORT),
    packDir: e.PACK_DIR,
    storeUrl: e.STORE_URL,
    discord: e.DISCORD_TOKEN
      ? { token: e.DISCORD_TOKEN, applicationId: e.DISCORD_APPLICATION_ID!, guildId: e.DISCORD_GUILD_ID, apiUrl: e.DISCORD_API_URL }
      : undefined,
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          appToken: e.SLACK_APP_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          mode: e.SLACK_MODE,
          apiUrl: e.SLACK_API_URL,
        }
      : undefined,
    playground: e.PLAYGROUND,
    playgroundArchive: archivePath(e.PLAYGROUND_ARCHIVE, e.STORE_URL),
    ort: {
      provider: e.ORT_PROVIDER,
      threads: e.ORT_THREADS,
      spinning: e.ORT_SPIN === 'auto' ? undefined : e.ORT_SPIN === 'on',
      cudaDevice: e.ORT_CUDA_DEVICE,
    },
    pictureCacheBytes: e.PICTURE_CACHE_MB * 1024 * 1024,
    renderWorkers: e.RENDER_WORKERS,
    queueUrl: e.QUEUE_URL,
    healthPort: e.HEALTH_PORT,
    maxAttachmentBytes: e.MAX_ATTACHMENT_MB * 1024 * 1024,
    limits: { jobsPerUser: e.MAX_JOBS_PER_USER, jobsPerServer: e.MAX_JOBS_PER_SERVER },
  };
}

/**
 * The environment merged with a `.env` file (variables already in the environment win, as dotenv does),
 * without touching process.env.
 */
export function readEnvironment(
  env: Record<string, string | undefined> = process.env,
  dotenvPath = resolve(process.cwd(), '.env'),
): Record<string, string | undefined> {
  if (!existsSync(dotenvPath)) return { ...env };
  const fromFile = parseDotenv(readFileSync(dotenvPath));
  return { ...fromFile, ...env };
}

export function loadConfig(): Config {
  return parseConfig(readEnvironment());
}

function redactUrl(url: string): string {
  // user:password@ in a store URL is a secret too
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

function redactSecret(s: string | undefined): string {
  return s ? `set (${s.length} characters)` : 'not set';
}

/** One line per setting for the start-up log; tokens and passwords never appear, only whether they are set. */
export function describeConfig(c: Config): string[] {
  const lines = [
    `listen: ${c.host}, port ${c.port}${c.playgroundPort !== c.port ? ` (playground ${c.playgroundPort})` : ''}`,
    `pack: ${c.packDir}`,
    `store: ${redactUrl(c.storeUrl)}`,
    `onnxruntime: provider ${c.ort.provider}, threads ${c.ort.threads === 0 ? 'auto' : c.ort.threads}, spinning ${c.ort.spinning === undefined ? 'auto' : c.ort.spinning ? 'on' : 'off'}` +
      (c.ort.provider === 'cpu' ? '' : `, CUDA device ${c.ort.cudaDevice}`),
    `picture cache: ${c.pictureCacheBytes / (1024 * 1024)} MB`,
    `render: ${c.queueUrl ? `front end, jobs queued on ${redactUrl(c.queueUrl)}` : `${c.renderWorkers} worker thread(s) in this process`}`,
    `attachments: at most ${c.maxAttachmentBytes / (1024 * 1024)} MB`,
    `jobs: at most ${c.limits.jobsPerUser} per user, ${c.limits.jobsPerServer} per server`,
  ];
  if (c.discord) {
    lines.push(
      `discord: token ${redactSecret(c.discord.token)}, application ${c.discord.applicationId}` +
        (c.discord.guildId ? `, guild ${c.discord.guildId}` : ', global commands') +
        (c.discord.apiUrl ? `, API ${redactUrl(c.discord.apiUrl)}` : ''),
    );
  } else lines.push('discord: off (no DISCORD_TOKEN)');
  if (c.slack) {
    lines.push(
      `slack: ${c.slack.mode} mode, bot token ${redactSecret(c.slack.botToken)}, app token ${redactSecret(c.slack.appToken)}, signing secret ${redactSecret(c.slack.signingSecret)}` +
        (c.slack.apiUrl ? `, Web API ${redactUrl(c.slack.apiUrl)}` : ''),
    );
  } else lines.push('slack: off (no SLACK_BOT_TOKEN)');
  lines.push(
    `playground: ${wantsPlayground(c) ? `on, channel ${c.playgroundArchive ? `kept in ${c.playgroundArchive}` : 'in memory'}` : 'off'}`,
  );
  return lines;
}

/** PLAYGROUND_ARCHIVE: a file, or off; unset: beside a SQLite store (a Redis store keeps no files, nor does this) */
function archivePath(value: string | undefined, storeUrl: string): string | undefined {
  if (value) return /^(off|0|false|no)$/i.test(value) ? undefined : value;
  const sqlite = /^sqlite:\/\/(.+)$/.exec(storeUrl);
  return sqlite ? join(dirname(sqlite[1]), 'playground.sqlite') : undefined;
}

/** The playground runs when no bot is configured, or beside them with PLAYGROUND=1. */
export function wantsPlayground(c: Config): boolean {
  return c.playground || (!c.discord && !c.slack);
}

// Configuration: defaults, one clear sentence per mistake, .env merging, and a start-up summary without secrets.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeConfig, parseConfig, readEnvironment, wantsPlayground } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('keeps the playground channel beside a SQLite store unless PLAYGROUND_ARCHIVE says otherwise', () => {
    expect(parseConfig({}).playgroundArchive).toBe(join('data', 'playground.sqlite'));
    expect(parseConfig({ STORE_URL: 'sqlite:///var/lib/ds/store.sqlite' }).playgroundArchive).toBe('/var/lib/ds/playground.sqlite');
    expect(parseConfig({ STORE_URL: 'redis://localhost:6379' }).playgroundArchive).toBeUndefined();
    expect(parseConfig({ PLAYGROUND_ARCHIVE: '/tmp/chan.sqlite' }).playgroundArchive).toBe('/tmp/chan.sqlite');
    expect(parseConfig({ PLAYGROUND_ARCHIVE: 'off' }).playgroundArchive).toBeUndefined();
  });

  it('has working defaults: the playground alone on 127.0.0.1:3000 with the demo pack', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      port: 3000,
      playgroundPort: 3000,
      host: '127.0.0.1',
      packDir: 'models/demo',
      storeUrl: 'sqlite://data/domainshift.sqlite',
      ort: { provider: 'auto', threads: 0 },
      maxAttachmentBytes: 8 * 1024 * 1024,
    });
    expect(c.discord).toBeUndefined();
    expect(c.slack).toBeUndefined();
    expect(wantsPlayground(c)).toBe(true);
  });

  it('takes the ONNX Runtime thread policy per deployment, and says what is wrong with it', () => {
    const c = parseConfig({ ORT_THREADS: '1', ORT_SPIN: 'OFF', ORT_CUDA_DEVICE: '2', PICTURE_CACHE_MB: '0' });
    expect(c.ort).toEqual({ provider: 'auto', threads: 1, spinning: false, cudaDevice: 2 });
    expect(c.pictureCacheBytes).toBe(0);
    expect(parseConfig({ ORT_SPIN: 'on' }).ort.spinning).toBe(true);
    expect(parseConfig({}).ort.spinning).toBeUndefined(); // ONNX Runtime's own default
    expect(parseConfig({}).pictureCacheBytes).toBe(64 * 1024 * 1024);
    expect(problems({ ORT_SPIN: 'sometimes', ORT_THREADS: '-1', ORT_CUDA_DEVICE: 'gpu0' })).toEqual([
      'ORT_THREADS must be a whole number between 0 and 256 (got "-1")',
      'ORT_SPIN must be one of auto, on, off (got "sometimes")',
      'ORT_CUDA_DEVICE must be a whole number between 0 and 63 (got "gpu0")',
    ]);
    expect(describeConfig(parseConfig({ ORT_THREADS: '2', ORT_SPIN: 'off', ORT_PROVIDER: 'cpu' }))).toContain(
      'onnxruntime: provider cpu, threads 2, spinning off',
    );
  });

  it('never echoes a token pasted into the wrong variable', () => {
    const slack = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
    const discord = 'MTAwMDAwMDAwMDAwMDAwMDAy.GhIjKl.abcdefghijklmnopqrstuvwxyz012345';
    const said = [...problems({ PORT: slack }), ...problems({ SLACK_MODE: discord }), ...problems({ PLAYGROUND: slack })];
    expect(said).toEqual([
      `PORT must be a whole number between 1 and 65535 (got a ${slack.length}-character value that looks like a secret, not shown)`,
      `SLACK_MODE must be one of socket, http (got a ${discord.length}-character value that looks like a secret, not shown)`,
      `PLAYGROUND must be 1 or 0 (also true/false, yes/no, on/off), got a ${slack.length}-character value that looks like a secret, not shown`,
    ]);
    expect(said.join('\n')).not.toMatch(/xoxb|MTAw/);
  });

  it('says what is wrong with PORT', () => {
    expect(problems({ PORT: 'abc' })).toEqual(['PORT must be a whole number between 1 and 65535 (got "abc")']);
    expect(problems({ PORT: '70000' })).toEqual(['PORT must be a whole number between 1 and 65535 (got 70000)']);
    expect(problems({ PORT: '0' })).toEqual(['PORT must be a whole number between 1 and 65535 (got 0)']);
    expect(parseConfig({ PORT: ' 8080 ' }).port).toBe(8080);
  });

  it('needs a signing secret for Slack in HTTP mode, and an app token in socket mode', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_MODE: 'http' })).toEqual([
      'SLACK_SIGNING_SECRET is needed with SLACK_MODE=http (Slack signs every request with it)',
    ]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1' })[0]).toMatch(/^SLACK_APP_TOKEN \(xapp-…\) is needed with SLACK_MODE=socket/);
    const c = parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_MODE: 'HTTP', SLACK_SIGNING_SECRET: 'shh', PORT: '4000' });
    expect(c.slack).toEqual({ botToken: 'xoxb-1', appToken: undefined, signingSecret: 'shh', mode: 'http' });
    // Slack's receiver takes PORT, so a playground beside it moves one up
    expect(c.playgroundPort).toBe(4001);
    expect(wantsPlayground(c)).toBe(false);
  });

  it('lists every mistake at once, one sentence each', () => {
    const p = problems({
      PORT: '-1',
      SLACK_MODE: 'websocket',
      ORT_PROVIDER: 'tpu',
      PLAYGROUND: 'maybe',
      MAX_ATTACHMENT_MB: '0',
      STORE_URL: 'mysql://u:pw@db/x',
      DISCORD_TOKEN: 'abc',
    });
    expect(p).toEqual([
      'PORT must be a whole number between 1 and 65535 (got "-1")',
      'STORE_URL must start with sqlite:// or redis:// (got "mysql://***@db/x")',
      'SLACK_MODE must be one of socket, http (got "websocket")',
      'PLAYGROUND must be 1 or 0 (also true/false, yes/no, on/off), got "maybe"',
      'ORT_PROVIDER must be one of auto, cpu, cuda (got "tpu")',
      'MAX_ATTACHMENT_MB must be a whole number between 1 and 100 (got 0)',
      'DISCORD_APPLICATION_ID is needed with DISCORD_TOKEN (the application id from the Developer Portal)',
    ]);
    // a bad PORT does not hide a missing signing secret
    expect(problems({ PORT: 'abc', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_MODE: 'http' })).toEqual([
      'PORT must be a whole number between 1 and 65535 (got "abc")',
      'SLACK_SIGNING_SECRET is needed with SLACK_MODE=http (Slack signs every request with it)',
    ]);
    expect(
      problems({ PORT: '4000', PLAYGROUND_PORT: '4000', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_MODE: 'http', SLACK_SIGNING_SECRET: 's' }),
    ).toEqual(["PLAYGROUND_PORT must differ from PORT (4000) while Slack's HTTP receiver listens on PORT"]);
    expect(problems({ SLACK_API_URL: 'slack.com/api', DISCORD_API_URL: 'ftp://x' })).toEqual([
      'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ (got "slack.com/api")',
      'DISCORD_API_URL must be an http(s) URL such as https://discord.com/api (got "ftp://x")',
    ]);
    expect(problems({ DISCORD_TOKEN: 'abc' })).toEqual([
      'DISCORD_APPLICATION_ID is needed with DISCORD_TOKEN (the application id from the Developer Portal)',
    ]);
    const err = (() => {
      try {
        parseConfig({ PORT: 'x' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBe('Configuration problems:\n  - PORT must be a whole number between 1 and 65535 (got "x")');
  });

  it('starts bots with their tokens, and the playground beside them only with PLAYGROUND=1', () => {
    const env = { DISCORD_TOKEN: 'discord-secret-token-123', DISCORD_APPLICATION_ID: '42', DISCORD_GUILD_ID: '7' };
    expect(wantsPlayground(parseConfig(env))).toBe(false);
    const c = parseConfig({ ...env, PLAYGROUND: 'yes' });
    expect(wantsPlayground(c)).toBe(true);
    expect(c.discord).toEqual({ token: 'discord-secret-token-123', applicationId: '42', guildId: '7' });
  });

  it('never prints a secret in the start-up summary', () => {
    const secrets = {
      DISCORD_TOKEN: 'discord-secret-token-123',
      DISCORD_APPLICATION_ID: '42',
      SLACK_BOT_TOKEN: 'xoxb-secret-bot-456',
      SLACK_APP_TOKEN: 'xapp-secret-app-789',
      SLACK_SIGNING_SECRET: 'signing-secret-abc',
      STORE_URL: 'redis://admin:hunter2pass@cache:6379',
    };
    const lines = describeConfig(parseConfig(secrets)).join('\n');
    for (const s of ['discord-secret-token-123', 'xoxb-secret-bot-456', 'xapp-secret-app-789', 'signing-secret-abc', 'hunter2pass']) {
      expect(lines).not.toContain(s);
    }
    expect(lines).toContain('discord: token set (24 characters), application 42, global commands');
    expect(lines).toContain('store: redis://***@cache:6379');
    expect(lines).toContain('slack: socket mode, bot token set (19 characters)');
  });

  it('reads a .env file; the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=4321\nPACK_DIR=models/other\n# a comment\nORT_THREADS=2\n');
    const merged = readEnvironment({ PORT: '5555' }, file);
    const c = parseConfig(merged);
    expect([c.port, c.packDir, c.ort.threads]).toEqual([5555, 'models/other', 2]);
    expect(readEnvironment({ A: '1' }, join(dir, 'missing.env'))).toEqual({ A: '1' });
  });
});

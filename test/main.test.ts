// `npm start` as a person runs it: a PORT, a fresh data folder; the page must be served within 60 s, and SIGTERM
// must stop it cleanly. The demo pack is used when it is there (models/demo), else the tiny fixture.
// With Slack configured (HTTP mode, its Web API played by a loopback server), the bot starts on PORT and the
// playground beside it only with PLAYGROUND=1; no token reaches the output.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { APP_ID, FakeDiscord, GUILD_ID } from './platforms/discord/fake-discord.js';
import { freePort, freePortPair } from '../scripts/processes.js';

const root = resolve(import.meta.dirname, '..');
const packDir = existsSync(join(root, 'models/demo/pack.json')) ? 'models/demo' : 'test/fixtures/packs/tiny';
const dataDir = mkdtempSync(join(tmpdir(), 'domainshift-start-'));
const children: ChildProcess[] = [];
const servers: Server[] = [];

afterAll(() => {
  for (const child of children) {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const s of servers) s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const noBots = {
  DISCORD_TOKEN: '',
  DISCORD_API_URL: '',
  DISCORD_APPLICATION_ID: '',
  DISCORD_GUILD_ID: '',
  SLACK_BOT_TOKEN: '',
  SLACK_APP_TOKEN: '',
  SLACK_SIGNING_SECRET: '',
  SLACK_MODE: '',
  SLACK_API_URL: '',
  PLAYGROUND: '',
  PLAYGROUND_PORT: '',
};

/** npm start in its own process group, so that SIGTERM reaches npm, tsx and node as a terminal's Ctrl-C would */
function npmStart(env: Record<string, string>) {
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: {
      ...process.env,
      ...noBots,
      PACK_DIR: packDir,
      STORE_URL: `sqlite://${join(dataDir, `${children.length}.sqlite`)}`,
      ORT_THREADS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const closed = new Promise<void>((res) => child.stdout!.on('close', () => res()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    exited,
    output: () => out,
    /** waits for the playground line and a page at that URL */
    async page(url: string, withinMs: number): Promise<string> {
      const started = Date.now();
      while (Date.now() - started < withinMs && child.exitCode === null) {
        if (out.includes(`DomainShift playground: ${url}`)) {
          const res = await fetch(url).catch(() => undefined);
          if (res?.ok) return res.text();
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return '';
    },
    async stop(): Promise<void> {
      process.kill(-child.pid!, 'SIGTERM');
      await closed; // every process holding the output pipe is gone
    },
  };
}

describe('npm start', () => {
  it(`serves the playground within 60 s with ${packDir}, and stops on SIGTERM`, { timeout: 180_000 }, async () => {
    const port = await freePort();
    const started = Date.now();
    const app = npmStart({ PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    const page = await app.page(url, 60_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`npm start → page served in ${seconds.toFixed(1)} s`);
    expect(page, app.output()).toContain('<title>DomainShift playground</title>');
    expect(seconds).toBeLessThan(60);
    expect(app.output()).toContain('playground: on');
    expect(app.output()).toContain('discord: off');

    const info = (await (await fetch(`${url}/api/info`)).json()) as { specs: Array<{ name: string }> };
    expect(info.specs.map((s) => s.name)).toContain('adapt');

    await app.stop();
    expect(app.output()).toContain('SIGTERM: stopping');
    expect(app.output()).toContain('stopped');
    expect(app.output()).not.toMatch(/error|failed/i);
    await expect(fetch(url)).rejects.toThrow();
    expect(existsSync(join(dataDir, '0.sqlite'))).toBe(true);
  });

  it('starts the Slack bot on PORT and, with PLAYGROUND=1, the playground on the next port; secrets stay out of the log', {
    timeout: 180_000,
  }, async () => {
    const botToken = 'xoxb-start-test-token-31337';
    const signingSecret = 'start-test-signing-secret-777';
    // Slack's Web API on loopback: auth.test is what Bolt asks first
    const calls: Array<{ path: string; auth?: string }> = [];
    const api = createHttpServer((req, res) => {
      calls.push({ path: req.url ?? '', auth: req.headers.authorization });
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          ok: true,
          url: 'https://test.slack.com/',
          team: 'Test',
          user: 'domainshift',
          team_id: 'T1',
          user_id: 'UBOT',
          bot_id: 'B1',
        }),
      );
    });
    servers.push(api);
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}/api/`;

    const port = await freePortPair(); // the playground takes the next one
    const app = npmStart({
      PORT: String(port),
      SLACK_BOT_TOKEN: botToken,
      SLACK_MODE: 'http',
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: apiUrl,
      PLAYGROUND: '1',
    });
    const playgroundUrl = `http://127.0.0.1:${port + 1}`;
    const page = await app.page(playgroundUrl, 60_000);
    expect(page, app.output()).toContain('<title>DomainShift playground</title>');
    expect(app.output()).toContain(`slack: running in http mode on port ${port}`);

    // Slack's receiver is on PORT: an unsigned event is refused, a signed one is accepted
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c-123' });
    const unsigned = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
    const signed = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
      body,
    });
    expect(signed.status).toBe(200);
    expect(await signed.text()).toContain('c-123');
    await expect
      .poll(() => calls.some((c) => c.path.includes('auth.test') && c.auth === `Bearer ${botToken}`), { timeout: 10_000 })
      .toBe(true);

    await app.stop();
    const out = app.output();
    expect(out).toContain('stopped');
    expect(out).toContain('bot token set (27 characters)');
    expect(out).not.toContain(botToken);
    expect(out).not.toContain(signingSecret);
  });

  it('starts the Discord bot alone (no playground) and registers its commands on the guild', { timeout: 180_000 }, async () => {
    const token = 'discord-start-test-token-0123456789';
    const discord = new FakeDiscord();
    await discord.start();
    try {
      const port = await freePort();
      const app = npmStart({
        PORT: String(port),
        DISCORD_TOKEN: token,
        DISCORD_APPLICATION_ID: APP_ID,
        DISCORD_GUILD_ID: GUILD_ID,
        DISCORD_API_URL: discord.api,
      });
      const [put] = await discord.waitFor(
        (r) => r.method === 'PUT' && r.path === `/applications/${APP_ID}/guilds/${GUILD_ID}/commands`,
        0,
        60_000,
      );
      const names = (put.body as Array<{ name: string; type?: number }>).map((c) => c.name);
      expect(names).toContain('adapt');
      expect(names).toContain('help');
      expect(discord.identifies[0]?.token).toBe(token);
      await expect.poll(() => app.output(), { timeout: 10_000 }).toContain('commands registered on guild');
      // no playground without PLAYGROUND=1
      expect(app.output()).toContain('playground: off');
      await expect(fetch(`http://127.0.0.1:${port}`)).rejects.toThrow();
      await app.stop();
      expect(app.output()).toContain('stopped');
      expect(app.output()).not.toContain(token);
    } finally {
      await discord.stop();
    }
  });

  it('refuses a bad configuration with one sentence per mistake and a non-zero exit', { timeout: 60_000 }, async () => {
    const app = npmStart({ PORT: 'abc', SLACK_BOT_TOKEN: 'xoxb-bad-config-token-42', SLACK_MODE: 'http' });
    const code = await app.exited;
    expect(code).not.toBe(0);
    expect(app.output()).toContain(
      'Configuration problems:\n  - PORT must be a whole number between 1 and 65535 (got "abc")\n  - SLACK_SIGNING_SECRET is needed',
    );
    expect(app.output()).not.toContain('xoxb-bad-config-token-42');
  });
});

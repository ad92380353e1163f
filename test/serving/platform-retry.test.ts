// Start-up degrades per platform: Discord refusing the login (401 on the gateway lookup, as for a bad or revoked
// token) does not stop the process. The playground serves meanwhile, the failure is logged and retried with
// backoff, and once Discord accepts, the bot connects and registers its commands — in the same process.
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ID, FakeDiscord, GUILD_ID } from '../platforms/discord/fake-discord.js';
import { freePort, root, tinyPackDir } from '../../scripts/processes.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'domainshift-retry-'));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a failed Discord login', () => {
  it('is logged and retried with backoff while the playground keeps serving', { timeout: 600_000 }, async () => {
    const discord = new FakeDiscord();
    await discord.start();
    let refuse = true;
    discord.overrides.push((r) =>
      refuse && r.path === '/gateway/bot' ? { status: 401, body: { message: '401: Unauthorized', code: 0 } } : undefined,
    );
    const token = 'discord-retry-test-token-0123456789';
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PACK_DIR: tinyPackDir,
        PORT: String(port),
        STORE_URL: `sqlite://${join(dir, 'store.sqlite')}`,
        ORT_THREADS: '1',
        PLAYGROUND: '1',
        DISCORD_TOKEN: token,
        DISCORD_APPLICATION_ID: APP_ID,
        DISCORD_GUILD_ID: GUILD_ID,
        DISCORD_API_URL: discord.api,
        SLACK_BOT_TOKEN: '',
        PLATFORM_RETRY_FIRST_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      // two refused attempts, each logged with the next delay; the process is still up and the playground answers
      await expect
        .poll(() => (out.match(/discord: start failed \(attempt \d\)/g) ?? []).length, { timeout: 300_000, interval: 500 })
        .toBeGreaterThanOrEqual(2);
      expect(out).toMatch(/retrying in \d+ s/);
      expect(child.exitCode).toBeNull();
      await expect.poll(() => /DomainShift playground: /.test(out), { timeout: 300_000 }).toBe(true);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const info = (await (await fetch(`http://127.0.0.1:${port}/api/info`)).json()) as { specs: Array<{ name: string }> };
      expect(info.specs.map((s) => s.name)).toContain('adapt');
      // Discord comes back: the next attempt connects and registers the commands
      refuse = false;
      await discord.waitFor((r) => r.method === 'PUT' && r.path === `/applications/${APP_ID}/guilds/${GUILD_ID}/commands`, 0, 300_000);
      await expect.poll(() => out, { timeout: 30_000 }).toMatch(/discord: started on attempt \d+/);
      expect(out).not.toContain(token);
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
      expect(out).toContain('stopped');
    } finally {
      await discord.stop();
    }
  });
});

// `npm start` as a person runs it: no tokens, a PORT, a fresh data folder; the page must be served within 60 s,
// and SIGTERM must stop it cleanly. The demo pack is used when it is there (models/demo), else the tiny fixture.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const packDir = existsSync(join(root, 'models/demo/pack.json')) ? 'models/demo' : 'test/fixtures/packs/tiny';
const dataDir = mkdtempSync(join(tmpdir(), 'domainshift-start-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

describe('npm start', () => {
  it(`serves the playground within 60 s with ${packDir}, and stops on SIGTERM`, { timeout: 90_000 }, async () => {
    const port = await freePort();
    const started = Date.now();
    child = spawn('npm', ['start'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        PACK_DIR: packDir,
        STORE_URL: `sqlite://${join(dataDir, 'domainshift.sqlite')}`,
        // empty values win over a developer's .env: no bots here
        DISCORD_TOKEN: '',
        DISCORD_APPLICATION_ID: '',
        DISCORD_GUILD_ID: '',
        SLACK_BOT_TOKEN: '',
        SLACK_APP_TOKEN: '',
        SLACK_SIGNING_SECRET: '',
        PLAYGROUND: '',
        ORT_THREADS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group, so that SIGTERM reaches npm, tsx and node as a terminal's Ctrl-C would
      detached: true,
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const closed = new Promise<void>((res) => child!.stdout!.on('close', () => res()));

    const url = `http://127.0.0.1:${port}`;
    let page = '';
    while (Date.now() - started < 60_000 && child.exitCode === null) {
      if (out.includes(`DomainShift playground: ${url}`)) {
        const res = await fetch(url).catch(() => undefined);
        if (res?.ok) {
          page = await res.text();
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`npm start → page served in ${seconds.toFixed(1)} s`);
    expect(page, out).toContain('<title>DomainShift playground</title>');
    expect(seconds).toBeLessThan(60);
    expect(out).toContain('playground: on');
    expect(out).toContain('discord: off');

    const info = (await (await fetch(`${url}/api/info`)).json()) as { specs: Array<{ name: string }> };
    expect(info.specs.map((s) => s.name)).toContain('adapt');

    process.kill(-child.pid!, 'SIGTERM');
    // the node process logs its orderly stop, then every process holding the output pipe is gone
    await closed;
    expect(out).toContain('SIGTERM: stopping');
    expect(out).toContain('stopped');
    expect(out).not.toMatch(/error|failed/i);
    await expect(fetch(url)).rejects.toThrow();
    expect(existsSync(join(dataDir, 'domainshift.sqlite'))).toBe(true);
  });
});

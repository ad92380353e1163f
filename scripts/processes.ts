// Real processes, started the same way by the serving tests, the benchmarks and scripts/check-distributed.ts: a
// throwaway redis-server (Debian's package, no persistence) on a free port, front ends (src/main.ts with the
// playground, in distributed mode when given QUEUE_URL) and render workers (src/worker.ts), each its own Node
// process, with their output kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');
export const tinyPackDir = 'test/fixtures/packs/tiny';

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(undefined));
    s.listen(port, '127.0.0.1', () => res(s));
  });
}

const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()));

export async function freePort(): Promise<number> {
  const s = await listenOn(0);
  if (!s) throw new Error('no free port on 127.0.0.1');
  const { port } = s.address() as { port: number };
  await closeServer(s);
  return port;
}

/** A free port whose next port is free too: for a process that listens on PORT and PORT + 1. (Checking only the
 * first let another test's connection hold the second now and then.) */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await listenOn(0);
    if (!first) continue;
    const { port } = first.address() as { port: number };
    const second = port < 65535 ? await listenOn(port + 1) : undefined;
    await closeServer(first);
    if (second) {
      await closeServer(second);
      return port;
    }
  }
  throw new Error('no two free ports side by side on 127.0.0.1');
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** resolves with the first line (JSON log lines parsed) that matches, or rejects when the process exits */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function track(child: ChildProcess, name: string): Proc {
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('exit', () => {
    for (const w of waiters) w();
  });
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) done(() => resolve(line));
          else if (child.exitCode !== null || child.signalCode !== null)
            done(() => reject(new Error(`${name} exited before ${pattern}:\n${out.slice(-3000)}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms:\n${out.slice(-3000)}`))),
          timeoutMs,
        );
        const done = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      // the whole process group: `npm start` and `npx` run the real process as their child
      if (child.pid) process.kill(-child.pid, signal);
      else child.kill(signal);
      await exited;
    },
  };
}

export interface RedisHandle {
  url: string;
  proc: Proc;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisHandle> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.once('error', (e) => console.error(`redis-server could not start (is Debian's redis-server installed?): ${e.message}`));
  const proc = track(child, 'redis-server');
  await proc.waitFor(/Ready to accept connections/, 20_000);
  return { url: `redis://127.0.0.1:${port}`, proc, stop: () => proc.kill('SIGKILL') };
}

const noBots = {
  DISCORD_TOKEN: '',
  DISCORD_APPLICATION_ID: '',
  DISCORD_GUILD_ID: '',
  SLACK_BOT_TOKEN: '',
  SLACK_APP_TOKEN: '',
  SLACK_SIGNING_SECRET: '',
};

/**
 * How a process is started: straight through node and tsx (tests, benchmarks), or with the commands the docs
 * give (`npm start`, `npx domainshift worker`: scripts/check-distributed.ts).
 */
export type Launch = 'node' | 'npm';

function launch(argv: string[], env: Record<string, string>, name: string): Proc {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: root,
    env: { ...process.env, ...noBots, ORT_PROVIDER: 'cpu', ORT_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group, so that kill() reaches the process under npm/npx
    detached: true,
  });
  return track(child, name);
}

const tsx = (script: string) => [process.execPath, '--import', 'tsx', script];

/** A render worker on the tiny pack; a short lock so that a killed worker's job is taken up within seconds. */
export async function startWorker(queueUrl: string, name: string, extra: Record<string, string> = {}, how: Launch = 'node'): Promise<Proc> {
  const env = { QUEUE_URL: queueUrl, PACK_DIR: tinyPackDir, RENDER_WORKERS: '1', WORKER_LOCK_MS: '2000', ...extra };
  const proc = launch(how === 'npm' ? ['npx', 'domainshift', 'worker'] : tsx('src/worker.ts'), env, name);
  await proc.waitFor(/render worker ready/, 300_000);
  return proc;
}

export interface PageMessage {
  id: string;
  text: string;
  author: { bot: boolean };
  buttons?: Array<Array<{ id: string; label: string }>>;
}

export interface FrontEnd extends Proc {
  base: string;
  dir: string;
  command(userId: string, text: string, manager?: boolean): Promise<void>;
  /** a button press on a message of the playground's channel */
  press(userId: string, messageId: string, buttonId: string): Promise<void>;
  messages(asUser?: string): Promise<PageMessage[]>;
}

/**
 * `npm start` with the playground on a free port and a SQLite store of its own: a front end in distributed mode
 * when given a queue URL (a short lease, so that another front end adopts its jobs within seconds of its
 * death), else the whole bot in one process.
 */
export async function startFrontEnd(
  queueUrl: string | undefined,
  name: string,
  extra: Record<string, string> = {},
  how: Launch = 'node',
): Promise<FrontEnd> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `domainshift-${name}-`));
  const proc = launch(
    how === 'npm' ? ['npm', 'start', '--silent'] : tsx('src/main.ts'),
    {
      ...(queueUrl ? { QUEUE_URL: queueUrl, FRONTEND_LEASE_MS: '3000', ADOPT_EVERY_MS: '1000' } : { QUEUE_URL: '' }),
      PACK_DIR: tinyPackDir,
      PORT: String(port),
      STORE_URL: `sqlite://${join(dir, 'store.sqlite')}`,
      MAX_JOBS_PER_USER: '20',
      MAX_JOBS_PER_SERVER: '1000',
      ...extra,
    },
    name,
  );
  const line = await proc.waitFor(/DomainShift playground: /, 300_000);
  const base = /DomainShift playground: (\S+)/.exec(line)![1];
  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${base}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  };
  return {
    ...proc,
    base,
    dir,
    command: (userId, text, manager = false) => post('/api/command', { user: { id: userId, name: userId, manager }, text }),
    press: (userId, messageId, buttonId) => post('/api/button', { user: { id: userId, name: userId }, messageId, buttonId }),
    messages: async (asUser = 'observer') =>
      ((await (await fetch(`${base}/api/messages?user=${asUser}`)).json()) as { messages: PageMessage[] }).messages,
    async kill(signal) {
      await proc.kill(signal);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON log lines of a process, parsed (lines that are not JSON are skipped) */
export function logLines(p: Proc): Array<{ msg: string; jobId?: string; level: string }> {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);
}

// GET /healthz on a port of its own, for every mode (front end, render worker): 200 with a JSON status while
// the process can do its work, 503 when it cannot (the queue connection is down).
import { createServer, type Server } from 'node:http';

export interface Health {
  ok: boolean;
  [detail: string]: unknown;
}

export async function startHealthServer(options: {
  port: number;
  host: string;
  status(): Promise<Health> | Health;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/healthz') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"GET /healthz"}');
      return;
    }
    void Promise.resolve()
      .then(() => options.status())
      .catch((e: unknown) => ({ ok: false, error: e instanceof Error ? e.message : String(e) }))
      .then((h) =>
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(h)),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/healthz`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

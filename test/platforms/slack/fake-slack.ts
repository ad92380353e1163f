// A local HTTP server playing Slack's side on loopback: the Web API methods the adapter calls (the real
// @slack/web-api client talks to it through slackApiUrl), the upload_url that files.uploadV2 POSTs to, and
// url_private downloads guarded by the bot token. Every call is recorded for assertions.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

export interface ApiCall {
  method: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- form fields or JSON, read by tests
  args: Record<string, any>;
  authorization?: string;
  at: number;
  /** what the fake answered */
  result?: Record<string, unknown>;
}

export interface StoredFile {
  data: Buffer;
  contentType: string;
}

export class FakeSlack {
  readonly calls: ApiCall[] = [];
  /** bytes POSTed to upload URLs, by file id */
  readonly uploads = new Map<string, Buffer>();
  /** files served under /files/<name> to the right bearer token */
  readonly files = new Map<string, StoredFile>();
  /** GET requests to /files/, with the Authorization header they carried */
  readonly downloads: Array<{ path: string; authorization?: string }> = [];
  /** Web API errors to answer once per method: method → Slack error code, or 'http500' */
  readonly failures = new Map<string, string[]>();
  /** files.info answers, by file id */
  readonly fileInfos = new Map<string, Record<string, unknown>>();
  /** users.info answers, by user id */
  readonly users = new Map<string, { name: string; is_admin?: boolean; is_owner?: boolean }>();
  /** Socket Mode: what apps.connections.open answers */
  socketUrl: string | undefined;
  private server: Server | undefined;
  private tsCounter = 0;
  private fileCounter = 0;
  port = 0;

  constructor(readonly botToken: string) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  failOnce(method: string, error: string): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Waits until `count` calls to `method` (matching `where`) were recorded. */
  async waitFor(method: string, where: (c: ApiCall) => boolean = () => true, count = 1, timeoutMs = 10_000): Promise<ApiCall[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.callsTo(method).filter(where);
      if (hits.length >= count) return hits;
      if (Date.now() > deadline) {
        const seen = this.calls.map((c) => c.method).join(', ');
        throw new Error(`timed out waiting for ${count}× ${method}; calls so far: ${seen}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.origin);
    if (url.pathname.startsWith('/upload/')) {
      this.uploads.set(url.pathname.slice('/upload/'.length), await uploadedBytes(req.headers['content-type'], body));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      return;
    }
    if (url.pathname.startsWith('/respond/')) {
      // response_url: Bolt's respond() POSTs JSON there
      this.calls.push({ method: 'response_url', args: JSON.parse(body.toString('utf8') || '{}'), at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (url.pathname.startsWith('/files/')) {
      this.serveFile(url.pathname, req, res);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const method = url.pathname.slice('/api/'.length);
      const args = parseQuery(body.toString('utf8')) as Record<string, string>;
      const call: ApiCall = { method, args, authorization: req.headers.authorization, at: Date.now() };
      this.calls.push(call);
      const queued = this.failures.get(method);
      const failure = queued?.shift();
      if (failure === 'http500') {
        res.writeHead(500).end('server error');
        return;
      }
      const answer = failure ? { ok: false, error: failure } : this.answer(method, args);
      call.result = answer;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(404).end();
  }

  private serveFile(path: string, req: IncomingMessage, res: ServerResponse): void {
    this.downloads.push({ path, authorization: req.headers.authorization });
    const file = this.files.get(path.slice('/files/'.length));
    // Slack sends requests without a valid token to its login page.
    if (req.headers.authorization !== `Bearer ${this.botToken}`) {
      res.writeHead(302, { location: 'https://slack.com/signin' }).end();
      return;
    }
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.data.length }).end(file.data);
  }

  private answer(method: string, args: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', team: 'Test' };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: this.nextTs(), message: { text: args.text } };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.delete':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'users.info': {
        const u = this.users.get(args.user) ?? { name: args.user };
        return {
          ok: true,
          user: {
            id: args.user,
            name: u.name,
            real_name: u.name,
            is_admin: !!u.is_admin,
            is_owner: !!u.is_owner,
            profile: { display_name: u.name },
          },
        };
      }
      case 'files.getUploadURLExternal': {
        this.fileCounter += 1;
        const id = `F${this.fileCounter}`;
        return { ok: true, file_id: id, upload_url: `${this.origin}/upload/${id}` };
      }
      case 'files.completeUploadExternal': {
        const files = JSON.parse(args.files ?? '[]') as Array<{ id: string; title?: string }>;
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'apps.connections.open':
        // Socket Mode: the WebSocket URL the client connects to (set by the test that plays the socket side)
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'not_allowed_token_type' };
      case 'files.info': {
        const file = this.fileInfos.get(args.file);
        return file ? { ok: true, file } : { ok: false, error: 'file_not_found' };
      }
      case 'views.open':
        return { ok: true, view: { id: 'V1', callback_id: JSON.parse(args.view ?? '{}').callback_id } };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

/** The bytes of an upload: the SDK POSTs multipart/form-data (one file part); raw bodies are taken as they are. */
async function uploadedBytes(contentType: string | undefined, body: Buffer): Promise<Buffer> {
  if (!contentType?.startsWith('multipart/form-data')) return body;
  const form = await new Request('http://upload.local/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(body),
  }).formData();
  for (const value of form.values()) if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  throw new Error('multipart upload without a file part');
}

/** Slack's request signature: v0=HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>"), hex. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPost {
  status: number;
  text: string;
  ms: number;
}

/** POSTs a form body to the app's /slack/events, signed as Slack would (or with `badSignature`). */
export async function postSigned(
  port: number,
  secret: string,
  form: Record<string, string>,
  badSignature = false,
  ageSeconds = 0,
  /** Slack's headers on a re-delivery: x-slack-retry-num, x-slack-retry-reason */
  retry?: { num: number; reason: string },
): Promise<SignedPost> {
  const body = new URLSearchParams(form).toString();
  const ts = Math.floor(Date.now() / 1000) - ageSeconds;
  const signature = slackSignature(badSignature ? `${secret}-wrong` : secret, ts, body);
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signature,
      ...(retry ? { 'x-slack-retry-num': String(retry.num), 'x-slack-retry-reason': retry.reason } : {}),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

/** Interactivity payloads (block_actions, message_action, view_submission) travel as form field `payload`. */
export function postInteraction(port: number, secret: string, payload: unknown, badSignature = false): Promise<SignedPost> {
  return postSigned(port, secret, { payload: JSON.stringify(payload) }, badSignature);
}

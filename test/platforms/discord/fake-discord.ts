// A stand-in for Discord on loopback: the HTTP API (the routes discord.js uses for interactions, webhooks,
// channels and command registration), a WebSocket gateway (HELLO, IDENTIFY, READY, heartbeats, dispatches)
// and a CDN for attachments. It records every request so tests can assert what the real discord.js sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const APP_ID = '100000000000000001';
export const BOT_ID = '100000000000000002';
export const GUILD_ID = '100000000000000003';
export const CHANNEL_ID = '100000000000000004';

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** path without the /api/v10 prefix and without the query */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** the JSON body, or payload_json of a multipart body */
  body: any;
  files: RecordedFile[];
  at: number;
}

export interface CannedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Returns a response to send instead of the default one, or undefined to let the default answer. */
export type Override = (req: RecordedRequest) => CannedResponse | undefined;

export interface CdnFile {
  contentType: string;
  data: Buffer;
  /** send no content-length (chunked), as a body that lies about its size would */
  chunked?: boolean;
}

let snowflakeCounter = 0n;
/** A snowflake id whose timestamp is `ageMs` in the past (Discord ids carry their creation time). */
export function snowflake(ageMs = 0): string {
  const ms = BigInt(Date.now() - ageMs) - 1420070400000n;
  snowflakeCounter = (snowflakeCounter + 1n) & 0xfffn;
  return ((ms << 22n) | snowflakeCounter).toString();
}

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  readonly cdn = new Map<string, CdnFile>();
  /** paths the CDN was asked for */
  readonly cdnHits: string[] = [];
  readonly identifies: any[] = [];
  readonly resumes: any[] = [];
  overrides: Override[] = [];
  /** like Discord, a file past this is answered 413 with code 40005 (the interactions state the same limit) */
  uploadLimit = 10 * 1024 * 1024;
  private server!: Server;
  private wss!: WebSocketServer;
  private sockets = new Set<WebSocket>();
  private seq = 0;
  private waiters: Array<() => void> = [];
  port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get api(): string {
    return `${this.origin}/api`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (socket) => this.onSocket(socket));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** sends a gateway dispatch (op 0) to every connected client */
  dispatch(event: string, data: unknown): void {
    const frame = JSON.stringify({ op: 0, t: event, s: ++this.seq, d: data });
    for (const s of this.sockets) s.send(frame);
  }

  /** drops every gateway connection with a close code the client may resume after (4000: unknown error) */
  dropGateway(code = 4000): void {
    for (const s of this.sockets) s.close(code, 'dropped by the test');
  }

  /** the recorded requests matching method and a path pattern */
  find(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** waits until a request matching the predicate has been recorded (at index `since` or later) */
  async waitFor(match: (r: RecordedRequest) => boolean, since = 0, timeoutMs = 5000, count = 1): Promise<RecordedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.requests.slice(since).filter(match);
      if (hits.length >= count) return hits;
      if (Date.now() > deadline) {
        const seen = this.requests.map((r) => `${r.method} ${r.path}`).join('\n  ');
        throw new Error(`timed out waiting for a request; seen:\n  ${seen}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private onSocket(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 45_000 } }));
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { op: number; d: any };
      if (frame.op === 1) socket.send(JSON.stringify({ op: 11 }));
      // RESUME: the session goes on where it was; nothing was missed
      if (frame.op === 6) {
        this.resumes.push(frame.d);
        socket.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.seq, d: {} }));
      }
      if (frame.op === 2) {
        this.identifies.push(frame.d);
        const ready = {
          v: 10,
          user: { id: BOT_ID, username: 'domainshift', discriminator: '0', global_name: null, avatar: null, bot: true },
          guilds: [{ id: GUILD_ID, unavailable: true }],
          session_id: 'session-1',
          resume_gateway_url: `ws://127.0.0.1:${this.port}`,
          shard: [0, 1],
          application: { id: APP_ID, flags: 0 },
        };
        socket.send(JSON.stringify({ op: 0, t: 'READY', s: ++this.seq, d: ready }));
        // with the Guilds intent, each guild of READY arrives as GUILD_CREATE, with its channels
        socket.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: this.guild() }));
      }
    });
  }

  guild(): any {
    return {
      id: GUILD_ID,
      name: 'test server',
      icon: null,
      owner_id: '100000000000000099',
      unavailable: false,
      member_count: 2,
      large: false,
      features: [],
      roles: [
        { id: GUILD_ID, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false },
      ],
      emojis: [],
      stickers: [],
      channels: [{ id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: 'general', position: 0, permission_overwrites: [] }],
      threads: [],
      members: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      joined_at: new Date().toISOString(),
      preferred_locale: 'en-US',
    };
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.origin);

    if (url.pathname.startsWith('/cdn/')) return this.serveCdn(url.pathname, res);

    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname).replace(/^\/api\/v\d+/, ''),
      query: url.searchParams,
      headers: req.headers,
      body: undefined,
      files: [],
      at: Date.now(),
    };
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      // undici (Node's fetch) parses multipart bodies: the same parser family discord.js uses to build them
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      for (const [field, value] of form.entries()) {
        if (field === 'payload_json') recorded.body = JSON.parse(String(value));
        else if (typeof value !== 'string') {
          recorded.files.push({ field, name: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
        }
      }
    } else if (raw.length) {
      recorded.body = JSON.parse(raw.toString('utf8'));
    }
    this.requests.push(recorded);
    this.waiters.splice(0).forEach((w) => w());

    if (recorded.files.some((f) => f.data.length > this.uploadLimit)) {
      return send(res, { status: 413, body: { message: 'Request entity too large', code: 40005 } });
    }
    for (const override of this.overrides) {
      const canned = override(recorded);
      if (canned) return send(res, canned);
    }
    send(res, this.defaultResponse(recorded));
  }

  private serveCdn(path: string, res: ServerResponse): void {
    this.cdnHits.push(path);
    const file = this.cdn.get(path);
    if (!file) {
      send(res, { status: 404, body: { message: 'not found' } });
      return;
    }
    const headers: Record<string, string> = { 'content-type': file.contentType };
    if (!file.chunked) headers['content-length'] = String(file.data.length);
    res.writeHead(200, headers);
    // in pieces, so a size limit can cut in during the transfer
    const step = 64 * 1024;
    for (let i = 0; i < file.data.length; i += step) res.write(file.data.subarray(i, i + step));
    res.end();
  }

  /** a message object as Discord returns it */
  message(channelId: string, body: any, files: RecordedFile[], id = snowflake()): any {
    return {
      id,
      channel_id: channelId,
      type: 0,
      content: body?.content ?? '',
      author: { id: BOT_ID, username: 'domainshift', discriminator: '0', global_name: null, avatar: null, bot: true },
      attachments: files.map((f, i) => ({
        id: snowflake(),
        filename: f.name,
        size: f.data.length,
        url: `${this.origin}/cdn/attachments/${id}/${i}/${f.name}`,
        proxy_url: `${this.origin}/cdn/attachments/${id}/${i}/${f.name}`,
        content_type: f.contentType,
      })),
      embeds: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: body?.flags ?? 0,
      components: body?.components ?? [],
      application_id: APP_ID,
    };
  }

  private defaultResponse(r: RecordedRequest): CannedResponse {
    const p = r.path;
    let m: RegExpExecArray | null;
    if (r.method === 'GET' && p === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: `ws://127.0.0.1:${this.port}`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      };
    }
    m = /^\/interactions\/(\d+)\/[^/]+\/callback$/.exec(p);
    if (m && r.method === 'POST') {
      if (r.query.get('with_response') !== 'true') return { status: 204 };
      // a reply (type 4) asked for its result: Discord returns the callback and the message it created
      const message = r.body.type === 4 ? this.message(CHANNEL_ID, r.body.data, r.files) : undefined;
      return {
        status: 200,
        body: {
          interaction: {
            id: m[1],
            type: 2,
            response_message_id: message?.id,
            response_message_loading: false,
            response_message_ephemeral: Boolean((r.body.data?.flags ?? 0) & 64),
          },
          ...(message ? { resource: { type: r.body.type, message } } : {}),
        },
      };
    }
    m = /^\/webhooks\/\d+\/[^/]+\/messages\/([^/]+)$/.exec(p);
    if (m && r.method === 'PATCH')
      return { status: 200, body: this.message(CHANNEL_ID, r.body, r.files, m[1] === '@original' ? undefined : m[1]) };
    if (m && r.method === 'DELETE') return { status: 204 };
    if (r.method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(p)) return { status: 200, body: this.message(CHANNEL_ID, r.body, r.files) };
    m = /^\/channels\/(\d+)$/.exec(p);
    if (m && r.method === 'GET') {
      return { status: 200, body: { id: m[1], type: 0, guild_id: GUILD_ID, name: 'general', position: 0, permission_overwrites: [] } };
    }
    m = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(p);
    if (m && r.method === 'POST') return { status: 200, body: this.message(m[1]!, r.body, r.files) };
    if (m && r.method === 'PATCH') return { status: 200, body: this.message(m[1]!, r.body, r.files, m[2]) };
    if (m && r.method === 'DELETE') return { status: 204 };
    if (r.method === 'POST' && p === '/users/@me/channels') {
      return {
        status: 200,
        body: { id: snowflake(), type: 1, recipients: [{ id: r.body.recipient_id, username: 'user', discriminator: '0' }] },
      };
    }
    if (r.method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(p)) {
      return { status: 200, body: (r.body as any[]).map((c) => ({ ...c, id: snowflake(), application_id: APP_ID, version: '1' })) };
    }
    return { status: 404, body: { message: `fake discord has no route ${r.method} ${p}`, code: 0 } };
  }
}

function send(res: ServerResponse, canned: CannedResponse): void {
  const headers = { ...(canned.body !== undefined ? { 'content-type': 'application/json' } : {}), ...canned.headers };
  res.writeHead(canned.status, headers);
  res.end(canned.body !== undefined ? JSON.stringify(canned.body) : undefined);
}

/** Discord's error body for an interaction that no longer exists. */
export const UNKNOWN_INTERACTION: CannedResponse = { status: 404, body: { message: 'Unknown interaction', code: 10062 } };

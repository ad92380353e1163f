// The playground's HTTP server (node:http): the static chat page, a small JSON API the page calls, uploads,
// the files of the channel and a server-sent event stream per browser tab.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Actor, Bot, OutgoingMessage } from '../../core/platform.js';
import { UserError } from '../../core/platform.js';
import { somethingWentWrong, userMessageOf } from '../../core/errors.js';
import { Channel, type ChannelLimits } from './channel.js';
import { ChannelArchive } from './archive.js';
import { PlaygroundAdapter, userAuthor } from './adapter.js';
import { acceptedTypes, BodyTooLarge, checkPicture, readBody } from './uploads.js';

export interface PlaygroundOptions {
  bot: Bot;
  port: number;
  host?: string;
  /** the largest picture a user may upload */
  maxAttachmentBytes: number;
  serverId?: string;
  channelId?: string;
  /** a SQLite file that keeps the channel across restarts; none: the channel lives in memory only */
  archive?: string;
  channelLimits?: Partial<ChannelLimits>;
  log?: { info(msg: string): void; error(msg: string, err?: unknown): void };
  /** answers other front ends left for this channel (distributed mode): taken when a page connects */
  inbox?: (serverId: string, channelId: string) => Promise<Array<{ messageId: string; msg: OutgoingMessage }>>;
}

export interface Playground {
  url: string;
  server: Server;
  adapter: PlaygroundAdapter;
  close(): Promise<void>;
}

const staticDir = fileURLToPath(new URL('./static/', import.meta.url));
const staticFiles: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/autocomplete.js': { file: 'autocomplete.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
// Twemoji as a COLR font from its npm package: Debian's Chromium has no colour emoji font and draws boxes
const emojiFont = createRequire(import.meta.url).resolve('twemoji-colr-font/twemoji.woff2');

/** how long a button press or a form waits for the bot's first answer before the page goes on anyway */
const BUTTON_ANSWER_WAIT_MS = 3000;

const JSON_LIMIT = 64 * 1024;

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const serverId = options.serverId ?? 'playground';
  const channelId = options.channelId ?? 'general';
  const channel = new Channel(options.channelLimits, options.archive ? new ChannelArchive(options.archive) : undefined);
  const adapter = new PlaygroundAdapter(options.bot, channel, { serverId, channelId, log: options.log });
  // the first page to connect takes what a dead front end's jobs left for this channel
  const takeInbox = async () => {
    if (!options.inbox) return;
    try {
      adapter.deliverLate(await options.inbox(serverId, channelId));
    } catch (e) {
      options.log?.error('playground: could not read the answers other front ends left', e);
    }
  };
  const unwatch = options.bot.watchSavedDomains?.((id) => {
    if (id === serverId) channel.sendAll({ type: 'stale' });
  });

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>> = {
    'GET /api/info': async (_req, res) => {
      // the page shows names, options, ranges and choices; parsing and checks stay on the server
      sendJson(res, 200, {
        specs: options.bot.specs,
        serverId,
        channelId,
        maxAttachmentBytes: options.maxAttachmentBytes,
        acceptedTypes,
      });
    },
    'GET /api/complete': async (_req, res, url) => {
      const source = url.searchParams.get('source');
      const typed = (url.searchParams.get('q') ?? '').slice(0, 100);
      const place = { platform: 'playground' as const, serverId, channelId };
      const completions = source === 'saved-domain' && options.bot.complete ? await options.bot.complete(place, source, typed) : [];
      sendJson(res, 200, { completions });
    },
    'GET /api/messages': async (_req, res, url) => {
      await takeInbox();
      sendJson(res, 200, { messages: channel.history(userIdFrom(url.searchParams.get('user'))) });
    },
    'GET /api/events': async (req, res, url) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      await takeInbox();
      const stop = channel.listen(userIdFrom(url.searchParams.get('user')), res);
      const ping = setInterval(() => res.write(': ping\n\n'), 20_000);
      req.on('close', () => {
        clearInterval(ping);
        stop();
      });
    },
    'POST /api/command': async (req, res) => {
      const body = await jsonBody(req);
      const text = requireString(body.text, 'text', 2000);
      const staged = Array.isArray(body.staged) ? body.staged.filter((s): s is string => typeof s === 'string') : [];
      void adapter.command(actorFrom(body.user), text, staged, body.panel === true);
      sendJson(res, 202, { ok: true });
    },
    'POST /api/say': async (req, res) => {
      // plain chat between people; the bot only answers commands
      const body = await jsonBody(req);
      channel.post({ author: userAuthor(actorFrom(body.user)), text: requireString(body.text, 'text', 2000), files: [], buttons: [] });
      sendJson(res, 201, { ok: true });
    },
    'POST /api/action': async (req, res) => {
      const body = await jsonBody(req);
      void adapter.messageAction(
        actorFrom(body.user),
        requireString(body.command, 'command', 64),
        requireString(body.messageId, 'messageId', 64),
      );
      sendJson(res, 202, { ok: true });
    },
    'POST /api/button': async (req, res) => {
      const body = await jsonBody(req);
      // answered when the bot answers, so the page gives the pressed button back then (not before: no double presses)
      const [messageId, buttonId] = [requireString(body.messageId, 'messageId', 64), requireString(body.buttonId, 'buttonId', 100)];
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, BUTTON_ANSWER_WAIT_MS);
        void adapter.button(actorFrom(body.user), messageId, buttonId, resolve).finally(resolve);
      });
      clearTimeout(timer);
      sendJson(res, 202, { ok: true });
    },
    'POST /api/modal': async (req, res) => {
      const body = await jsonBody(req);
      const values = typeof body.values === 'object' && body.values ? (body.values as Record<string, string | string[]>) : {};
      const modalId = requireString(body.modalId, 'modalId', 100);
      // answered when the bot answers: errors by field keep the page's form open, as Slack's response_action does
      let timer: NodeJS.Timeout | undefined;
      const errors = await new Promise<Record<string, string> | undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), BUTTON_ANSWER_WAIT_MS);
        void adapter.modal(actorFrom(body.user), modalId, values, resolve);
      });
      clearTimeout(timer);
      sendJson(res, errors ? 422 : 202, errors ? { errors } : { ok: true });
    },
    'POST /api/upload': async (req, res, url) => {
      const actor = actorFrom({
        id: url.searchParams.get('user'),
        name: url.searchParams.get('name'),
        manager: false,
      });
      const fileName = (url.searchParams.get('file') || 'picture').slice(0, 200);
      // post=0: a picture for a form field, kept but not shown in the channel
      const post = url.searchParams.get('post') !== '0';
      try {
        const data = await readBody(req, options.maxAttachmentBytes);
        const checked = await checkPicture(fileName, data, req.headers['content-type']);
        const file = channel.addFile({
          name: fileName,
          contentType: checked.contentType,
          data,
          width: checked.width,
          height: checked.height,
        });
        const view = channel.viewOf(file);
        const message = post ? channel.post({ author: userAuthor(actor), text: '', files: [view], buttons: [] }) : undefined;
        sendJson(res, 201, { file: view, messageId: message?.id });
      } catch (e) {
        const said = userMessageOf(e);
        if (said === undefined) throw e;
        const text = e instanceof BodyTooLarge ? `${fileName} was not posted: ${said}` : said;
        adapter.say({ text, private: true }, actor.id);
        // a body cut short leaves bytes unread: close the connection after answering
        if (e instanceof BodyTooLarge) res.setHeader('connection', 'close');
        sendJson(res, e instanceof BodyTooLarge ? 413 : 415, { error: text });
      }
    },
    'GET /healthz': async (_req, res) => sendJson(res, 200, { ok: true }),
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => {
      const said = userMessageOf(e);
      if (said !== undefined) return sendJson(res, 400, { error: said });
      options.log?.error(`playground ${req.method} ${req.url} failed`, e);
      if (!res.headersSent) sendJson(res, 500, { error: somethingWentWrong() });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://playground');
    const route = routes[`${req.method} ${url.pathname}`];
    if (route) {
      // a page on another origin could otherwise drive the bot as anyone (simple cross-site POSTs)
      if (req.method === 'POST' && !sameOrigin(req)) return sendJson(res, 403, { error: 'Cross-origin requests are refused.' });
      return route(req, res, url);
    }
    if (req.method === 'GET' && url.pathname === '/fonts/twemoji.woff2') {
      res.writeHead(200, { 'content-type': 'font/woff2', 'cache-control': 'public, max-age=86400' });
      return void res.end(await readFile(emojiFont));
    }
    if (req.method === 'GET' && staticFiles[url.pathname]) {
      const { file, type } = staticFiles[url.pathname];
      const body = await readFile(join(staticDir, file));
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
      return void res.end(body);
    }
    const fileMatch = /^\/files\/([\w-]+)(?:\/[^/]*)?$/.exec(url.pathname);
    if (req.method === 'GET' && fileMatch) {
      const file = channel.file(fileMatch[1]);
      if (!file) return sendJson(res, 404, { error: 'That file is no longer in the playground.' });
      res.writeHead(200, {
        'content-type': file.contentType,
        'content-length': file.data.length,
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, max-age=3600, immutable',
      });
      return void res.end(file.data);
    }
    sendJson(res, 404, { error: `Nothing at ${req.method} ${url.pathname}.` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        reject(
          new Error(
            `port ${options.port} on ${options.host ?? '127.0.0.1'} is already in use; set PORT (or PLAYGROUND_PORT) to a free one`,
          ),
        );
      else if (e.code === 'EACCES') reject(new Error(`port ${options.port} needs privileges this process lacks; set PORT above 1023`));
      else reject(e);
    });
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.removeAllListeners('error');
      server.on('error', (e) => options.log?.error('playground server error', e));
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${address.port}`;

  return {
    url,
    server,
    adapter,
    async close() {
      unwatch?.();
      channel.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // a request still being answered gets a moment, then its connection is cut
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(grace);
      await adapter.idle();
      channel.closeArchive();
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(data);
}

function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser, or a same-origin navigation
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new UserError('Send JSON (content-type: application/json).');
  }
  const raw = await readBody(req, JSON_LIMIT);
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new UserError('The request body is not a JSON object.');
  }
}

function requireString(v: unknown, name: string, maxLength: number): string {
  if (typeof v !== 'string' || !v.trim()) throw new UserError(`${name} is missing.`);
  if (v.length > maxLength) throw new UserError(`${name} is longer than ${maxLength} characters.`);
  return v;
}

function userIdFrom(v: unknown): string {
  const s = typeof v === 'string' ? v.trim() : '';
  return /^[\w.@-]{1,64}$/.test(s) ? s : 'you';
}

/** The "act as" switch of the page: anyone can be anyone here, which is the point of a local playground. */
function actorFrom(v: unknown): Actor {
  const u = (typeof v === 'object' && v ? v : {}) as { id?: unknown; name?: unknown; manager?: unknown };
  const name = typeof u.name === 'string' && u.name.trim() ? u.name.trim().slice(0, 64) : userIdFrom(u.id);
  return { id: userIdFrom(u.id), name, isManager: u.manager === true };
}

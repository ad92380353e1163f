// Socket Mode: Bolt's real SocketModeClient opens its connection through apps.connections.open (app token) on the
// fake Web API, connects to a loopback WebSocket server playing Slack's side, and acks the envelopes it is sent.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startSlack, type SlackApp } from '../../../src/platforms/slack/adapter.js';
import { FakeSlack } from './fake-slack.js';
import { BOT_TOKEN, CHANNEL, TEAM, slackFile, viewSubmission } from './harness.js';
import { TestBot } from './test-bot.js';

const APP_TOKEN = 'xapp-1-test-app-token-77aa';

describe('Slack adapter in Socket Mode', () => {
  const fake = new FakeSlack(BOT_TOKEN);
  const bot = new TestBot();
  const acks: Array<{ envelope_id: string; at: number; payload?: unknown }> = [];
  const logs: string[] = [];
  let wss: WebSocketServer;
  let socket: WebSocket | undefined;
  let app: SlackApp;

  beforeAll(async () => {
    await fake.start();
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    fake.socketUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`;
    wss.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (msg.envelope_id) acks.push({ envelope_id: msg.envelope_id, at: Date.now(), payload: msg.payload });
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          connection_info: { app_id: 'A1' },
          debug_info: { host: 'fake', approximate_connection_time: 3600 },
        }),
      );
    });
    app = await startSlack({
      bot,
      token: BOT_TOKEN,
      appToken: APP_TOKEN,
      apiUrl: fake.apiUrl,
      fileHosts: [fake.origin],
      apiRetries: 0,
      editIntervalMs: 100,
      logger: { info: (m) => logs.push(m), error: (m, e) => logs.push(`${m} ${String(e)}`) },
    });
  });

  afterAll(async () => {
    await app?.idle();
    await app?.stop();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await fake.stop();
  });

  it('picks Socket Mode when given an app token, and opens the connection with it', async () => {
    expect(app.mode).toBe('socket');
    expect(app.port).toBeUndefined();
    const [open] = fake.callsTo('apps.connections.open');
    expect(open.authorization).toBe(`Bearer ${APP_TOKEN}`);
    expect(socket).toBeDefined();
  });

  it('acks a slash command envelope at once and answers through the Web API', async () => {
    const sentAt = Date.now();
    socket!.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: 'legacy',
          team_id: TEAM,
          team_domain: 'test',
          channel_id: CHANNEL,
          channel_name: 'general',
          user_id: 'UUSER',
          user_name: 'uma',
          command: '/help',
          text: 'adapt',
          api_app_id: 'A1',
          response_url: `${fake.origin}/respond/1`,
          trigger_id: 'trigger-socket',
        },
      }),
    );
    const [eph] = await fake.waitFor('chat.postEphemeral');
    const ack = acks.find((a) => a.envelope_id === 'env-1');
    expect(ack).toBeDefined();
    expect(ack!.at - sentAt).toBeLessThan(3000);
    expect(eph.args.text).toContain('{"topic":"adapt"}');
    expect(eph.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(logs.join('\n')).not.toContain(APP_TOKEN);
  });

  it('answers a form submission with its field errors in the envelope ack (the form stays open)', async () => {
    const pdf = slackFile(fake, 'notes.pdf', 'application/pdf', 1000);
    const submission = viewSubmission('stylize:go:1', JSON.stringify({ c: CHANNEL }), {
      reference: { reference: { type: 'file_input', files: [pdf] } },
    });
    socket!.send(JSON.stringify({ envelope_id: 'env-form', type: 'interactive', accepts_response_payload: true, payload: submission }));
    await expect.poll(() => acks.find((a) => a.envelope_id === 'env-form')).toBeDefined();
    const ack = acks.find((a) => a.envelope_id === 'env-form')!;
    expect(ack.payload).toEqual({ response_action: 'errors', errors: { reference: expect.stringContaining('notes.pdf') } });
  });
});

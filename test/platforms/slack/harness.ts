// Starts the real adapter (Bolt's HTTP receiver on a loopback port) against the fake Slack Web API, and builds the
// payloads Slack sends: slash commands, message shortcuts, block actions, view submissions.
import { startSlack, type SlackApp } from '../../../src/platforms/slack/adapter.js';
import type { Bot } from '../../../src/core/platform.js';
import { FakeSlack, postInteraction, postSigned, type SignedPost } from './fake-slack.js';

export const BOT_TOKEN = 'xoxb-test-bot-token-5f2a9c';
export const SIGNING_SECRET = 'test-signing-secret-8e1d44';
export const TEAM = 'T1';
export const CHANNEL = 'C42';

export interface Harness {
  fake: FakeSlack;
  app: SlackApp;
  logs: string[];
  slash(command: string, text: string, user?: string): Promise<SignedPost>;
  /** the form of a slash command as Slack posts it, and posting it (again, as a retry, when `retry` is given) */
  slashForm(command: string, text: string, user?: string): Record<string, string>;
  post(form: Record<string, string>, retry?: { num: number; reason: string }): Promise<SignedPost>;
  interact(payload: unknown): Promise<SignedPost>;
  stop(): Promise<void>;
}

export async function startHarness(bot: Bot, editIntervalMs = 250): Promise<Harness> {
  const fake = new FakeSlack(BOT_TOKEN);
  await fake.start();
  fake.users.set('UADMIN', { name: 'Ada Admin', is_admin: true });
  fake.users.set('UUSER', { name: 'Uma User' });
  const logs: string[] = [];
  const app = await startSlack({
    bot,
    token: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    mode: 'http',
    port: 0,
    host: '127.0.0.1',
    apiUrl: fake.apiUrl,
    fileHosts: [fake.origin],
    editIntervalMs,
    apiRetries: 0,
    logger: {
      info: (m) => logs.push(`info ${m}`),
      error: (m, err) => logs.push(`error ${m} ${err instanceof Error ? `${err.message} ${err.stack ?? ''}` : String(err ?? '')}`),
    },
  });
  const port = app.port as number;
  let trigger = 0;
  const slashForm = (command: string, text: string, user = 'UUSER'): Record<string, string> => ({
    token: 'legacy-verification-token',
    team_id: TEAM,
    team_domain: 'test',
    channel_id: CHANNEL,
    channel_name: 'general',
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: 'A1',
    response_url: `${fake.origin}/respond/${++trigger}`,
    trigger_id: `trigger-${trigger}`,
  });
  return {
    fake,
    app,
    logs,
    slashForm,
    slash: (command, text, user = 'UUSER') => postSigned(port, SIGNING_SECRET, slashForm(command, text, user)),
    post: (form, retry) => postSigned(port, SIGNING_SECRET, form, false, 0, retry),
    interact: (payload) => postInteraction(port, SIGNING_SECRET, payload),
    stop: async () => {
      await app.idle();
      await app.stop();
      await fake.stop();
    },
  };
}

export function blockActions(
  fake: FakeSlack,
  opts: { actionId: string; messageTs: string; threadTs?: string; user?: string; ephemeral?: boolean },
) {
  return {
    type: 'block_actions',
    team: { id: TEAM, domain: 'test' },
    user: { id: opts.user ?? 'UUSER', username: 'uma', name: 'uma', team_id: TEAM },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: 'trigger-button',
    container: { type: 'message', message_ts: opts.messageTs, channel_id: CHANNEL, is_ephemeral: !!opts.ephemeral },
    channel: { id: CHANNEL, name: 'general' },
    ...(opts.ephemeral
      ? {}
      : { message: { type: 'message', ts: opts.messageTs, text: 'x', ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}) } }),
    response_url: `${fake.origin}/respond/button`,
    actions: [
      {
        type: 'button',
        action_id: opts.actionId,
        block_id: 'buttons-0',
        value: opts.actionId,
        text: { type: 'plain_text', text: 'x' },
        action_ts: '1700000001.0',
      },
    ],
  };
}

export function messageShortcut(fake: FakeSlack, files: unknown[], callbackId = 'stylize') {
  return {
    type: 'message_action',
    callback_id: callbackId,
    trigger_id: 'trigger-shortcut',
    message_ts: '1699999999.000100',
    response_url: `${fake.origin}/respond/shortcut`,
    message: { type: 'message', user: 'UOTHER', ts: '1699999999.000100', text: 'look at this', files },
    user: { id: 'UUSER', name: 'uma', team_id: TEAM },
    channel: { id: CHANNEL, name: 'general' },
    team: { id: TEAM, domain: 'test' },
    token: 'legacy',
    action_ts: '1700000002.0',
  };
}

export function viewSubmission(callbackId: string, privateMetadata: string, values: Record<string, Record<string, unknown>>) {
  return {
    type: 'view_submission',
    team: { id: TEAM, domain: 'test' },
    user: { id: 'UUSER', name: 'uma', team_id: TEAM },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: 'trigger-view',
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: 'h',
      title: { type: 'plain_text', text: 'x' },
      blocks: [],
      team_id: TEAM,
      app_id: 'A1',
      bot_id: 'BBOT',
    },
  };
}

/** What Slack sends while a user types in an external select of an open modal (block_suggestion). */
export function blockSuggestion(view: { callback_id: string; private_metadata: string }, actionId: string, value: string) {
  return {
    type: 'block_suggestion',
    user: { id: 'UUSER', username: 'uma', name: 'uma', team_id: TEAM },
    container: { type: 'view', view_id: 'V1' },
    api_app_id: 'A1',
    token: 'legacy',
    action_id: actionId,
    block_id: actionId,
    value,
    team: { id: TEAM, domain: 'test' },
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: 'V1',
      team_id: TEAM,
      type: 'modal',
      blocks: [],
      private_metadata: view.private_metadata,
      callback_id: view.callback_id,
      state: { values: {} },
      hash: 'h',
      title: { type: 'plain_text', text: 'x' },
      app_id: 'A1',
      bot_id: 'BBOT',
    },
  };
}

/** A Slack file object as messages and file_input submissions carry it. */
export function slackFile(fake: FakeSlack, name: string, mimetype: string, size: number, host?: string) {
  return {
    id: `F-${name}`,
    name,
    title: name,
    mimetype,
    filetype: name.split('.').pop(),
    size,
    url_private: `${host ?? fake.origin}/files/${name}`,
    url_private_download: `${host ?? fake.origin}/files/${name}`,
  };
}

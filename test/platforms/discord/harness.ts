// One loopback Discord and one real adapter per test file: start, dispatch an interaction, wait until handled.
import { startDiscord, type DiscordHandle, type DiscordOptions } from '../../../src/platforms/discord/index.js';
import type { Bot } from '../../../src/core/platform.js';
import { FakeDiscord, type RecordedRequest } from './fake-discord.js';

export const TOKEN = 'test-bot-token-MTAwMDAwMDAwMDAwMDAwMDAy.secret';

export interface Harness {
  discord: FakeDiscord;
  handle: DiscordHandle;
  logs: string[];
  /** dispatches an interaction and resolves, once the adapter has finished with it, with the requests it made */
  interact(payload: any): Promise<RecordedRequest[]>;
  stop(): Promise<void>;
}

export async function startHarness(bot: Bot, options: Partial<DiscordOptions> = {}): Promise<Harness> {
  const discord = new FakeDiscord();
  await discord.start();
  const logs: string[] = [];
  const handle = await startDiscord({
    bot,
    token: TOKEN,
    restApi: discord.api,
    cdnHosts: [discord.origin],
    restRetries: 0,
    logger: { info: (m) => logs.push(m), error: (m, e) => logs.push(`${m} ${e instanceof Error ? e.message : ''}`) },
    ...options,
  });
  return {
    discord,
    handle,
    logs,
    async interact(payload) {
      const before = discord.requests.length;
      discord.dispatch('INTERACTION_CREATE', payload);
      await discord.waitFor((r) => r.path.includes(payload.token) || r.path.startsWith('/channels/'), before);
      await handle.idle();
      return discord.requests.slice(before);
    },
    async stop() {
      await handle.stop();
      await discord.stop();
    },
  };
}

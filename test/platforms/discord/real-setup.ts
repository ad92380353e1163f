// The product behind a loopback Discord: the real createBot with the real engine on the tiny fixture pack and a
// real SQLite store, driven through the real discord.js client. Shared by the real-bot test files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../../../src/core/bot.js';
import { allCommands } from '../../../commands/index.js';
import { assembleServices, type BotServices } from '../../../src/core/services.js';
import { Stores } from '../../../src/core/stores.js';
import { openPack } from '../../../src/engine/index.js';
import type { RecordedRequest } from './fake-discord.js';
import { startHarness, type Harness } from './harness.js';

export const TINY_PACK = join(import.meta.dirname, '..', '..', 'fixtures', 'packs', 'tiny');
export const PHOTO = join(import.meta.dirname, '..', '..', '..', 'node_modules', '@vladmandic', 'face-api', 'demo', 'sample1.jpg');

export interface RealDiscordBot {
  h: Harness;
  services: BotServices;
  /** what the services logged (failures show here) */
  serviceLog: string[];
  stop(): Promise<void>;
}

export async function startRealBot(editIntervalMs: number): Promise<RealDiscordBot> {
  const dir = mkdtempSync(join(tmpdir(), 'ds-discord-'));
  const serviceLog: string[] = [];
  const stores = await Stores.open(`sqlite://${join(dir, 'bot.sqlite')}`);
  const log = { info: (m: string) => serviceLog.push(m), error: (m: string, e?: unknown) => serviceLog.push(`${m} ${String(e)}`) };
  // the operator's ceilings (MAX_JOBS_PER_USER / _SERVER at their defaults) below the server defaults of 3 and 10
  const services = assembleServices({
    engines: [await openPack(TINY_PACK)],
    stores,
    log,
    limits: { maxJobsPerUser: 2, maxJobsPerServer: 8 },
  });
  const h = await startHarness(createBot(services, allCommands()), { editIntervalMs });
  return {
    h,
    services,
    serviceLog,
    async stop() {
      await h.stop();
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const patchesOf = (sent: RecordedRequest[]) => sent.filter((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
export const customIds = (r: RecordedRequest): string[] =>
  (r.body.components ?? []).flatMap((row: any) => row.components.map((c: any) => c.custom_id));

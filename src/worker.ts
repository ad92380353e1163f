// `npm run worker` / `npx domainshift worker`: a render worker for distributed mode. It needs QUEUE_URL (the
// front ends' Redis) and the same pack as the front ends (PACK_DIR; checked by sha256 on every job), renders
// RENDER_WORKERS jobs at once in engine threads, and stops on SIGINT/SIGTERM after its running jobs.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config.js';
import { EngineCache } from './core/cache.js';
import { PictureCache } from './core/picture-cache.js';
import { startHealthServer } from './core/health.js';
import { consoleLogger } from './core/log.js';
import { startRenderWorker } from './core/queue/render-worker.js';
import { Stores } from './core/stores.js';
import { ThreadedEngine } from './engine/threads/threaded-engine.js';
import type { Engine } from './engine/types.js';

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  const log = consoleLogger(console, { role: 'worker' });
  if (!config.queueUrl) {
    log.error('QUEUE_URL is not set: a render worker takes its jobs from Redis (QUEUE_URL=redis://HOST:6379)');
    process.exit(2);
  }
  const lockMs = Number(env.WORKER_LOCK_MS) || 30_000;
  // the CLIP/domain cache: the shared store when it is one (Redis); a SQLite file belongs to one front end
  const storeUrl = /^sqlite:/.test(config.storeUrl) ? 'memory://' : config.storeUrl;
  let engine: Engine;
  let stores: Stores;
  try {
    const { provider, threads, spinning, cudaDevice } = config.ort;
    engine = await ThreadedEngine.open(config.packDir, {
      provider,
      threads: threads || undefined,
      spinning,
      cudaDevice,
      workers: config.renderWorkers,
    });
    stores = await Stores.open(storeUrl);
  } catch (e) {
    log.error(`could not open the model pack at ${config.packDir} or the store`, e);
    process.exit(1);
  }
  const engines = new Map([[engine.manifest.name, engine]]);
  const worker = await startRenderWorker({
    url: config.queueUrl,
    engines,
    cache: new EngineCache(stores),
    pictures: new PictureCache(config.pictureCacheBytes),
    concurrency: config.renderWorkers,
    lockMs,
    log,
  });
  const health = config.healthPort
    ? await startHealthServer({
        port: config.healthPort,
        host: config.host,
        status: () => ({
          ok: worker.worker.isRunning(),
          mode: 'worker',
          pack: engine.manifest.name,
          provider: engine.provider,
          concurrency: config.renderWorkers,
        }),
      })
    : undefined;
  if (health) log.info(`health: ${health.url}`);
  // the one line people (and the tests) look for
  console.log(`DomainShift render worker ready (pack ${engine.manifest.name}, ${config.renderWorkers} at once)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: finishing running jobs, then stopping`);
    await worker.close();
    await health?.close();
    await engine.close();
    await stores.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void runWorker();

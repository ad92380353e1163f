// Redis (STORE_URL=redis://…): any number of bot processes share it. Plain collections go through @keyv/redis;
// hashes are native Redis hashes, and the two read-then-write operations run as Lua scripts, which Redis executes
// atomically. Commands fail at once while Redis is unreachable (no offline queue), so nothing is acknowledged
// that was not written.
import KeyvRedis, { createClient } from '@keyv/redis';
import Keyv from 'keyv';
import type { Logger } from './log.js';
import { redact } from './log.js';
import { type MoveOutcome, type StoreBackend, StoreOpenError } from './store-backend.js';

const PREFIX = 'domainshift:';

const TOGGLE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return redis.call('HGETALL', KEYS[1])`;

const MOVE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 'missing' end
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then return 'exists' end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 'moved'`;

type Client = ReturnType<typeof createClient>;

export class RedisBackend implements StoreBackend {
  private constructor(
    private readonly client: Client,
    readonly where: string,
  ) {}

  static async open(url: string, log?: Logger): Promise<RedisBackend> {
    const where = redact(url);
    let connected = false;
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        // the first connection must succeed (a clear refusal at start); later drops are retried with backoff
        reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(100 * 2 ** retries, 5000) : cause),
      },
    });
    client.on('error', (e: Error) => {
      if (connected) log?.error(`store: Redis at ${where}: ${e.message}`);
    });
    try {
      await client.connect();
    } catch (e) {
      throw new StoreOpenError(`Could not reach the Redis store at ${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    connected = true;
    return new RedisBackend(client as Client, where);
  }

  keyv(namespace: string): Keyv {
    const store = new KeyvRedis(this.client as never, { throwOnConnectError: true });
    return new Keyv({ store, namespace: `${PREFIX}${namespace}`, throwOnErrors: true });
  }
  async hashGetAll(key: string) {
    return { ...(await this.client.hGetAll(PREFIX + key)) } as Record<string, string>;
  }
  async hashGet(key: string, field: string) {
    return (await this.client.hGet(PREFIX + key, field)) ?? undefined;
  }
  async hashSet(key: string, fields: Record<string, string>) {
    if (Object.keys(fields).length) await this.client.hSet(PREFIX + key, fields);
  }
  async hashSetIfAbsent(key: string, field: string, value: string) {
    return Number(await this.client.hSetNX(PREFIX + key, field, value)) === 1;
  }
  async hashDelete(key: string, field: string) {
    return Number(await this.client.hDel(PREFIX + key, field)) > 0;
  }
  async hashToggle(key: string, field: string, value: string) {
    const flat = (await this.client.eval(TOGGLE, { keys: [PREFIX + key], arguments: [field, value] })) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
    return out;
  }
  async hashMove(key: string, from: string, to: string, value: string) {
    return String(await this.client.eval(MOVE, { keys: [PREFIX + key], arguments: [from, to, value] })) as MoveOutcome;
  }
  async close() {
    if (this.client.isOpen) await this.client.close();
  }
}

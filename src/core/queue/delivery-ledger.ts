// Who delivers a finished job, kept in Redis so that a front end killed mid-job (kill -9) loses no answer.
// Each front end holds a lease (a key with a TTL it keeps refreshing); each tracked job has a delivery record
// (the message's handle and the command's finishing step, as data) under its owner's name. Whoever delivers a
// job — the owner on the live path, or a front end adopting it after the owner's lease ran out — first claims
// it with SET NX: exactly one claim succeeds, so a result is delivered once.
import type { Redis } from 'ioredis';
import type { Delivery } from '../jobs.js';
import { newJobId } from './names.js';

const leaseKey = (frontEnd: string) => `domainshift:frontend:${frontEnd}`;
const recordKey = (jobId: string) => `domainshift:delivery:${jobId}`;
const claimKey = (jobId: string) => `domainshift:delivered:${jobId}`;
/** job id → owning front end, for every job with a delivery record */
const OWNERS = 'domainshift:delivery-owners';
/** records and claims outlive any job BullMQ keeps (removeOnComplete: 1 h), then go */
const KEEP_SECONDS = 24 * 3600;
const DEFAULT_LEASE_MS = 15_000;

export interface Orphan {
  jobId: string;
  owner: string;
  delivery: Delivery;
}

export class DeliveryLedger {
  /** this front end's name in Redis (logged, so that an adoption can be traced to the dead process) */
  readonly frontEnd = `fe-${newJobId()}`;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {}

  /** takes the lease and keeps it while the process lives (refreshed three times per lease) */
  async start(onError: (e: unknown) => void): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => this.renew().catch(onError), Math.max(200, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    await this.redis.set(leaseKey(this.frontEnd), String(process.pid), 'PX', this.leaseMs);
  }

  async record(jobId: string, delivery: Delivery): Promise<void> {
    await this.redis.multi().set(recordKey(jobId), JSON.stringify(delivery), 'EX', KEEP_SECONDS).hset(OWNERS, jobId, this.frontEnd).exec();
  }

  /** true for exactly one caller per job, across every front end; the record is dropped once claimed */
  async claim(jobId: string): Promise<boolean> {
    const won = (await this.redis.set(claimKey(jobId), this.frontEnd, 'EX', KEEP_SECONDS, 'NX')) === 'OK';
    await this.forget(jobId);
    return won;
  }

  async forget(jobId: string): Promise<void> {
    await this.redis.multi().del(recordKey(jobId)).hdel(OWNERS, jobId).exec();
  }

  /** tracked jobs whose owner's lease has run out (the owner died or stalled past its lease) */
  async orphans(): Promise<Orphan[]> {
    const owners = Object.entries(await this.redis.hgetall(OWNERS));
    const names = [...new Set(owners.map(([, o]) => o))];
    const alive = new Set<string>();
    for (const [i, n] of (names.length ? await this.redis.mget(names.map(leaseKey)) : []).entries()) if (n !== null) alive.add(names[i]);
    const orphaned = owners.filter(([, o]) => !alive.has(o));
    if (!orphaned.length) return [];
    const records = await this.redis.mget(orphaned.map(([id]) => recordKey(id)));
    const out: Orphan[] = [];
    for (const [i, [jobId, owner]] of orphaned.entries()) {
      const raw = records[i];
      if (raw === null)
        await this.redis.hdel(OWNERS, jobId); // its record expired: nobody can deliver it
      else out.push({ jobId, owner, delivery: JSON.parse(raw) as Delivery });
    }
    return out;
  }

  /** a graceful stop: jobs still tracked become orphans at once, for the other front ends */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(leaseKey(this.frontEnd));
  }
}

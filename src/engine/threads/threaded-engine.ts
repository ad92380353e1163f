// An Engine whose work runs in worker threads: each thread opens the pack itself, and every call travels there
// and back by message, so the caller's event loop (the bot talking to Discord, Slack, the playground) never
// waits on ONNX Runtime, sharp, face detection, alignment or paste-back. Calls go to the least busy thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { blendDomains } from '../domains.js';
import { EngineInputError } from '../errors.js';
import type { OpenPackOptions } from '../index.js';
import type { PackManifest } from '../manifest.js';
import type { Engine } from '../types.js';
import {
  errorFromWire,
  reviveBuffers,
  type CallMessage,
  type FailedMessage,
  type ReadyMessage,
  type RemoteMethod,
  type ReplyMessage,
} from './protocol.js';

const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url);

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

class EngineThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<ReadyMessage>;
  private dead: Error | null = null;

  constructor(packDir: string, options: OpenPackOptions) {
    this.worker = new Worker(BOOTSTRAP, { workerData: { packDir, options } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: ReadyMessage | FailedMessage | ReplyMessage) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'failed') reject(errorFromWire(m.error));
        else this.settle(m);
      });
      const die = (e: Error) => {
        this.dead = e;
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      };
      this.worker.on('error', die);
      this.worker.on('exit', (code) => die(new Error(`the engine thread stopped (exit code ${code})`)));
    });
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.dead === null;
  }

  private settle(m: ReplyMessage): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(errorFromWire(m.error));
    else p.resolve(reviveBuffers(m.value));
  }

  call(id: number, method: RemoteMethod, args: unknown[]): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'call', id, method, args } satisfies CallMessage);
    });
  }
}

export interface ThreadedEngineOptions extends OpenPackOptions {
  /** engine threads, each with its own sessions (`threads` stays ONNX Runtime's intra-op threads); default 1 */
  workers?: number;
}

export class ThreadedEngine implements Engine {
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly pool: EngineThread[],
    private readonly spawn: () => EngineThread,
    readonly manifest: PackManifest,
    readonly packDir: string,
    readonly provider: string,
    private readonly identity: Float32Array,
  ) {}

  /** Starts the threads and waits until each has opened the pack (a pack error rejects here, as openPack would). */
  static async open(packDir: string, options: ThreadedEngineOptions = {}): Promise<ThreadedEngine> {
    const { workers = 1, ...packOptions } = options;
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError('an engine needs at least one thread');
    // ONNX Runtime's own thread pool per session: unless told, the engine threads share the cores
    packOptions.threads ??= Math.max(1, Math.floor(availableParallelism() / workers));
    const spawn = () => new EngineThread(packDir, packOptions);
    const pool = Array.from({ length: workers }, spawn);
    try {
      const [first] = await Promise.all(pool.map((t) => t.ready));
      return new ThreadedEngine(pool, spawn, first.manifest as PackManifest, first.packDir, first.provider, first.identity);
    } catch (e) {
      await Promise.all(pool.map((t) => t.worker.terminate()));
      throw e;
    }
  }

  /** engine threads alive now */
  get liveWorkers(): number {
    return this.pool.filter((t) => t.alive).length;
  }

  private pick(): EngineThread {
    // a thread that died (out of memory, a native crash) is replaced before the next call
    for (let i = 0; i < this.pool.length; i++) if (!this.pool[i].alive) this.pool[i] = this.spawn();
    return this.pool.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private async call<T>(method: RemoteMethod, ...args: unknown[]): Promise<T> {
    if (this.closed) throw new Error('this engine has been closed');
    const thread = this.pick();
    await thread.ready;
    return (await thread.call(this.nextId++, method, args)) as T;
  }

  embedText: Engine['embedText'] = (texts) => this.call('embedText', texts);
  embedImage: Engine['embedImage'] = (images) => this.call('embedImage', images);
  domainFromText: Engine['domainFromText'] = (req) => this.call('domainFromText', req);
  domainFromImage: Engine['domainFromImage'] = (req) => this.call('domainFromImage', req);
  generate: Engine['generate'] = (req) => this.call('generate', req);
  generateFromReference: Engine['generateFromReference'] = (req) => this.call('generateFromReference', req);
  invert: Engine['invert'] = (images) => this.call('invert', images);
  editDirection: Engine['editDirection'] = (req) => this.call('editDirection', req);
  stylize: Engine['stylize'] = (req) => this.call('stylize', req);
  evaluate: Engine['evaluate'] = (req) => this.call('evaluate', req);

  identityDomain(): Float32Array {
    return new Float32Array(this.identity);
  }

  blend(domains: Float32Array[], weights: number[]): Float32Array {
    try {
      return blendDomains(domains, weights, this.identity, this.manifest.domainLayout);
    } catch (err) {
      throw new EngineInputError((err as Error).message);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.pool.map(async (t) => {
        if (!t.alive) return;
        const exited = new Promise((r) => t.worker.once('exit', r));
        t.worker.postMessage({ type: 'close' });
        // a thread stuck in a long call is stopped after a grace period
        const timer = setTimeout(() => void t.worker.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

// The PyTorch side of the bench: one long-lived bench/torch_worker.py per pack, asked to time one stage at a time,
// so that its runs interleave with the engine's in the same rounds.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const PYTHON = '/usr/bin/python3';

export interface TorchInfo {
  torch: string;
  threads: number;
  mkldnn: boolean;
  build_ms: number;
}

export class TorchWorker {
  private answers: Array<(line: string) => void> = [];
  private exited: string | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.answers.shift()?.(line));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('exit', (code) => {
      this.exited = `PyTorch worker exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`;
      for (const a of this.answers.splice(0)) a(JSON.stringify({ error: this.exited }));
    });
  }

  /** Starts a worker on a pack; its answer says which PyTorch it is, or why it cannot run. */
  static async start(root: string, pack: string, batch: number, threads: number, device: 'cpu' | 'cuda' = 'cpu'): Promise<{ worker: TorchWorker; info: TorchInfo } | string> {
    const child = spawn(PYTHON, [path.join(root, 'bench/torch_worker.py')], { cwd: root, stdio: 'pipe' });
    const worker = new TorchWorker(child);
    child.on('error', () => undefined);
    const info = await worker.ask({ setup: pack, batch, threads, device });
    if ('error' in info) {
      worker.stop();
      return String(info.error);
    }
    return { worker, info: info as unknown as TorchInfo };
  }

  private ask(req: object): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.resolve({ error: this.exited });
    return new Promise((resolve) => {
      this.answers.push((line) => resolve(JSON.parse(line)));
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  /** one forward pass of a stage, in milliseconds */
  async run(stage: string): Promise<number> {
    const out = await this.ask({ run: stage });
    if (typeof out.ms !== 'number') throw new Error(String(out.error ?? 'no answer'));
    return out.ms;
  }

  stop(): void {
    this.child.stdin.end();
    if (!this.exited) this.child.kill();
  }
}

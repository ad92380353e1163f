// The PyTorch side of the bench: one long-lived bench/torch_worker.py per pack, asked to time one stage at a time,
// so that its runs interleave with the engine's in the same rounds.
import path from 'node:path';
import { LineWorker } from './line-worker.js';

const PYTHON = '/usr/bin/python3';

export interface TorchInfo {
  torch: string;
  threads: number;
  mkldnn: boolean;
  build_ms: number;
}

export class TorchWorker {
  private constructor(private readonly worker: LineWorker) {}

  /** Starts a worker on a pack; its answer says which PyTorch it is, or why it cannot run. */
  static async start(
    root: string,
    pack: string,
    batch: number,
    threads: number,
    device: 'cpu' | 'cuda' = 'cpu',
  ): Promise<{ worker: TorchWorker; info: TorchInfo } | string> {
    const worker = LineWorker.spawn(PYTHON, [path.join(root, 'bench/torch_worker.py')], root);
    const info = await worker.ask({ setup: pack, batch, threads, device });
    if ('error' in info) {
      worker.stop();
      return String(info.error);
    }
    return { worker: new TorchWorker(worker), info: info as unknown as TorchInfo };
  }

  /** one forward pass of a stage, in milliseconds */
  run(stage: string): Promise<number> {
    return this.worker.ms({ run: stage });
  }

  stop(): void {
    this.worker.stop();
  }
}

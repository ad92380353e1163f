// A long-lived child process the bench asks one JSON line at a time (one answer line each), so that its runs
// interleave with the engine's in the same rounds: PyTorch (torch.ts) and the bot as it was before issue 13
// (pre-issue.ts).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export class LineWorker {
  private answers: Array<(line: string) => void> = [];
  private exited: string | null = null;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.answers.shift()?.(line));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', () => undefined);
    child.on('exit', (code) => {
      this.exited = `worker exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`;
      for (const a of this.answers.splice(0)) a(JSON.stringify({ error: this.exited }));
    });
  }

  static spawn(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): LineWorker {
    return new LineWorker(spawn(command, args, { cwd, stdio: 'pipe', env: env ?? process.env }));
  }

  ask(req: object): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.resolve({ error: this.exited });
    return new Promise((resolve) => {
      this.answers.push((line) => {
        try {
          resolve(JSON.parse(line));
        } catch {
          resolve({ error: `not an answer: ${line.slice(0, 200)}` });
        }
      });
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  /** the `ms` of an answer, or the worker's error thrown */
  async ms(req: object): Promise<number> {
    const out = await this.ask(req);
    if (typeof out.ms !== 'number') throw new Error(String(out.error ?? 'no answer'));
    return out.ms;
  }

  stop(): void {
    this.child.stdin.end();
    if (!this.exited) this.child.kill();
  }
}

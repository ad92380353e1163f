// ONNX Runtime sessions. CPU is the default; CUDA is used when this onnxruntime-node build ships it and a session
// actually starts on it (a GPU host installs onnxruntime-node with the cuda12 flag). CUDA is never required.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';

export type ProviderChoice = 'auto' | 'cpu' | 'cuda';

/**
 * Off: in `npm run bench -- --threads-sweep` on a loaded 2-core machine, demo synthesis took 0.69× (1 thread) and
 * 0.86× (2 threads) of the time with spinning on (bench/README.md). No quiet-machine measurement yet.
 */
export const DEFAULT_SPINNING = false;
export interface SessionOptions {
  provider?: ProviderChoice;
  /**
   * intra-op threads per session; default: ONNX Runtime's own choice (one per core). onnxruntime-node creates its
   * environment without global thread pools (a session asking for them fails to start), so every session owns its
   * pool; they take turns, as a pack's graphs run one after another.
   */
  threads?: number;
  /** inter-op threads; default 1 (graphs here are sequential) */
  interOpThreads?: number;
  /**
   * whether idle pool threads spin-wait for the next parallel section (ONNX Runtime's own default: on); default
   * DEFAULT_SPINNING. Off gives the cores back at once: what a machine shared with other work, or six idle sessions
   * per pack, want.
   */
  spinning?: boolean;
  /** the GPU a CUDA session runs on (CUDA_VISIBLE_DEVICES numbering); default 0 */
  cudaDevice?: number;
}

/**
 * True when this onnxruntime-node install can run the CUDA execution provider: the binding lists it (it does on
 * linux/x64, as "not bundled") and its provider library is present beside the binding, which is what
 * `npm install --onnxruntime-node-install=cuda12` adds. Creating the session is still the final test (openSession).
 */
export function cudaAvailable(): boolean {
  try {
    const listed = ort.listSupportedBackends().find((b) => b.name === 'cuda');
    if (!listed) return false;
    if (listed.bundled) return true;
    const require = createRequire(import.meta.url);
    const binDir = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** The execution provider asked for cannot run here: a property of the machine, not of the pack or the request. */
export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: 'cpu' | 'cuda';
}

function baseOptions(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  const o: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', interOpNumThreads: opts.interOpThreads ?? 1 };
  if (opts.threads && opts.threads > 0) o.intraOpNumThreads = opts.threads;
  // session config keys of onnxruntime_session_options_config_keys.h; the binding flattens `extra` into them
  const spin = (opts.spinning ?? DEFAULT_SPINNING) ? '1' : '0';
  o.extra = { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } };
  return o;
}

/**
 * The CUDA execution provider as onnxruntime-node configures it: the binding reads `deviceId` and leaves every other
 * CUDA option at ONNX Runtime's default (arena growth by powers of two, exhaustive cuDNN convolution search, which
 * suits fixed batch sizes: the first run of each shape picks the kernels, later runs reuse them).
 */
function cudaProvider(opts: SessionOptions): ort.InferenceSession.ExecutionProviderConfig {
  return { name: 'cuda', deviceId: opts.cudaDevice ?? 0 };
}

export async function openSession(file: string, opts: SessionOptions = {}): Promise<OpenedSession> {
  const choice = opts.provider ?? 'auto';
  if (choice !== 'cpu') {
    if (cudaAvailable()) {
      try {
        const session = await ort.InferenceSession.create(file, { ...baseOptions(opts), executionProviders: [cudaProvider(opts)] });
        return { session, provider: 'cuda' };
      } catch (err) {
        if (choice === 'cuda') throw new ProviderError(`CUDA execution provider failed to start for ${file}: ${(err as Error).message}`);
      }
    } else if (choice === 'cuda') {
      throw new ProviderError(
        'CUDA was asked for, but this onnxruntime-node build has no CUDA execution provider (install it with --onnxruntime-node-install=cuda12)',
      );
    }
  }
  const session = await ort.InferenceSession.create(file, { ...baseOptions(opts), executionProviders: ['cpu'] });
  return { session, provider: 'cpu' };
}

export function f32(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/**
 * Runs a session and returns the named output as float32 with its dims. With `into` (the output's exact size and
 * dims), ONNX Runtime writes into that preallocated tensor instead of allocating one per run.
 */
export async function runF32(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  output: string,
  into?: ort.Tensor,
): Promise<{ data: Float32Array; dims: number[] }> {
  const result = into ? await session.run(feeds, { [output]: into }) : await session.run(feeds);
  const t = result[output];
  if (!t) throw new Error(`graph produced no output "${output}"`);
  if (t.type !== 'float32') throw new Error(`output "${output}" is ${t.type}, expected float32`);
  return { data: t.data as Float32Array, dims: [...t.dims] };
}

export { ort };

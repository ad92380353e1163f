// Loads @vladmandic/face-api and its pretrained weights (shipped in the npm package) once per process.
// tfjs-node is used when it is installed (it cannot install on every machine); otherwise tfjs on the WASM backend,
// whose .wasm binaries ship in @tensorflow/tfjs-backend-wasm and are read from disk, never from a CDN.
import { createRequire } from 'node:module';
import path from 'node:path';

export type FaceApi = typeof import('@vladmandic/face-api');

/** The few tfjs-core calls used here (face-api's own typings re-export only part of tfjs). */
export interface TfCore {
  ready(): Promise<void>;
  getBackend(): string;
  setBackend(name: string): Promise<boolean>;
  tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
  memory(): { numTensors: number; numBytes: number };
}

export interface FaceLib {
  faceapi: FaceApi;
  tf: TfCore;
  /** the tfjs backend face-api runs on: "tensorflow" (tfjs-node) or "wasm" */
  backend: string;
}

const require = createRequire(import.meta.url);
let loading: Promise<FaceLib> | null = null;

/** Where face-api's weights lie: the package's own model folder. */
function modelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

async function loadTfjsNode(): Promise<FaceLib | null> {
  try {
    // an optional npm package (not a dependency): required by a name held in a variable so that TypeScript does
    // not insist on it; the layer check only forbids computed import() between this repo's own modules
    const name = '@tensorflow/tfjs-node';
    require(name);
  } catch {
    return null;
  }
  const faceapi = require('@vladmandic/face-api/dist/face-api.node.js') as FaceApi;
  const tf = faceapi.tf as unknown as TfCore;
  await tf.ready();
  return { faceapi, tf, backend: tf.getBackend() };
}

async function loadWasm(): Promise<FaceLib> {
  // the Emscripten runtime registers process handlers that rethrow every uncaught error and unhandled rejection,
  // which would bring down a bot that handles those itself: take back whatever it adds
  const before = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
  try {
    return await startWasm();
  } finally {
    const emitter = process as unknown as NodeJS.EventEmitter;
    for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
      for (const l of emitter.listeners(event))
        if (!(before[event] as unknown[]).includes(l)) emitter.removeListener(event, l as (...args: unknown[]) => void);
    }
  }
}

async function startWasm(): Promise<FaceLib> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string, usePlatformFetch?: boolean): void };
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  // usePlatformFetch=false: Node reads the binaries with fs (fetch cannot take a file path)
  wasm.setWasmPaths(wasmDir, false);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  const tf = faceapi.tf as unknown as TfCore;
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('the tfjs WASM backend did not start');
  await tf.ready();
  return { faceapi, tf, backend: tf.getBackend() };
}

async function load(): Promise<FaceLib> {
  const lib = (await loadTfjsNode()) ?? (await loadWasm());
  const dir = modelDir();
  const { nets } = lib.faceapi;
  await Promise.all([
    nets.ssdMobilenetv1.loadFromDisk(dir),
    nets.faceLandmark68Net.loadFromDisk(dir),
    nets.faceRecognitionNet.loadFromDisk(dir),
  ]);
  return lib;
}

/** face-api with SSD MobileNet v1, the 68-point landmark net and the recognition net loaded; lazy, once. */
export function faceLib(): Promise<FaceLib> {
  loading ??= load().catch((err) => {
    loading = null; // a failed start may be retried by a later request
    throw err;
  });
  return loading;
}

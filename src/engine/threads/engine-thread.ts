// One engine thread: opens the pack itself (its own ONNX Runtime sessions, sharp, face detector) and answers
// calls from the main thread, so no tensor, pixel or face work ever runs on the bot's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { openPack, type OpenPackOptions } from '../index.js';
import type { Engine } from '../types.js';
import { errorToWire, reviveBuffers, REMOTE_METHODS, type CallMessage, type ReplyMessage } from './protocol.js';

const { packDir, options } = workerData as { packDir: string; options: OpenPackOptions };
const port = parentPort!;

let engine: Engine;
try {
  engine = await openPack(packDir, options);
  port.postMessage({
    type: 'ready',
    manifest: engine.manifest,
    identity: engine.identityDomain(),
    provider: engine.provider,
    packDir: engine.packDir,
  });
} catch (e) {
  port.postMessage({ type: 'failed', error: errorToWire(e) });
  process.exit(1);
}

port.on('message', async (msg: CallMessage | { type: 'close' }) => {
  if (msg.type === 'close') {
    await engine.close();
    port.close();
    return;
  }
  const reply: ReplyMessage = { type: 'reply', id: msg.id };
  try {
    if (!REMOTE_METHODS.includes(msg.method)) throw new Error(`unknown engine method ${msg.method}`);
    const fn = engine[msg.method] as (...a: unknown[]) => Promise<unknown>;
    reply.value = await fn.apply(engine, reviveBuffers(msg.args) as unknown[]);
  } catch (e) {
    reply.error = errorToWire(e);
  }
  // copied, not transferred: a returned array may be one the engine keeps (a cached direction)
  port.postMessage(reply);
});

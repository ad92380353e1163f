// Worker-thread entry: the engine is TypeScript run through tsx's loader (no build step), so each thread
// registers the loader before importing the real worker module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);

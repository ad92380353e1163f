// Worker-thread entry: the engine is TypeScript run through tsx's loader (no build step), so each thread
// registers the loader before importing the real worker module (a literal path, so that readers and the
// import-direction check see it).
import { register } from 'tsx/esm/api';

register();
await import('./engine-thread.ts');

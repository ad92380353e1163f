import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // sized for a loaded 2-core machine (a face test took 70 s there); no test asserts wall-clock time
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // ONNX Runtime and sharp use native threads; forks keep each file's process separate
    pool: 'forks',
  },
});

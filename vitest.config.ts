import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Forks, not threads: Temporal's native bridge and pkcs11js misbehave in worker threads (DESIGN 11).
// SWC, not esbuild: NestJS needs decorator metadata, which esbuild does not emit.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/support/quiet-temporal-logs.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});

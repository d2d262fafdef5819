import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when it is missing or older than src/ (the pool's worker and the spawned bins run it).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Host-metric accuracy and pool tests compete for 2 cores; forks keep
    // worker_threads / child processes of one file away from another's.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});

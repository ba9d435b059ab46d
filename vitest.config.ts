import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    // Each test file boots its own server and database; two cores run two files at once.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Tests are bounded: nothing waits on a real 15-minute lifetime.
    teardownTimeout: 10_000,
  },
});

import { defineConfig } from 'vitest/config';

// `npm run test:faults`: fault injection with the real MultiLangDaemon and the local
// stand-ins (plus strict-fake-daemon storms). Files run one after another: each starts
// JVMs, and CI has 2 cores.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/faults/**/*.faults.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 900_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
    reporters: ['verbose'],
  },
});

import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the end-to-end suites (real MultiLangDaemon, kinesis-local,
// DynamoDB Local). Files run one after another: each starts JVMs, and CI has 2 cores.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/e2e/**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
    reporters: ['verbose'],
  },
});

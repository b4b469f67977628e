import { defineConfig } from 'vitest/config';

// `npm test`: everything but the end-to-end and fault-injection suites, which need Java and the stand-ins.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/faults/**', '**/node_modules/**'],
    testTimeout: 20_000,
  },
});

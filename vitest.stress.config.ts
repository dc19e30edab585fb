import { defineConfig } from 'vitest/config';

// `npm run test:stress`: the long soak and load runs, kept out of `npm test`.
export default defineConfig({
  test: {
    include: ['test/stress/**/*.stress.ts'],
    testTimeout: 60 * 60_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
  },
});

import { defineConfig } from 'vitest/config'

// The browser tests: run by tests/e2e/test_portal.py against `aura serve` (see e2e/support.ts).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    sequence: { concurrent: false },
    reporters: ['verbose'],
  },
})

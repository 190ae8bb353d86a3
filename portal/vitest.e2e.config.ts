import { defineConfig } from 'vitest/config'

// The browser tests: run by tests/e2e/test_portal.py against `aura serve` (see e2e/support.ts).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // A page waits on the server: expect.poll gets 20 s instead of its default 1 s.
    expect: { poll: { timeout: 20_000, interval: 100 } },
    sequence: { concurrent: false },
    reporters: ['verbose'],
  },
})

import { defineConfig } from '@playwright/test';
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAG } from './scripts/chromium.mjs';

// Debian's Chromium (Playwright's own browser download cannot work here). --enable-unsafe-webgpu gives
// a WebGPU adapter (SwiftShader on machines without a GPU); the other flags stop Chromium from trying
// to reach the network. Specs that need no WebGPU launch their own browser without the flag.
export { CHROMIUM, QUIET_FLAGS };
export const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    launchOptions: { executablePath: CHROMIUM, args: [...QUIET_FLAGS, WEBGPU_FLAG] },
    trace: 'off',
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});

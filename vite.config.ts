/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

// The app may only talk to its own origin: no request ever leaves it. The same policy is sent as a
// header by `vite preview` (npm start) and written as a <meta> tag into the built index.html for static
// hosts that send no header; the training worker is started from a blob: URL (worker/client.ts), so it
// inherits the page's policy either way. README "Deployment notes" gives the header for other hosts.
export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; " +
  "base-uri 'self'; form-action 'self'";
// The dev server needs React refresh's inline script and Vite's HMR websocket, and nothing else more.
const DEV_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
  "connect-src 'self'",
  "connect-src 'self' ws: wss:",
);
const contentSecurityPolicy = (): Plugin => ({
  name: 'hexa-csp',
  apply: 'build',
  transformIndexHtml: (html) =>
    html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
});

// base './' keeps the bundle relocatable: it works from any static file host and sub-path.
export default defineConfig({
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  preview: { headers: { 'Content-Security-Policy': CSP } },
  server: { headers: { 'Content-Security-Policy': DEV_CSP } },
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 240_000, // training tests on 2 shared cores in CI
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one worker on CI's 2 cores. The learning tests
    // are CPU-bound and the main process idles, so two workers halve their wall time there.
    maxWorkers: 2,
  },
});

/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

// The built app may only talk to its own origin: no request ever leaves it (dev mode needs inline
// scripts for React refresh, so the policy is added to the production bundle only).
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'";
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
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 240_000, // training tests run on the CPU backend; 2 shared cores in CI
    pool: 'forks',
  },
});

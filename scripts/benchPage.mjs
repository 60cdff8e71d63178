// The one way the headless bench pages run (scripts/bench.mjs: bench/index.html, scripts/conformance.mjs:
// bench/conformance.html): Vite's dev server on a free port (no watcher, no HMR, its own pre-bundled
// dependency cache), Debian's headless Chromium with WebGPU on (scripts/chromium.mjs), the page's
// window.__bench log streamed to stderr until it has a result or an error, then everything closed.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAG } from './chromium.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens `page` (a path under the repository, e.g. 'bench/index.html') with `query` and waits for its
 * window.__bench to hold a result or an error. Returns `{ state, chromium }` (the page's final
 * { log, result, error } and the browser's version); throws when the page fails to load, crashes or
 * runs past `timeoutMs`. `label` prefixes the address line.
 */
export async function runBenchPage({ page: pagePath, query, include, timeoutMs, label }) {
  const server = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    // Own dependency cache, pre-bundled up front: no mid-run "optimized dependencies changed" reload.
    cacheDir: resolve(root, 'node_modules/.vite-bench'),
    optimizeDeps: { entries: [pagePath], include },
    // No watcher, no HMR: edits made elsewhere while the bench runs must not reload the page.
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  });
  let browser = null;
  try {
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('The Vite server has no port');
    const url = `http://127.0.0.1:${address.port}/${pagePath}?${query}`;
    log(`${label}: ${url}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...QUIET_FLAGS, WEBGPU_FLAG],
      headless: true,
    });
    const page = await browser.newPage();
    let pageCrash = null;
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    page.on('crash', () => (pageCrash = 'The page crashed'));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`console ${m.type()}: ${m.text()}`);
    });
    await page.goto(url, { timeout: 180_000 }); // the dev server transforms the modules on first load
    const deadline = Date.now() + timeoutMs;
    let shown = 0;
    for (;;) {
      const state = await page.evaluate(() => globalThis.__bench ?? null);
      if (state) {
        for (; shown < state.log.length; shown++) log(state.log[shown]);
        if (state.result || state.error) return { state, chromium: browser.version() };
      }
      if (pageCrash) throw new Error(pageCrash);
      if (Date.now() > deadline) throw new Error(`The page did not finish within ${timeoutMs / 60_000} min`);
      await sleep(1000);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
}

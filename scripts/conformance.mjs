// npm run conformance [-- --backend webgpu|webgl|cpu] [--curve-steps N]
// The numerical health check of this machine's adapter (src/engine/runtime/conformance.ts): serves
// bench/conformance.html with Vite's dev server, runs it in headless Chromium (Debian's, WebGPU on),
// streams progress to stderr and prints the report as one JSON object on stdout. Exits 1 when a
// check fails, 2 on bad arguments.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAG } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = 20 * 60_000;
const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv) {
  const opts = { backend: 'webgpu', curveSteps: 5 };
  const usage = (m) => {
    log(`${m}\nUsage: npm run conformance -- [--backend webgpu|webgl|cpu] [--curve-steps N]`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--backend') opts.backend = value();
    else if (flag === '--curve-steps') opts.curveSteps = Number(value());
    else usage(`Unknown option ${argv[i]}`);
  }
  if (!['webgpu', 'webgl', 'cpu'].includes(opts.backend)) usage(`Unknown backend "${opts.backend}"`);
  if (!Number.isInteger(opts.curveSteps) || opts.curveSteps < 0)
    usage('--curve-steps must be an integer ≥ 0');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const server = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: resolve(root, 'node_modules/.vite-bench'),
    optimizeDeps: {
      entries: ['bench/conformance.html'],
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
    },
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  });
  let browser = null;
  let exitCode = 1;
  try {
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('The Vite server has no port');
    const query = new URLSearchParams({ backend: opts.backend, curveSteps: String(opts.curveSteps) });
    const url = `http://127.0.0.1:${address.port}/bench/conformance.html?${query}`;
    log(`conformance: ${url}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...QUIET_FLAGS, WEBGPU_FLAG],
      headless: true,
    });
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`console ${m.type()}: ${m.text()}`);
    });
    await page.goto(url, { timeout: 180_000 }); // the dev server transforms the modules on first load
    const deadline = Date.now() + TIMEOUT_MS;
    let shown = 0;
    let state = null;
    for (;;) {
      state = await page.evaluate(() => globalThis.__bench ?? null);
      if (state) {
        for (; shown < state.log.length; shown++) log(state.log[shown]);
        if (state.result || state.error) break;
      }
      if (Date.now() > deadline) throw new Error('The check did not finish in time');
      await sleep(1000);
    }
    if (!state.result) throw new Error(state.error);
    const result = { date: new Date().toISOString(), chromium: browser.version(), ...state.result };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    exitCode = state.result.pass ? 0 : 1;
  } catch (e) {
    log(`conformance failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
  process.exit(exitCode);
}

main();

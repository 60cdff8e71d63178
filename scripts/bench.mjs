// npm run bench [-- --quick] [--backends webgpu,webgl] [--presets tiny,small-gpu] [--steps N] [--skip-data]
//   [--skip-cluster] [--skip-import] [--full-recluster] [--skip-flags]
// Serves bench/index.html with Vite's dev server, runs it in headless Chromium (Debian's, with the
// flags of playwright.config.ts), streams the page's progress to stderr and prints the result as one
// JSON object on stdout. Exits non-zero when anything failed.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAG } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FLAGS = [...QUIET_FLAGS, WEBGPU_FLAG];
const TIMEOUT_MS = 30 * 60_000;

function usage(message) {
  process.stderr.write(
    `${message}\nUsage: npm run bench -- [--quick] [--backends webgpu,webgl] [--presets tiny,small-gpu] [--steps N] [--skip-data] [--skip-cluster] [--skip-import] [--full-recluster] [--skip-flags]\n`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    quick: false,
    backends: 'webgpu,webgl',
    presets: null,
    steps: null,
    skipData: false,
    skipCluster: false,
    skipImport: false,
    fullRecluster: false,
    skipFlags: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--quick') opts.quick = true;
    else if (flag === '--skip-data') opts.skipData = true;
    else if (flag === '--skip-cluster') opts.skipCluster = true;
    else if (flag === '--skip-import') opts.skipImport = true;
    else if (flag === '--full-recluster') opts.fullRecluster = true;
    else if (flag === '--skip-flags') opts.skipFlags = true;
    else if (flag === '--backends') opts.backends = value();
    else if (flag === '--presets') opts.presets = value();
    else if (flag === '--steps') {
      opts.steps = Number(value());
      if (!Number.isInteger(opts.steps) || opts.steps < 1) usage('--steps must be a positive integer');
    } else usage(`Unknown option ${argv[i]}`);
  }
  for (const b of opts.backends.split(',')) {
    if (!['webgpu', 'webgl', 'cpu'].includes(b)) usage(`Unknown backend "${b}" (webgpu, webgl, cpu)`);
  }
  return opts;
}

const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pkgVersion = (name) =>
  JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')).version;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const loadAtStart = loadavg();
  const server = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    // Own dependency cache, pre-bundled up front: no mid-run "optimized dependencies changed" reload.
    cacheDir: resolve(root, 'node_modules/.vite-bench'),
    optimizeDeps: {
      entries: ['bench/index.html'],
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'idb'],
    },
    // No watcher, no HMR: edits made elsewhere while the bench runs must not reload the page.
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  });
  let browser = null;
  let exitCode;
  try {
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('The Vite server has no port');
    const query = new URLSearchParams({ backends: opts.backends });
    if (opts.quick) query.set('quick', '1');
    if (opts.presets) query.set('presets', opts.presets);
    if (opts.steps) query.set('steps', String(opts.steps));
    if (opts.skipData) query.set('skipData', '1');
    if (opts.skipCluster) query.set('skipCluster', '1');
    if (opts.skipImport) query.set('skipImport', '1');
    if (opts.fullRecluster) query.set('fullRecluster', '1');
    if (opts.skipFlags) query.set('skipFlags', '1');
    const url = `http://127.0.0.1:${address.port}/bench/index.html?${query}`;
    log(`bench: ${url}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    const chromiumVersion = browser.version();
    const page = await browser.newPage();
    let pageCrash = null;
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    page.on('crash', () => (pageCrash = 'The page crashed'));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`console ${m.type()}: ${m.text()}`);
    });
    await page.goto(url, { timeout: 180_000 }); // the dev server transforms the modules on first load

    const deadline = Date.now() + TIMEOUT_MS;
    let shown = 0;
    let state = null;
    for (;;) {
      state = await page.evaluate(() => {
        const b = globalThis.__bench;
        return b ? { log: b.log, result: b.result, error: b.error, done: b.result !== null } : null;
      });
      if (state) {
        for (; shown < state.log.length; shown++) log(state.log[shown]);
        if (state.done || (state.error && !state.result)) break;
      }
      if (pageCrash) throw new Error(pageCrash);
      if (Date.now() > deadline)
        throw new Error(`The bench did not finish within ${TIMEOUT_MS / 60_000} min`);
      await sleep(1000);
    }
    if (!state.result) throw new Error(`The bench page failed: ${state.error}`);

    const result = {
      date: new Date().toISOString(),
      chromium: chromiumVersion,
      machine: {
        cpus: cpus().length,
        loadAverage1mAtStart: Number(loadAtStart[0].toFixed(2)),
        loadAverage1mAtEnd: Number(loadavg()[0].toFixed(2)),
        note: 'other processes share these CPUs; SwiftShader runs WebGPU and WebGL on them too',
      },
      ...state.result,
      tfjs: { ...state.result.tfjs, 'tfjs-backend-webgpu': pkgVersion('@tensorflow/tfjs-backend-webgpu') },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (state.error) log(`bench: finished with errors: ${state.error}`);
    exitCode = state.error ? 1 : 0;
  } catch (e) {
    log(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    exitCode = 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
  process.exit(exitCode);
}

main();

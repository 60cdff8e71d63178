// npm run bench [-- --quick] [--backends webgpu,webgl] [--presets tiny,small-gpu] [--steps N] [--skip-data]
//   [--skip-cluster] [--skip-import] [--full-recluster] [--skip-flags]
// Serves bench/index.html with Vite's dev server, runs it in headless Chromium (scripts/benchPage.mjs),
// streams the page's progress to stderr and prints the result as one
// JSON object on stdout. Exits non-zero when anything failed.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { log, root, runBenchPage } from './benchPage.mjs';

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
    if (!['webgpu', 'webgl', 'wasm', 'cpu'].includes(b))
      usage(`Unknown backend "${b}" (webgpu, webgl, wasm, cpu)`);
  }
  return opts;
}

const pkgVersion = (name) =>
  JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')).version;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const loadAtStart = loadavg();
  const query = new URLSearchParams({ backends: opts.backends });
  if (opts.quick) query.set('quick', '1');
  if (opts.presets) query.set('presets', opts.presets);
  if (opts.steps) query.set('steps', String(opts.steps));
  if (opts.skipData) query.set('skipData', '1');
  if (opts.skipCluster) query.set('skipCluster', '1');
  if (opts.skipImport) query.set('skipImport', '1');
  if (opts.fullRecluster) query.set('fullRecluster', '1');
  if (opts.skipFlags) query.set('skipFlags', '1');
  let exitCode;
  try {
    const { state, chromium } = await runBenchPage({
      page: 'bench/index.html',
      query,
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'idb'],
      timeoutMs: TIMEOUT_MS,
      label: 'bench',
    });
    if (!state.result) throw new Error(`The bench page failed: ${state.error}`);
    const result = {
      date: new Date().toISOString(),
      chromium,
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
  }
  process.exit(exitCode);
}

main();

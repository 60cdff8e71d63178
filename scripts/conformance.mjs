// npm run conformance [-- --backend webgpu|webgl|cpu] [--curve-steps N]
// The numerical health check of this machine's adapter (src/engine/runtime/conformance.ts): serves
// bench/conformance.html with Vite's dev server, runs it in headless Chromium (scripts/benchPage.mjs),
// streams progress to stderr and prints the report as one JSON object on stdout. Exits 1 when a
// check fails, 2 on bad arguments.
import { log, runBenchPage } from './benchPage.mjs';

const TIMEOUT_MS = 20 * 60_000;

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
  let exitCode = 1;
  try {
    const { state, chromium } = await runBenchPage({
      page: 'bench/conformance.html',
      query: new URLSearchParams({ backend: opts.backend, curveSteps: String(opts.curveSteps) }),
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
      timeoutMs: TIMEOUT_MS,
      label: 'conformance',
    });
    if (!state.result) throw new Error(state.error);
    const result = { date: new Date().toISOString(), chromium, ...state.result };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    exitCode = state.result.pass ? 0 : 1;
  } catch (e) {
    log(`conformance failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.exit(exitCode);
}

main();

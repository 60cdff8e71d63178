// npm run breakdown [-- --backend webgpu|webgl] [--preset tiny] [--window-steps N] [--stock] [--no-sites]
// The per-kernel dispatches and uploads of one MoCo-v2 and one HEXA-MoCo step (bench/breakdown.ts):
// serves bench/breakdown.html like the bench and prints one JSON object on stdout (progress on stderr).
import { log, runBenchPage } from './benchPage.mjs';

const TIMEOUT_MS = 20 * 60_000;

function parseArgs(argv) {
  const opts = { backend: 'webgpu', preset: 'tiny', windowSteps: 2, stock: false, sites: true };
  const usage = (m) => {
    log(
      `${m}\nUsage: npm run breakdown -- [--backend webgpu|webgl] [--preset tiny] [--window-steps N] [--stock] [--no-sites]`,
    );
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--backend') opts.backend = value();
    else if (flag === '--preset') opts.preset = value();
    else if (flag === '--window-steps') opts.windowSteps = Number(value());
    else if (flag === '--stock') opts.stock = true;
    else if (flag === '--no-sites') opts.sites = false;
    else usage(`Unknown option ${argv[i]}`);
  }
  if (!['webgpu', 'webgl'].includes(opts.backend)) usage(`Unknown backend "${opts.backend}"`);
  if (!Number.isInteger(opts.windowSteps) || opts.windowSteps < 1)
    usage('--window-steps must be an integer ≥ 1');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let exitCode = 1;
  try {
    const query = new URLSearchParams({
      backend: opts.backend,
      preset: opts.preset,
      windowSteps: String(opts.windowSteps),
    });
    if (opts.stock) query.set('stock', '1');
    if (!opts.sites) query.set('sites', '0');
    const { state, chromium } = await runBenchPage({
      page: 'bench/breakdown.html',
      query,
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'idb'],
      timeoutMs: TIMEOUT_MS,
      label: 'breakdown',
    });
    if (!state.result) throw new Error(state.error);
    process.stdout.write(
      `${JSON.stringify({ date: new Date().toISOString(), chromium, ...state.result }, null, 2)}\n`,
    );
    exitCode = 0;
  } catch (e) {
    log(`breakdown failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.exit(exitCode);
}

main();

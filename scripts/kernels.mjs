// npm run kernels [-- --backends webgpu,webgl] [--reps N] [--batch N]
// npm run kernels -- --mode step [--reps N] [--steps N]   (the whole Tiny step, software kernels on/off, WebGL)
// Each heavy op of a Tiny-preset step timed in isolation, per backend, interleaved (bench/kernels.ts):
// serves bench/kernels.html like the bench and prints one JSON object on stdout (progress on stderr).
import { log, runBenchPage } from './benchPage.mjs';

async function main() {
  const query = new URLSearchParams({ backends: 'webgpu,webgl', reps: '5', batch: '32' });
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (!['--backends', '--reps', '--batch', '--mode', '--steps'].includes(flag) || value === undefined) {
      log(
        `Unknown option ${argv[i]}\nUsage: npm run kernels -- [--backends webgpu,webgl] [--reps N] [--batch N] [--mode step] [--steps N]`,
      );
      process.exit(2);
    }
    query.set(flag.slice(2), value);
  }
  let exitCode = 1;
  try {
    const { state, chromium } = await runBenchPage({
      page: 'bench/kernels.html',
      query,
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'idb'],
      timeoutMs: 40 * 60_000,
      label: 'kernels',
    });
    if (!state.result) throw new Error(state.error);
    process.stdout.write(
      `${JSON.stringify({ date: new Date().toISOString(), chromium, ...state.result }, null, 2)}\n`,
    );
    exitCode = 0;
  } catch (e) {
    log(`kernels failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.exit(exitCode);
}

main();

// The conformance page, driven by scripts/conformance.mjs: runs runConformance (src/engine/runtime/
// conformance.ts) on the WebGPU backend (or the one named in ?backend=) and exposes the report on
// window.__bench, as the bench page does.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/runtime/backend';
import { runConformance } from '../src/engine/runtime/conformance';
import { installBenchState } from './pageState';
import type { BackendName } from '../src/shared/backendTypes';

const { state, log } = installBenchState();

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const backend = (params.get('backend') ?? 'webgpu') as BackendName;
  const curveSteps = Number(params.get('curveSteps') ?? 5);
  const report = await initBackend(backend);
  log(
    `backend ${backend}${report.adapter ? ` (${report.adapter.vendor} ${report.adapter.architecture})` : ''}`,
  );
  const result = await runConformance({ curveSteps, log });
  state.result = { adapter: report.adapter, flags: report.flags, tfjs: tf.version.tfjs, ...result };
  if (!result.pass) state.error = 'conformance: some checks failed (see checks[].pass)';
  log(result.pass ? 'all checks pass' : 'FAILED');
}

main().catch((e: unknown) => {
  log(`failed: ${(e as Error).stack ?? String(e)}`);
  state.error = (e as Error).message ?? String(e);
  state.result = null;
});

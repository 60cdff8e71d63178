// The step breakdown page, driven by scripts/breakdown.mjs (bench/README.md, "npm run breakdown"): the
// per-kernel dispatches and uploads of one MoCo-v2 and one HEXA-MoCo step (tiny preset), counted as
// the bench's `counters` are (countSteps: Trainer.run(), one counted read-back window), own kernels
// and, with ?stock=1, tfjs's stock kernels too. Much faster than the bench: no timed blocks, no panels.
import * as tf from '@tensorflow/tfjs';
import { PRESETS, type PresetId } from '../src/shared/config';
import { initBackend } from '../src/engine/runtime/backend';
import { installCounters, setTraceSites, takeSites } from '../src/engine/runtime/counters';
import { setOwnKernels } from '../src/engine/runtime/kernels/fused';
import type { BackendName } from '../src/shared/backendTypes';
import { countSteps } from './counters';
import { installBenchState } from './pageState';
import { Rig, warmUp } from './rig';

const { state, log } = installBenchState();

async function main(): Promise<void> {
  Error.stackTraceLimit = 60;
  const params = new URLSearchParams(location.search);
  const backend = (params.get('backend') ?? 'webgpu') as BackendName;
  const preset = (params.get('preset') ?? 'tiny') as PresetId;
  const windowSteps = Number(params.get('windowSteps') ?? 2);
  const stock = params.get('stock') === '1';
  const sites = params.get('sites') !== '0';
  const report = await initBackend(backend);
  log(
    `backend ${backend}${report.adapter ? ` (${report.adapter.vendor} ${report.adapter.architecture})` : ''}`,
  );
  installCounters();
  const rig = new Rig({ ...PRESETS[preset].config, method: 'hexa-moco' });
  const result: Record<string, unknown> = { backend, preset, windowSteps, adapter: report.adapter };
  try {
    for (const [method, hard] of [
      ['moco-v2', false],
      ['hexa-moco', true],
    ] as const) {
      rig.hardExamples(hard);
      await warmUp(rig, 1, false);
      if (sites) {
        // One step with every dispatch and upload traced to its engine function (a stack per dispatch).
        setTraceSites(true);
        takeSites();
        await rig.step(false);
        await rig.readMetrics();
        result[`${method}-sites`] = takeSites();
        setTraceSites(false);
      }
      const paths = stock ? [true, false] : [true];
      for (const own of paths) {
        setOwnKernels(own);
        try {
          const c = await countSteps(rig, windowSteps);
          log(
            `${method} ${own ? 'own' : 'stock'}: ${c.dispatchesPerStep} dispatches, ${c.uploadsPerStep} uploads per step`,
          );
          result[`${method}${own ? '' : '-stock'}`] = c;
        } finally {
          setOwnKernels(true);
        }
      }
    }
  } finally {
    rig.dispose();
  }
  result.tensorsLeft = tf.memory().numTensors;
  state.result = result;
  log('done');
}

main().catch((e: unknown) => {
  log(`failed: ${(e as Error).stack ?? String(e)}`);
  state.error = (e as Error).message ?? String(e);
  state.result = null;
});

// The bench page's options (set by scripts/bench.mjs from its command line as the page's query) and the
// plan of steps per measurement; the page's log and result state (window.__bench).
import { type PresetId } from '../src/shared/config';
import { installBenchState } from './pageState';
import { type BackendName } from '../src/shared/backendTypes';

export const { state, log, started } = installBenchState();

// ---- options (set by scripts/bench.mjs from its command line) -------------------------------------

const params = new URLSearchParams(location.search);
export const QUICK = params.get('quick') === '1';
export const BENCH_BACKENDS = (params.get('backends') ?? 'webgpu,webgl').split(',').filter(Boolean);
export const BENCH_PRESETS = (params.get('presets') ?? (QUICK ? 'tiny' : 'tiny,small-gpu'))
  .split(',')
  .filter(Boolean) as PresetId[];
export const STEPS_OVERRIDE = params.has('steps') ? Number(params.get('steps')) : null;
export const SKIP_DATA = params.get('skipData') === '1';
export const SKIP_CLUSTER = params.get('skipCluster') === '1';
export const SKIP_IMPORT = params.get('skipImport') === '1';
export const FULL_RECLUSTER = params.get('fullRecluster') === '1';
export const SKIP_FLAGS = params.get('skipFlags') === '1';

/**
 * Steps per measurement. The default preset is slow on a CPU-emulated adapter (a HEXA-MoCo step took
 * 54–90 s on SwiftShader WebGPU here, a MoCo-v2 step about 26 s; WebGL about 4× faster), so it gets few
 * steps and no A/B test of the panels: with all four methods on both backends the full run has to stay
 * within about 15 minutes on two shared cores.
 */
export interface Plan {
  warmup: number; // untimed steps first (the first one compiles shaders)
  timed: number; // steps per timed block, one read-back at its end
  panelWindows: number; // A/B read-back windows for the panels cost (off, on, on, off, …); 0 = none
}

export function planFor(preset: PresetId, backend: BackendName): Plan {
  const p: Plan =
    preset === 'tiny'
      ? { warmup: 2, timed: 6, panelWindows: QUICK ? 4 : backend === 'webgpu' ? 12 : 16 }
      : { warmup: 1, timed: backend === 'webgpu' ? 1 : 2, panelWindows: 0 };
  if (STEPS_OVERRIDE !== null && STEPS_OVERRIDE > 0) p.timed = STEPS_OVERRIDE;
  return p;
}

/** Steps per DeepCluster-v2 / HEXA-DCluster measurement (no panels A/B: the MoCo entries have it). */
/**
 * Steps per read-back window of the step counts through Trainer.run() (counters.ts): the preset's
 * readbackEvery on the tiny preset, as the app (4 with --quick, so that a quick run stays within its
 * time on a loaded software adapter); 1 on the slower presets, where a 10-step window takes many minutes.
 */
export function countWindowSteps(preset: PresetId, readbackEvery: number): number {
  if (preset !== 'tiny') return 1;
  return QUICK ? Math.min(4, readbackEvery) : readbackEvery;
}

export function clusterPlanFor(preset: PresetId, backend: BackendName): Plan {
  const p: Plan =
    preset === 'tiny'
      ? { warmup: QUICK ? 1 : 2, timed: QUICK ? 4 : 6, panelWindows: 0 }
      : { warmup: 1, timed: backend === 'webgpu' ? 1 : 2, panelWindows: 0 };
  if (STEPS_OVERRIDE !== null && STEPS_OVERRIDE > 0) p.timed = STEPS_OVERRIDE;
  return p;
}

// The bench's cross-measurement figures, from what main.ts measured: each method's step rate against
// the data pipeline's and the importer's rates, the re-clustering's share of an epoch, the step counts
// by backend, method and preset, and WebGPU's step time over WebGL's.
import { PRESETS } from '../src/shared/config';
import type { StepCounts } from './counters';
import type { benchCombination } from './moco';
import type { benchDCluster } from './deepCluster';
import type { benchRecluster } from './recluster';
import type { benchPipeline } from './pipeline';
import type { benchImport } from './userImport';
import { round } from './rig';

/** One backend × preset: the MoCo entries and, unless skipped, the DeepCluster ones. */
export type Combination = Awaited<ReturnType<typeof benchCombination>> & {
  deepCluster: Awaited<ReturnType<typeof benchDCluster>> | null;
};
export type Reclustering = Awaited<ReturnType<typeof benchRecluster>> & { leakedTensors: number };

export function compare(
  training: Combination[],
  reclustering: Reclustering[],
  pipeline: Awaited<ReturnType<typeof benchPipeline>> | null,
  imports: Awaited<ReturnType<typeof benchImport>> | null,
  pipelineBatch: number,
) {
  // Each method's step rate per backend and preset, to set the data rates against.
  const stepRates = training.flatMap((t) => [
    {
      backend: t.backend,
      preset: t.preset,
      batchSize: t.config.batchSize,
      method: 'moco-v2',
      imagesPerSec: t.mocoV2.imagesPerSec,
    },
    {
      backend: t.backend,
      preset: t.preset,
      batchSize: t.config.batchSize,
      method: 'hexa-moco',
      imagesPerSec: t.hexaMoco.imagesPerSec,
    },
    ...(t.deepCluster
      ? [
          {
            backend: t.backend,
            preset: t.preset,
            batchSize: t.config.batchSize,
            method: 'deepcluster-v2',
            imagesPerSec: t.deepCluster.deepClusterV2.imagesPerSec,
          },
          {
            backend: t.backend,
            preset: t.preset,
            batchSize: t.config.batchSize,
            method: 'hexa-dcluster',
            imagesPerSec: t.deepCluster.hexaDCluster.imagesPerSec,
          },
        ]
      : []),
  ]);

  // Is the data pipeline the bottleneck? Sampler reads per second over the step's consumption.
  const pipelineVsTraining = pipeline
    ? stepRates
        .filter((r) => r.batchSize === pipelineBatch)
        .map((r) => ({
          backend: r.backend,
          preset: r.preset,
          method: r.method,
          stepImagesPerSec: r.imagesPerSec,
          samplerImagesPerSec: pipeline!.read.imagesPerSec,
          samplerOverStep: round(pipeline!.read.imagesPerSec / r.imagesPerSec, 1),
        }))
    : [];

  // The importer beside the sampler's read rate and the steps' consumption (all measured above).
  const importVsTraining = imports
    ? {
        importImagesPerSec: imports.import.imagesPerSec,
        samplerReadImagesPerSec: pipeline?.read.imagesPerSec ?? null,
        steps: stepRates.map((r) => ({
          backend: r.backend,
          preset: r.preset,
          method: r.method,
          stepImagesPerSec: r.imagesPerSec,
          importOverStep: round(imports!.import.imagesPerSec / r.imagesPerSec, 1),
        })),
        note: 'an import runs once per dataset, before training; importOverStep = images/s the importer stores ÷ images/s the step consumes',
      }
    : null;

  // One re-clustering per epoch: its share of an epoch of N images on the default preset, from the
  // measured pass time at N rows and the measured DeepCluster-v2 / HEXA-DCluster step time.
  const reclusterPerEpoch = reclustering.flatMap((rc) => {
    const t = training.find((e) => e.backend === rc.backend && e.preset === 'small-gpu')?.deepCluster;
    if (!t) return [];
    const b = PRESETS['small-gpu'].config.batchSize;
    return rc.results.flatMap((r) =>
      (['deepClusterV2', 'hexaDCluster'] as const).map((m) => {
        const epochS = Math.floor(r.rows / b) * t[m].meanStepSeconds;
        return {
          backend: rc.backend,
          rows: r.rows,
          method: m === 'deepClusterV2' ? 'deepcluster-v2' : 'hexa-dcluster',
          reclusterSeconds: r.secondsPerPass,
          epochStepSeconds: round(epochS, 1),
          reclusterSharePercent: round((100 * r.secondsPerPass) / (r.secondsPerPass + epochS), 2),
        };
      }),
    );
  });

  // dispatches, uploads, read-backs and enqueue time per step: backend → method → preset.
  const counters: Record<string, Record<string, Record<string, StepCounts>>> = {};
  const putCounts = (backend: string, method: string, preset: string, c: StepCounts) => {
    ((counters[backend] ??= {})[method] ??= {})[preset] = c;
  };
  for (const t of training) {
    putCounts(t.backend, 'moco-v2', t.preset, t.mocoV2.counts);
    putCounts(t.backend, 'hexa-moco', t.preset, t.hexaMoco.counts);
    if (t.deepCluster) {
      putCounts(t.backend, 'deepcluster-v2', t.preset, t.deepCluster.deepClusterV2.counts);
      putCounts(t.backend, 'hexa-dcluster', t.preset, t.deepCluster.hexaDCluster.counts);
    }
  }

  // WebGPU's step time over WebGL's, per preset and method, where both ran (same run).
  const webgpuOverWebgl: Record<string, Record<string, number>> = {};
  for (const gpu of training.filter((t) => t.backend === 'webgpu')) {
    const gl = training.find((t) => t.backend === 'webgl' && t.preset === gpu.preset);
    if (!gl) continue;
    webgpuOverWebgl[gpu.preset] = {
      'moco-v2': round(gpu.mocoV2.meanStepSeconds / gl.mocoV2.meanStepSeconds, 2),
      'hexa-moco': round(gpu.hexaMoco.meanStepSeconds / gl.hexaMoco.meanStepSeconds, 2),
    };
  }

  return { counters, webgpuOverWebgl, pipelineVsTraining, importVsTraining, reclusterPerEpoch };
}

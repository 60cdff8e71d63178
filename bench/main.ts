// The benchmark page, driven by scripts/bench.mjs (bench/README.md): a small dispatcher over the
// benchmarks, one file each — moco.ts (MoCo-v2 and HEXA-MoCo steps, their counts through Trainer.run(),
// own vs stock kernels, the panels' cost), deepCluster.ts (DeepCluster-v2 and HEXA-DCluster), flags.ts
// (tfjs settings on software adapters), recluster.ts (one re-clustering pass against the bank's size),
// pipeline.ts (IndexedDB writes and StreamingSampler reads), userImport.ts (PNG files → IndexedDB) —
// then compare.ts's cross-measurement figures. Options: options.ts. Progress and the result are
// exposed on window.__bench.
import * as tf from '@tensorflow/tfjs';
import { PRESET_IDS, PRESETS } from '../src/shared/config';
import { KMEANS_ITERATIONS } from '../src/engine/methods/deepClusterV2';
import { initBackend, probeWebGpu } from '../src/engine/runtime/backend';
import { compare, type Combination, type Reclustering } from './compare';
import { benchFallbackFlags } from './flags';
import { DATA_NOTE, round } from './rig';
import { BACKENDS, type BackendName } from '../src/shared/backendTypes';
import { benchCombination, HEXA_FORMULA } from './moco';
import { benchDCluster } from './deepCluster';
import { benchRecluster } from './recluster';
import { benchPipeline } from './pipeline';
import { benchImport } from './userImport';
import {
  BENCH_BACKENDS,
  BENCH_PRESETS,
  FULL_RECLUSTER,
  log,
  QUICK,
  SKIP_CLUSTER,
  SKIP_DATA,
  SKIP_FLAGS,
  SKIP_IMPORT,
  started,
  state,
  STEPS_OVERRIDE,
} from './options';

const PIPELINE_IMAGES = 60_000; // the size of MNIST's train split
const IMPORT_FILES = 500; // PNG files the importer measurement imports (quick runs too: ~2 s)

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const bad = BENCH_BACKENDS.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (bad.length) throw new Error(`Unknown backend(s): ${bad.join(', ')} (known: ${BACKENDS.join(', ')})`);
  const backends = BENCH_BACKENDS as BackendName[];
  const badPresets = BENCH_PRESETS.filter((p) => !(PRESET_IDS as readonly string[]).includes(p));
  if (badPresets.length) throw new Error(`Unknown preset(s): ${badPresets.join(', ')}`);
  log(`options: quick=${QUICK} backends=${backends.join(',')} presets=${BENCH_PRESETS.join(',')}`);
  const probe = await probeWebGpu();
  log(`WebGPU adapter: ${probe.adapter ? JSON.stringify(probe.adapter) : probe.reason}`);
  const errors: string[] = [];

  const pipelineBatch = PRESETS[QUICK ? 'tiny' : 'small-gpu'].config.batchSize;
  let pipeline: Awaited<ReturnType<typeof benchPipeline>> | null = null;
  if (!SKIP_DATA) {
    try {
      pipeline = await benchPipeline(PIPELINE_IMAGES, pipelineBatch);
    } catch (e) {
      errors.push(`data pipeline: ${(e as Error).message}`);
      log(`data pipeline failed: ${(e as Error).message}`);
    }
  }

  let imports: Awaited<ReturnType<typeof benchImport>> | null = null;
  if (!SKIP_IMPORT) {
    try {
      imports = await benchImport(IMPORT_FILES);
    } catch (e) {
      errors.push(`importer: ${(e as Error).message}`);
      log(`importer failed: ${(e as Error).stack ?? (e as Error).message}`);
    }
  }

  const training: Combination[] = [];
  const reclustering: Reclustering[] = [];
  const backendReports: Record<string, unknown> = {};
  let fallbackFlags: Awaited<ReturnType<typeof benchFallbackFlags>> | null = null;
  for (const backend of backends) {
    try {
      const report = await initBackend(backend);
      backendReports[backend] = { warning: report.warning, flags: report.flags };
      log(`backend ${backend} ready${report.warning ? ` (${report.warning})` : ''}`);
      if (backend === 'webgpu' && !SKIP_FLAGS) {
        try {
          fallbackFlags = await benchFallbackFlags(log, QUICK ? 2 : 3);
        } catch (e) {
          errors.push(`tfjs flags: ${(e as Error).message}`);
          log(`tfjs flags failed: ${(e as Error).stack ?? (e as Error).message}`);
        }
      }
    } catch (e) {
      errors.push(`${backend}: ${(e as Error).message}`);
      log(`backend ${backend} failed: ${(e as Error).message}`);
      continue;
    }
    for (const preset of BENCH_PRESETS) {
      let entry: Combination | null = null;
      try {
        const before = tf.memory().numTensors;
        const r = await benchCombination(backend, preset);
        r.leakedTensors = tf.memory().numTensors - before;
        entry = { ...r, deepCluster: null };
        training.push(entry);
      } catch (e) {
        errors.push(`${backend}/${preset}: ${(e as Error).message}`);
        log(`${backend}/${preset} failed: ${(e as Error).stack ?? (e as Error).message}`);
      }
      if (SKIP_CLUSTER || !entry) continue;
      try {
        const before = tf.memory().numTensors;
        const r = await benchDCluster(backend, preset);
        r.leakedTensors = tf.memory().numTensors - before;
        entry.deepCluster = r;
      } catch (e) {
        errors.push(`${backend}/${preset} DeepCluster: ${(e as Error).message}`);
        log(`${backend}/${preset} DeepCluster failed: ${(e as Error).stack ?? (e as Error).message}`);
      }
    }
    if (SKIP_CLUSTER) continue;
    try {
      const before = tf.memory().numTensors;
      const r = await benchRecluster(backend);
      const leaked = tf.memory().numTensors - before;
      reclustering.push({ ...r, leakedTensors: leaked });
    } catch (e) {
      errors.push(`${backend} re-clustering: ${(e as Error).message}`);
      log(`${backend} re-clustering failed: ${(e as Error).stack ?? (e as Error).message}`);
    }
  }

  const { counters, webgpuOverWebgl, pipelineVsTraining, importVsTraining, reclusterPerEpoch } = compare(
    training,
    reclustering,
    pipeline,
    imports,
    pipelineBatch,
  );
  state.result = {
    bench: 'hexa-lab npm run bench',
    options: {
      quick: QUICK,
      backends,
      presets: BENCH_PRESETS,
      stepsOverride: STEPS_OVERRIDE,
      skipData: SKIP_DATA,
      skipCluster: SKIP_CLUSTER,
      skipImport: SKIP_IMPORT,
      fullRecluster: FULL_RECLUSTER,
      skipFlags: SKIP_FLAGS,
    },
    tfjs: { ...tf.version },
    adapter: probe.adapter,
    adapterProblem: probe.reason,
    backends: backendReports,
    navigator: { hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent },
    data: DATA_NOTE,
    step: "the trainer's step, as Trainer.run takes it: sampler.next, then Trainer.stepOnce (toFloatImages, augmentBatch ×2 (query and key views), trainStep (method step + online linear probe + SGD), metric sums kept on the GPU); MoCo-v2 and DeepCluster-v2 are their HEXA trainers with both hard-example generators off; timed blocks are back-to-back steps with ONE read-back (await data() of the metric sums, loss included) at the end; images/s = batchSize / mean seconds per step",
    hexaCostFormula: HEXA_FORMULA,
    fallbackFlags,
    counters,
    webgpuOverWebgl,
    training,
    dataPipeline: pipeline,
    pipelineVsTraining,
    pipelineVsTrainingNote:
      'samplerOverStep = images/s the StreamingSampler delivers from IndexedDB ÷ images/s the training step consumes; above 1 means the data pipeline is not the bottleneck',
    reclustering: SKIP_CLUSTER
      ? null
      : {
          what: `one DeepClusterV2.onEpochStart: spherical k-means of every head (head h on bank view h mod 2), ${KMEANS_ITERATIONS} assign → mean → L2-normalise iterations plus a final assignment, the N×K similarities in chunks of rows, assignments read back per head; then one read of the last head's prototypes (the sync)`,
          config: {
            embedDim: PRESETS['small-gpu'].config.embedDim,
            clusterCount: PRESETS['small-gpu'].config.clusterCount,
            clusterHeads: PRESETS['small-gpu'].config.clusterHeads,
            iterations: KMEANS_ITERATIONS,
          },
          bank: 'random unit rows (l2n of standard normal), both views, set with setBank; the amount of work does not depend on the values, only empty clusters do',
          backends: reclustering,
          perEpoch: reclusterPerEpoch,
          perEpochNote:
            'default preset: epochStepSeconds = floor(rows / batch 64) × the measured mean step seconds of the DeepCluster rig on that backend; reclusterSharePercent = pass ÷ (pass + epochStepSeconds)',
        },
    userImport: imports,
    importVsTraining,
    errors,
    totalSeconds: round((performance.now() - started) / 1000, 1),
  };
  if (errors.length) state.error = errors.join('; ');
  log('done');
}

main().catch((e: unknown) => {
  const err = e as Error;
  log(`failed: ${err.stack ?? String(e)}`);
  state.error = err.message ?? String(e);
});

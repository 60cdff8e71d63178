// The benchmark page, driven by scripts/bench.mjs: times the engine's own training step (the
// trainer's: sampler.next, then Trainer.stepOnce, i.e. bytes → floats, two augmented views, trainStep
// with the online probe, SGD, metric sums kept on the GPU) for MoCo-v2 and HEXA-MoCo (with and
// without panel previews) and for DeepCluster-v2 and HEXA-DCluster, on each backend; one DeepCluster
// re-clustering pass against the memory bank's size; the IndexedDB data pipeline (store writes,
// StreamingSampler reads); and the user-image importer (PNG files → browser decoder → IndexedDB).
// Progress and the result are exposed on window.__bench.
import * as tf from '@tensorflow/tfjs';
import { PRESET_IDS, PRESETS, type PresetId, type TrainConfig } from '../src/shared/config';
import { createStoreSource, openImageStore } from '../src/engine/data/imageStore';
import { createBrowserDecoder, importImages, type FolderFile } from '../src/engine/data/importers';
import { syntheticBars } from '../src/engine/data/memorySource';
import { StreamingSampler } from '../src/engine/data/sampler';
import { MANIFEST_VERSION, type Chunk, type DatasetManifest } from '../src/shared/data/types';
import { DeepClusterV2, KMEANS_ITERATIONS } from '../src/engine/methods/deepClusterV2';
import { l2n } from '../src/engine/nn/encoder';
import { initBackend, probeWebGpu } from '../src/engine/runtime/backend';
import { Rng } from '../src/engine/runtime/random';
import { PREVIEW_COUNT } from '../src/engine/training/trainer';
import { countOwnAndStock, timeOwnVsStock, type StepCounts } from './counters';
import { benchFallbackFlags } from './flags';
import {
  CLASS_NAMES,
  CLASSES,
  CLUSTER_RIG_LIMIT,
  DATA_NOTE,
  median,
  Rig,
  round,
  SIDE,
  timeBlock,
  timed,
  warmUp,
} from './rig';
import { installBenchState } from './pageState';
import { BACKENDS, type BackendName } from '../src/shared/backendTypes';

const PIPELINE_IMAGES = 60_000; // the size of MNIST's train split
const IMPORT_FILES = 500; // PNG files the importer measurement imports (quick runs too: ~2 s)

const { state, log, started } = installBenchState();

// ---- options (set by scripts/bench.mjs from its command line) -------------------------------------

const params = new URLSearchParams(location.search);
const QUICK = params.get('quick') === '1';
const BENCH_BACKENDS = (params.get('backends') ?? 'webgpu,webgl').split(',').filter(Boolean);
const BENCH_PRESETS = (params.get('presets') ?? (QUICK ? 'tiny' : 'tiny,small-gpu'))
  .split(',')
  .filter(Boolean) as PresetId[];
const STEPS_OVERRIDE = params.has('steps') ? Number(params.get('steps')) : null;
const SKIP_DATA = params.get('skipData') === '1';
const SKIP_CLUSTER = params.get('skipCluster') === '1';
const SKIP_IMPORT = params.get('skipImport') === '1';
const FULL_RECLUSTER = params.get('fullRecluster') === '1';
const SKIP_FLAGS = params.get('skipFlags') === '1';

/**
 * Steps per measurement. The default preset is slow on a CPU-emulated adapter (a HEXA-MoCo step took
 * 54–90 s on SwiftShader WebGPU here, a MoCo-v2 step about 26 s; WebGL about 4× faster), so it gets few
 * steps and no A/B test of the panels: with all four methods on both backends the full run has to stay
 * within about 15 minutes on two shared cores.
 */
interface Plan {
  warmup: number; // untimed steps first (the first one compiles shaders)
  timed: number; // steps per timed block, one read-back at its end
  panelWindows: number; // A/B read-back windows for the panels cost (off, on, on, off, …); 0 = none
}

function planFor(preset: PresetId, backend: BackendName): Plan {
  const p: Plan =
    preset === 'tiny'
      ? { warmup: 2, timed: 6, panelWindows: backend === 'webgpu' ? 12 : 16 }
      : { warmup: 1, timed: backend === 'webgpu' ? 1 : 2, panelWindows: 0 };
  if (STEPS_OVERRIDE !== null && STEPS_OVERRIDE > 0) p.timed = STEPS_OVERRIDE;
  return p;
}

/** Steps per DeepCluster-v2 / HEXA-DCluster measurement (no panels A/B: the MoCo entries have it). */
function clusterPlanFor(preset: PresetId, backend: BackendName): Plan {
  const p: Plan =
    preset === 'tiny'
      ? { warmup: QUICK ? 1 : 2, timed: QUICK ? 4 : 6, panelWindows: 0 }
      : { warmup: 1, timed: backend === 'webgpu' ? 1 : 2, panelWindows: 0 };
  if (STEPS_OVERRIDE !== null && STEPS_OVERRIDE > 0) p.timed = STEPS_OVERRIDE;
  return p;
}

/**
 * A/B test of the panels: windows of readbackEvery steps, each ending with the trainer's metric
 * read-back; in the "on" windows the last step also makes PREVIEW_COUNT previews and reads them
 * (readPreviews), as Trainer.run does. Windows go off, on, on, off, … so a drift in load cancels out.
 */
async function timePanels(rig: Rig, windows: number) {
  const windowSteps = rig.cfg.readbackEvery;
  const secs: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const readPreviewsSeconds: number[] = [];
  let panelsOk = true;
  for (let w = 0; w < windows; w++) {
    const on = w % 4 === 1 || w % 4 === 2;
    const t = performance.now();
    for (let i = 0; i < windowSteps; i++) {
      const last = i === windowSteps - 1;
      const prev = await rig.step(on && last);
      if (last) {
        await rig.readMetrics();
        if (prev) {
          const tp = performance.now();
          const p = await rig.previews(prev);
          readPreviewsSeconds.push((performance.now() - tp) / 1000);
          panelsOk &&= p.adversarial !== null && p.cutmix !== null && p.views.query.length === PREVIEW_COUNT;
        }
      }
    }
    secs[on ? 'on' : 'off'].push((performance.now() - t) / 1000);
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const arm = (xs: number[]) => timed(xs.length * windowSteps, sum(xs) * 1000, rig.cfg.batchSize);
  const off = arm(secs.off);
  const onT = arm(secs.on);
  return {
    windowSteps,
    windows,
    previewsOff: off,
    previewsOn: onT,
    slowdownPercent: round((100 * (onT.meanStepSeconds - off.meanStepSeconds)) / off.meanStepSeconds, 1),
    medianWindowSlowdownPercent: round((100 * (median(secs.on) - median(secs.off))) / median(secs.off), 1),
    windowSeconds: { off: secs.off.map((x) => round(x)), on: secs.on.map((x) => round(x)) },
    readPreviewsSeconds: round(sum(readPreviewsSeconds) / readPreviewsSeconds.length, 4),
    panelsOk,
  };
}

/**
 * The preview tensors a preview step makes inside trainStep (step.ts: slices of the first
 * PREVIEW_COUNT samples of each view, mask and score, one gather of the partner views), on tensors
 * of the step's shapes, synced by a read-back: an upper bound of their cost (the sync is included).
 */
async function previewOpsSeconds(cfg: TrainConfig, reps: number): Promise<number> {
  const { batchSize: b, imageSize: s } = cfg;
  const img = () => tf.randomUniform([b, s, s, 1]) as tf.Tensor4D;
  const src = {
    views: [img(), img(), img(), img(), img()], // xq, xk, adversarial view, δ, mixed view
    mask: tf.randomUniform([b, s, s, 1]) as tf.Tensor4D,
    vectors: [0, 1, 2, 3, 4].map(() => tf.randomUniform([b]) as tf.Tensor1D), // ranks, logits, λ
    partner: tf.tensor1d(new Rng(1).permutation(b), 'int32'),
  };
  const run = () =>
    tf.tidy(() => {
      const head = (t: tf.Tensor) => tf.slice(t, 0, PREVIEW_COUNT);
      return [
        ...src.views.map(head),
        head(src.mask),
        ...src.vectors.map(head),
        head(tf.gather(src.views[0]!, src.partner)),
        head(src.partner),
      ];
    });
  const sync = async (ts: tf.Tensor[]) => {
    await Promise.all(ts.map((t) => t.data()));
    ts.forEach((t) => t.dispose());
  };
  try {
    await sync(run()); // compile
    const t = performance.now();
    for (let i = 0; i < reps; i++) await sync(run());
    return (performance.now() - t) / 1000 / reps;
  } finally {
    [...src.views, src.mask, ...src.vectors, src.partner].forEach((t) => t.dispose());
  }
}

const HEXA_FORMULA =
  '(1 clean + T attack + 1 adversarial + 1 mixed) / 1 forward–backward passes = 3 + T, T = cfg.attackSteps';

async function benchCombination(backend: BackendName, preset: PresetId) {
  const cfg: TrainConfig = { ...PRESETS[preset].config, method: 'hexa-moco' };
  const plan = planFor(preset, backend);
  const rig = new Rig(cfg);
  const name = `${backend}/${preset}`;
  try {
    log(`${name}: MoCo-v2 warm-up (${plan.warmup} steps)`);
    rig.hardExamples(false);
    const mocoWarm = await warmUp(rig, plan.warmup, false);
    log(
      `${name}: MoCo-v2 warm-up step times ${mocoWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const mocoT = await timeBlock(rig, plan.timed);
    log(`${name}: MoCo-v2 ${mocoT.meanStepSeconds} s/step, ${mocoT.imagesPerSec} images/s`);

    log(`${name}: HEXA-MoCo warm-up (${plan.warmup} steps, previews on the last)`);
    rig.hardExamples(true);
    const hexaWarm = await warmUp(rig, plan.warmup, true);
    log(
      `${name}: HEXA-MoCo warm-up step times ${hexaWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const hexaT = await timeBlock(rig, plan.timed);
    log(`${name}: HEXA-MoCo ${hexaT.meanStepSeconds} s/step, ${hexaT.imagesPerSec} images/s`);

    const countedSteps = preset === 'tiny' ? 3 : 1;
    const abBlocks = preset === 'tiny' ? 4 : 0; // own vs stock kernels, interleaved (too slow on the default preset)
    rig.hardExamples(false);
    const mocoCounts = await countOwnAndStock(rig, countedSteps);
    const mocoOwnVsStock = abBlocks ? await timeOwnVsStock(rig, 2, abBlocks) : null;
    rig.hardExamples(true);
    const hexaCounts = await countOwnAndStock(rig, countedSteps);
    const hexaOwnVsStock = abBlocks ? await timeOwnVsStock(rig, 2, abBlocks) : null;
    log(
      `${name}: own vs stock kernels, step time: MoCo-v2 ${mocoOwnVsStock?.ownOverStock ?? '-'}×, HEXA-MoCo ${hexaOwnVsStock?.ownOverStock ?? '-'}×; stock dispatches ${mocoCounts.stock?.dispatchesPerStep ?? '-'} / ${hexaCounts.stock?.dispatchesPerStep ?? '-'}`,
    );
    log(
      `${name}: per step: MoCo-v2 ${mocoCounts.dispatchesPerStep} dispatches, ${mocoCounts.uploadsPerStep} uploads, ${mocoCounts.enqueueMsPerStep} ms enqueue; HEXA-MoCo ${hexaCounts.dispatchesPerStep}, ${hexaCounts.uploadsPerStep}, ${hexaCounts.enqueueMsPerStep} ms; read-backs per window ${hexaCounts.readbacksPerWindow}`,
    );

    let ab: Awaited<ReturnType<typeof timePanels>> | null = null;
    if (plan.panelWindows > 0) {
      log(`${name}: panels A/B, ${plan.panelWindows} windows of ${cfg.readbackEvery} HEXA-MoCo steps`);
      ab = await timePanels(rig, plan.panelWindows);
      log(
        `${name}: panels A/B slowdown ${ab.slowdownPercent} % (median window ${ab.medianWindowSlowdownPercent} %)`,
      );
    }
    const opsS = await previewOpsSeconds(cfg, 3);
    const readS = ab?.readPreviewsSeconds ?? hexaWarm.readPreviewsSeconds ?? 0;
    const estimate = (100 * (opsS + readS)) / (cfg.readbackEvery * hexaT.meanStepSeconds);
    log(
      `${name}: panels estimate ${estimate.toFixed(2)} % (preview ops ${opsS.toFixed(3)} s, readPreviews ${readS.toFixed(3)} s)`,
    );

    const T = cfg.attackSteps;
    return {
      backend,
      preset,
      config: {
        batchSize: cfg.batchSize,
        imageSize: cfg.imageSize,
        width: cfg.width,
        hiddenDim: cfg.hiddenDim,
        embedDim: cfg.embedDim,
        queueSize: cfg.queueSize,
        bnGroups: cfg.bnGroups,
        attackSteps: T,
        readbackEvery: cfg.readbackEvery,
      },
      mocoV2: {
        warmupStepSeconds: mocoWarm.stepSeconds,
        ...mocoT,
        counts: mocoCounts,
        ownVsStock: mocoOwnVsStock,
      },
      hexaMoco: {
        warmupStepSeconds: hexaWarm.stepSeconds,
        ...hexaT,
        counts: hexaCounts,
        ownVsStock: hexaOwnVsStock,
      },
      hexaCost: {
        measuredRatio: round(mocoT.imagesPerSec / hexaT.imagesPerSec, 2),
        expectedRatio: 3 + T,
        formula: HEXA_FORMULA,
        note: 'measured = MoCo-v2 images/s ÷ HEXA-MoCo images/s. Both steps also pay for the sampler, augmentation, the key encoder, the online probe and SGD, which the hard examples do not multiply',
      },
      panels: {
        readbackEvery: cfg.readbackEvery,
        previewCount: PREVIEW_COUNT,
        abTest: ab,
        estimate: {
          previewOpsSeconds: round(opsS, 4),
          readPreviewsSeconds: round(readS, 4),
          slowdownPercent: round(estimate, 3),
          formula:
            '100 × (preview ops + readPreviews) / (readbackEvery × HEXA-MoCo mean step seconds); preview ops timed apart on same-shaped tensors with their own sync (an upper bound)',
        },
        slowdownPercent: ab ? ab.slowdownPercent : round(estimate, 3),
        basis: ab ? 'A/B test (mean step time, previews on vs off)' : 'estimate (no A/B: too slow here)',
        requirement: 'slowdown within 10 %',
        pass: (ab ? ab.slowdownPercent : estimate) <= 10 && (ab?.panelsOk ?? true),
      },
      leakedTensors: 0, // set by the caller, after dispose
    };
  } finally {
    rig.dispose();
  }
}

const HEXA_DC_PER_VIEW_FORMULA =
  'per augmented view of the batch: (2 clean views + T attack + 1 adversarial + 1 mixed) / 2 clean views = (4 + T) / 2, since the DeepCluster-v2 step already runs both clean views (xq, xk) forward–backward';

/** DeepCluster-v2 and HEXA-DCluster steps on one rig (their shared base), as benchCombination does MoCo. */
async function benchDCluster(backend: BackendName, preset: PresetId) {
  const presetCfg = PRESETS[preset].config;
  const cfg: TrainConfig = {
    ...presetCfg,
    method: 'hexa-dcluster',
    trainLimit: presetCfg.trainLimit || CLUSTER_RIG_LIMIT,
  };
  const plan = clusterPlanFor(preset, backend);
  const name = `${backend}/${preset}`;
  const rig = new Rig(cfg);
  try {
    log(`${name}: DeepCluster prepare (memory bank of ${rig.trainer.sampler.size} images) and first k-means`);
    const setup = await rig.prepareClusters();
    log(
      `${name}: DeepCluster prepare ${setup.prepareSeconds} s, first re-clustering ${setup.firstReclusterSeconds} s`,
    );
    log(`${name}: DeepCluster-v2 warm-up (${plan.warmup} steps)`);
    rig.hardExamples(false);
    const dcWarm = await warmUp(rig, plan.warmup, false);
    log(
      `${name}: DeepCluster-v2 warm-up step times ${dcWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const dcT = await timeBlock(rig, plan.timed);
    log(`${name}: DeepCluster-v2 ${dcT.meanStepSeconds} s/step, ${dcT.imagesPerSec} images/s`);

    log(`${name}: HEXA-DCluster warm-up (${plan.warmup} steps)`);
    rig.hardExamples(true);
    const hexaWarm = await warmUp(rig, plan.warmup, false);
    log(
      `${name}: HEXA-DCluster warm-up step times ${hexaWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const hexaT = await timeBlock(rig, plan.timed);
    log(`${name}: HEXA-DCluster ${hexaT.meanStepSeconds} s/step, ${hexaT.imagesPerSec} images/s`);

    const countedSteps = preset === 'tiny' ? 2 : 1;
    rig.hardExamples(false);
    const dcCounts = await countOwnAndStock(rig, countedSteps);
    rig.hardExamples(true);
    const hexaCounts = await countOwnAndStock(rig, countedSteps);

    const T = cfg.attackSteps;
    return {
      config: {
        trainLimit: cfg.trainLimit,
        trainLimitNote:
          presetCfg.trainLimit === 0
            ? `the preset uses every train image (trainLimit 0); this rig uses the first ${CLUSTER_RIG_LIMIT} so that filling the memory bank stays short (the step's cost does not depend on it; see reclustering)`
            : "the preset's own trainLimit",
        clusterHeads: cfg.clusterHeads,
        clusterCount: cfg.clusterCount,
        clusterTemperature: cfg.clusterTemperature,
      },
      setup: {
        bankRows: rig.trainer.sampler.size,
        ...setup,
        note: 'as Trainer.run before its first step: Trainer.prepare, i.e. base.prepare (no-grad embedding of two augmented views of every image in use, synced by reading the bank back) and base.onEpochStart(0) (spherical k-means, all heads). Per-epoch re-clustering is not inside the step timings below',
      },
      deepClusterV2: { warmupStepSeconds: dcWarm.stepSeconds, ...dcT, counts: dcCounts },
      hexaDCluster: { warmupStepSeconds: hexaWarm.stepSeconds, ...hexaT, counts: hexaCounts },
      hexaCost: {
        measuredRatio: round(dcT.imagesPerSec / hexaT.imagesPerSec, 2),
        expectedRatio: 3 + T,
        formula: HEXA_FORMULA,
        expectedRatioPerView: (4 + T) / 2,
        perViewFormula: HEXA_DC_PER_VIEW_FORMULA,
        note: 'measured = DeepCluster-v2 images/s ÷ HEXA-DCluster images/s, same rig. Both steps also pay for the sampler, augmentation, the online probe and SGD, which the hard examples do not multiply',
      },
      leakedTensors: 0, // set by the caller, after dispose
    };
  } finally {
    rig.dispose();
  }
}

// ---- re-clustering: one onEpochStart (spherical k-means, every head) against the bank's size ------

/** A DeepClusterV2 with the default preset's embedDim, K and heads, on a bank of random unit rows. */
function reclusterRig(rows: number): DeepClusterV2 {
  const cfg: TrainConfig = { ...PRESETS['small-gpu'].config, method: 'deepcluster-v2' };
  const dc = new DeepClusterV2(cfg, 1, new Rng(cfg.seed));
  const [z0, z1] = [1, 2].map((seed) =>
    tf.tidy(() => l2n(tf.randomNormal([rows, cfg.embedDim], 0, 1, 'float32', seed))),
  );
  dc.setBank(z0!, z1!);
  z0!.dispose();
  z1!.dispose();
  return dc;
}

/** One onEpochStart, synced at its end (it reads the assignments back per head; then one read of the last head's prototypes). */
async function reclusterPass(dc: DeepClusterV2): Promise<number> {
  const t = performance.now();
  await dc.onEpochStart(0);
  await dc.prototypes[dc.heads - 1]!.data();
  return (performance.now() - t) / 1000;
}

async function timeRecluster(rows: number, reps: number) {
  const dc = reclusterRig(rows);
  try {
    const seconds: number[] = [];
    for (let i = 0; i < reps; i++) seconds.push(await reclusterPass(dc));
    const perPass = seconds.reduce((a, b) => a + b, 0) / seconds.length;
    return {
      rows,
      timedPasses: reps,
      passSeconds: seconds.map((x) => round(x)),
      secondsPerPass: round(perPass, 4),
      secondsPer1000Rows: round((perPass * 1000) / rows, 4),
      emptyClustersPerHead: dc.clusterStats()?.empty ?? null,
    };
  } finally {
    dc.dispose();
  }
}

/**
 * Where a k-means update's time goes, on one chunk of rows: the assignment (matMul + argMax, as
 * assignByDot), the centroid sums kmeans.ts makes (unsortedSegmentSum of [rows, d]), and the same sums
 * as one matMul of the one-hot assignment (not what the engine does: a comparison). Each op is run once
 * to compile, then `reps` times with one read-back at the end.
 */
async function reclusterOps(rows: number, reps: number) {
  const { embedDim: d, clusterCount: k } = PRESETS['small-gpu'].config;
  const x = tf.tidy(() => l2n(tf.randomNormal([rows, d], 0, 1, 'float32', 3)));
  const c = tf.tidy(() => l2n(tf.randomNormal([k, d], 0, 1, 'float32', 4)));
  const assign = tf.tidy(() => tf.argMax(tf.matMul(x, c, false, true), 1)) as tf.Tensor1D;
  const time = async (f: () => tf.Tensor) => {
    const warm = tf.tidy(f);
    await warm.data(); // compile
    warm.dispose();
    const t = performance.now();
    let last: tf.Tensor | null = null;
    for (let i = 0; i < reps; i++) {
      last?.dispose();
      last = tf.tidy(f);
    }
    await last!.data();
    last!.dispose();
    return round((performance.now() - t) / reps / 1000, 4);
  };
  try {
    return {
      rows,
      reps,
      assignSeconds: await time(() => tf.argMax(tf.matMul(x, c, false, true), 1)),
      segmentSumSeconds: await time(() => tf.unsortedSegmentSum(x, assign, k)),
      oneHotMatMulSeconds: await time(() => tf.matMul(tf.oneHot(assign, k), x, true, false)),
      note: 'seconds per op call, rows × d = 64 with K = 30; assign = matMul + argMax (assignByDot), segmentSum = unsortedSegmentSum of the rows (updateCentroids), oneHotMatMul = matMul(oneHot(assign)ᵀ, rows), the same sums by a matrix product, for comparison only',
    };
  } finally {
    [x, c, assign].forEach((t) => t.dispose());
  }
}

/**
 * Bank sizes, each with the longest predicted pass (seconds, linear in the rows from the last size
 * measured) for which it runs without --full-recluster. A pass grows faster than linearly on
 * SwiftShader WebGPU (3.8 s at 1,000 rows, 29 s at 5,000 and 140 s at 20,000 rows were measured
 * here), and the full run has to stay within about 15 minutes.
 */
const RECLUSTER_SIZES: { rows: number; maxPredictedSeconds: number }[] = QUICK
  ? [{ rows: 1000, maxPredictedSeconds: Infinity }]
  : [
      { rows: 1000, maxPredictedSeconds: Infinity },
      { rows: 5000, maxPredictedSeconds: Infinity },
      { rows: 20_000, maxPredictedSeconds: 90 },
      { rows: 60_000, maxPredictedSeconds: 30 }, // MNIST's train split
    ];
const RECLUSTER_TWO_PASSES_BELOW_S = 10; // a second timed pass when the first is predicted below this
const RECLUSTER_OPS_ROWS = 4096; // one chunk of deepClusterV2.ts's k-means at the time of writing

async function benchRecluster(backend: BackendName) {
  const results: Awaited<ReturnType<typeof timeRecluster>>[] = [];
  const skipped: string[] = [];
  // One untimed pass on the smallest bank compiles the shaders (recorded: it shows the compile cost).
  const warmupRows = RECLUSTER_SIZES[0]!.rows;
  const first = reclusterRig(warmupRows);
  let warmupPassSeconds: number;
  try {
    log(`${backend}: re-clustering warm-up pass on ${warmupRows} rows`);
    warmupPassSeconds = round(await reclusterPass(first));
  } finally {
    first.dispose();
  }
  let ref = { rows: warmupRows, seconds: warmupPassSeconds }; // the last pass measured
  for (const { rows, maxPredictedSeconds } of RECLUSTER_SIZES) {
    const predicted = (ref.seconds * rows) / ref.rows;
    if (!FULL_RECLUSTER && predicted > maxPredictedSeconds) {
      skipped.push(
        `${rows} rows: not run (predicted ${predicted.toFixed(0)} s per pass, linearly from ${ref.rows} rows, above ${maxPredictedSeconds} s; --full-recluster runs it)`,
      );
      log(`${backend}: re-clustering ${rows} rows skipped (predicted ${predicted.toFixed(0)} s)`);
      continue;
    }
    const reps = !QUICK && predicted < RECLUSTER_TWO_PASSES_BELOW_S ? 2 : 1;
    log(
      `${backend}: re-clustering ${rows} rows (${reps} timed passes, predicted ${predicted.toFixed(1)} s each)`,
    );
    const r = await timeRecluster(rows, reps);
    log(`${backend}: re-clustering ${rows} rows: ${r.secondsPerPass} s/pass`);
    results.push(r);
    ref = { rows, seconds: r.secondsPerPass };
  }
  log(`${backend}: k-means ops on ${RECLUSTER_OPS_ROWS} rows`);
  const ops = await reclusterOps(RECLUSTER_OPS_ROWS, 3);
  log(
    `${backend}: assign ${ops.assignSeconds} s, unsortedSegmentSum ${ops.segmentSumSeconds} s, one-hot matMul ${ops.oneHotMatMulSeconds} s`,
  );
  return { backend, warmupRows, warmupPassSeconds, results, skipped, ops };
}

// ---- data pipeline: IndexedDB store writes and StreamingSampler reads ------------------------------

async function benchPipeline(images: number, batchSize: number) {
  const id = 'bench-pipeline-tmp';
  const chunkSize = 500; // as the built-in MNIST install
  const perTransaction = 8; // as the built-in MNIST install
  const imageBytes = SIDE * SIDE;
  const all = syntheticBars(images, SIDE, CLASSES, 3);
  const chunkCount = Math.ceil(images / chunkSize);
  const manifest: DatasetManifest = {
    id,
    name: 'bench pipeline (temporary)',
    width: SIDE,
    height: SIDE,
    channels: 1,
    classNames: CLASS_NAMES,
    splits: {
      train: { count: images, chunkSize, chunkCount },
      test: { count: 0, chunkSize, chunkCount: 0 },
    },
    about: 'synthetic, written by npm run bench and deleted afterwards',
    schemaVersion: MANIFEST_VERSION,
    createdAt: Date.now(),
    complete: false,
  };
  const chunks: Chunk[] = Array.from({ length: chunkCount }, (_, index) => {
    const start = index * chunkSize;
    const n = Math.min(chunkSize, images - start);
    return {
      datasetId: id,
      split: 'train',
      index,
      start,
      count: n,
      pixels: all.pixels.slice(start * imageBytes, (start + n) * imageBytes),
      labels: all.labels!.slice(start, start + n),
    };
  });
  const totalBytes = images * (imageBytes + 1); // pixels + labels
  let store = await openImageStore();
  try {
    await store.deleteDataset(id); // leftovers of an interrupted run
    log(
      `data: writing ${images} images in ${chunkCount} chunks of ${chunkSize}, ${perTransaction} per transaction`,
    );
    const tw = performance.now();
    await store.putManifest(manifest);
    for (let i = 0; i < chunkCount; i += perTransaction)
      await store.putChunks(chunks.slice(i, i + perTransaction));
    await store.putManifest({ ...manifest, complete: true });
    const writeS = (performance.now() - tw) / 1000;
    log(`data: wrote in ${writeS.toFixed(2)} s`);

    store.close(); // read through a fresh connection
    store = await openImageStore();
    const stored = await store.getManifest(id);
    if (!stored?.complete) throw new Error('The bench dataset was not stored completely');
    const source = createStoreSource(store, stored);
    const tr = performance.now();
    const sampler = new StreamingSampler(source, { split: 'train', batchSize, limit: 0, seed: 1 });
    let got = 0;
    let checksum = 0;
    for (let s = 0; s < sampler.stepsPerEpoch; s++) {
      const b = await sampler.next();
      got += b.indices.length;
      checksum += b.pixels[0]!;
    }
    const readS = (performance.now() - tr) / 1000;
    sampler.dispose();
    log(`data: sampler read ${got} images in ${readS.toFixed(2)} s (checksum ${checksum})`);

    await store.deleteDataset(id);
    const deleted = (await store.getManifest(id)) === undefined;
    let chunkGone = false;
    try {
      await store.readChunk(id, 'train', 0);
    } catch {
      chunkGone = true;
    }
    log(`data: bench dataset deleted: ${deleted && chunkGone}`);
    const mb = 1e6;
    return {
      images,
      imageShape: [SIDE, SIDE, 1],
      data: 'synthetic syntheticBars 28×28×1 bytes + 1 label byte each (MNIST-sized), random noise background',
      chunkSize,
      chunksPerTransaction: perTransaction,
      write: {
        api: 'openImageStore().putChunks (plus the manifest before and after)',
        seconds: round(writeS),
        MBps: round(totalBytes / mb / writeS, 1),
        imagesPerSec: Math.round(images / writeS),
      },
      read: {
        api: `StreamingSampler over createStoreSource, batchSize ${batchSize}, prefetch 2 chunks, one epoch`,
        images: got,
        seconds: round(readS),
        MBps: round((got * (imageBytes + 1)) / mb / readS, 1),
        imagesPerSec: Math.round(got / readS),
        note: 'read right after writing, through a new connection; the browser and OS caches may be warm',
      },
      MB: '10^6 bytes, pixels + labels',
      deletedAfterwards: deleted && chunkGone,
    };
  } finally {
    store.close();
  }
}

// ---- user-image importer: PNG files → browser decoder → IndexedDB ---------------------------------

const IMPORT_NAME = 'bench import (temporary)';
const IMPORT_SOURCE_SIDE = 64; // encoded PNGs are 64×64 RGB
const IMPORT_SIZE = 28; // stored as 28×28 greyscale (MNIST-sized), so each file is resized
const IMPORT_CLASSES = 10;

/** `n` 64×64 RGB PNGs (a coloured bar per class on a noisy background), as `bench/<class>/<i>.png`. */
async function makePngFolder(n: number): Promise<FolderFile[]> {
  const canvas = new OffscreenCanvas(IMPORT_SOURCE_SIDE, IMPORT_SOURCE_SIDE);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D OffscreenCanvas here');
  const img = ctx.createImageData(IMPORT_SOURCE_SIDE, IMPORT_SOURCE_SIDE);
  const rng = new Rng(7);
  const files: FolderFile[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % IMPORT_CLASSES;
    const bar = Math.floor(((c + 0.5) * IMPORT_SOURCE_SIDE) / IMPORT_CLASSES);
    for (let y = 0; y < IMPORT_SOURCE_SIDE; y++)
      for (let x = 0; x < IMPORT_SOURCE_SIDE; x++) {
        const o = 4 * (y * IMPORT_SOURCE_SIDE + x);
        const on = Math.abs((c % 2 ? x : y) - bar) < 3;
        for (let ch = 0; ch < 3; ch++)
          img.data[o + ch] = on ? 200 + Math.floor(rng.next() * 55) : Math.floor(rng.next() * 60);
        img.data[o + 3] = 255;
      }
    ctx.putImageData(img, 0, 0);
    const file = await canvas.convertToBlob({ type: 'image/png' });
    files.push({ path: `bench/class-${c}/${i}.png`, file });
  }
  return files;
}

async function benchImport(images: number) {
  log(`import: encoding ${images} PNGs of ${IMPORT_SOURCE_SIDE}×${IMPORT_SOURCE_SIDE} RGB in the page`);
  const te = performance.now();
  const files = await makePngFolder(images);
  const encodeS = (performance.now() - te) / 1000;
  const inputBytes = files.reduce((a, f) => a + f.file.size, 0);
  const decoder = createBrowserDecoder();

  // The decoder alone, on the same files (no sniffing, no IndexedDB): where the import's time goes.
  const td = performance.now();
  let decodeChecksum = 0;
  for (const f of files) decodeChecksum += (await decoder.decode(f.file, IMPORT_SIZE, 'center-crop', 1))[0]!;
  const decodeS = (performance.now() - td) / 1000;

  const store = await openImageStore();
  try {
    for (const m of await store.listManifests()) if (m.name === IMPORT_NAME) await store.deleteDataset(m.id); // leftovers of an interrupted run
    log(`import: importing ${images} files through importImages`);
    let progressEvents = 0;
    const ti = performance.now();
    const report = await importImages(
      store,
      { kind: 'folder', files },
      {
        name: IMPORT_NAME,
        size: IMPORT_SIZE,
        channels: 1,
        cropPolicy: 'center-crop',
        testShare: 0.1,
        seed: 1,
        onPartial: 'rollback',
      },
      decoder,
      () => progressEvents++,
    );
    const importS = (performance.now() - ti) / 1000;
    log(`import: ${report.outcome}: ${report.message} (${importS.toFixed(2)} s)`);
    if (report.outcome !== 'complete' || !report.manifest)
      throw new Error(`The import did not complete: ${report.message}`);
    const id = report.manifest.id;
    await store.deleteDataset(id);
    const deleted = (await store.getManifest(id)) === undefined;
    const mb = 1e6;
    const storedBytes = report.imported * (IMPORT_SIZE * IMPORT_SIZE + 1);
    return {
      files: images,
      imported: report.imported,
      skipped: report.skipped.length,
      classes: report.manifest.classNames?.length ?? 0,
      source: `${images} PNG files, ${IMPORT_SOURCE_SIDE}×${IMPORT_SOURCE_SIDE} RGB (a bar per class on random noise), encoded in the page by OffscreenCanvas.convertToBlob (${round(encodeS, 2)} s, not timed below), in folder form bench/class-<c>/<i>.png, ${IMPORT_CLASSES} classes`,
      options: `stored ${IMPORT_SIZE}×${IMPORT_SIZE}×1 (greyscale), center-crop, testShare 0.1, onPartial rollback, the default chunk size`,
      inputMB: round(inputBytes / mb, 3),
      meanFileBytes: Math.round(inputBytes / images),
      import: {
        api: 'importImages(openImageStore(), { kind: "folder" }, …, createBrowserDecoder()) on the page\'s main thread (the lab runs it in its worker): plan, sniff, decode + resize (createImageBitmap, OffscreenCanvas), DatasetWriter chunks into IndexedDB, manifest',
        seconds: round(importS),
        imagesPerSec: Math.round(report.imported / importS),
        inputMBps: round(inputBytes / mb / importS, 2),
        storedMBps: round(storedBytes / mb / importS, 3),
        progressEvents,
      },
      decodeOnly: {
        api: 'createBrowserDecoder().decode on the same files, one after another, nothing stored',
        seconds: round(decodeS),
        imagesPerSec: Math.round(images / decodeS),
        checksum: decodeChecksum,
      },
      MB: '10^6 bytes; input = encoded PNG bytes, stored = pixels + labels',
      deletedAfterwards: deleted,
    };
  } finally {
    store.close();
  }
}

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

  type Combination = Awaited<ReturnType<typeof benchCombination>> & {
    deepCluster: Awaited<ReturnType<typeof benchDCluster>> | null;
  };
  const training: Combination[] = [];
  const reclustering: (Awaited<ReturnType<typeof benchRecluster>> & { leakedTensors: number })[] = [];
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

// DeepCluster's re-clustering: one onEpochStart (spherical k-means of every head) against the memory
// bank's size, and where a k-means update's time goes.
import * as tf from '@tensorflow/tfjs';
import { PRESETS, type TrainConfig } from '../src/shared/config';
import { DeepClusterV2 } from '../src/engine/methods/deepClusterV2';
import { l2n } from '../src/engine/nn/encoder';
import { Rng } from '../src/engine/runtime/random';
import { round } from './rig';
import { type BackendName } from '../src/shared/backendTypes';
import { FULL_RECLUSTER, log, QUICK } from './options';

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

export async function benchRecluster(backend: BackendName) {
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

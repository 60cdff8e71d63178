// Reference lines for the accuracy chart: what the probes score without any self-supervised training.
// - the random-init network (the run's own step-0 weights) with its BatchNorm statistics recalibrated
//   on the probe's train images: evaluation runs BN in inference mode, and at initialisation the moving
//   statistics are the defaults (mean 0, variance 1), not the data's; one pass that only updates them
//   raises a random network's kNN by up to 13 points (docs/LEARNING.md), so a gain measured against
//   the raw init would overstate what training taught.
// - raw pixels at the crop size (the same resize the frozen features see), flattened.
// Both are probed exactly like the run's evaluations (same train/test images, kNN k and T, linear
// probe). Nothing here touches the run's Rng, optimiser or variables.
import * as tf from '@tensorflow/tfjs';
import { readSubset } from '../data/sampler';
import { knnAccuracy } from '../evaluation/knn';
import { linearProbe } from '../evaluation/linearProbe';
import type { LabelledFeatures } from '../evaluation/types';
import { cloneEncoder, type Encoder } from '../nn/encoder';
import { Rng } from '../runtime/random';
import { mapImages, type PassProgress, type Subset, type ViewContext } from './trainerViews';
import type { Baselines, ProbeScores } from '../../shared/trainingTypes';

/**
 * Sets every BatchNorm layer's moving statistics of `encoder` to the average of its batch statistics
 * over `sub` (one pass in training mode with a cumulative-average momentum, as PyTorch's
 * momentum=None): the weights are unchanged.
 */
export async function recalibrateBatchNorm(
  ctx: Pick<ViewContext, 'source' | 'cfg'>,
  encoder: Encoder,
  sub: Subset,
  onProgress?: PassProgress,
): Promise<void> {
  let batches = 0;
  const out = await mapImages(
    ctx,
    sub,
    (x) => {
      // Batch i (from 0) weighs the running average by i/(i+1): the result is the plain mean.
      const bnMomentum = batches / (batches + 1);
      batches++;
      const f = encoder.features(x, { training: true, bnGroups: 1, bnMomentum });
      return tf.zeros([f.shape[0], 1]); // only the statistics matter
    },
    onProgress,
  );
  out.dispose();
}

type Stage = 'recalibrating' | 'random init' | 'pixels';

/**
 * Both baselines on the run's probe sets. `encoder` must be the run's network before its first step;
 * it is copied, never modified. `onProgress` gets the stage and images done of the stage's total.
 */
export async function computeBaselines(
  ctx: Pick<ViewContext, 'source' | 'cfg'>,
  encoder: Encoder,
  numClasses: number,
  onProgress?: (stage: Stage, done: number, total: number) => void,
): Promise<Baselines> {
  const cfg = ctx.cfg;
  const [train, test] = await Promise.all([
    readSubset(ctx.source, 'train', cfg.probeTrainSize),
    readSubset(ctx.source, 'test', cfg.probeTestSize),
  ]);
  const labelled = (sub: Subset, features: tf.Tensor2D): LabelledFeatures => ({
    features,
    labels: sub.labels ?? new Int32Array(sub.count),
  });
  const score = async (a: LabelledFeatures, b: LabelledFeatures): Promise<ProbeScores> => {
    try {
      const lin = await linearProbe(a, b, numClasses, { seed: cfg.seed });
      const knn = await knnAccuracy(a, b, numClasses, cfg.knnK, cfg.knnTemperature);
      return { linearTop1: lin.top1, knnTop1: knn };
    } finally {
      a.features.dispose();
      b.features.dispose();
    }
  };
  // A throwaway Rng for the copy's own (overwritten) init: the run's Rng is not drawn from.
  const copy = cloneEncoder(encoder, new Rng(0));
  let randomInit: ProbeScores;
  try {
    await recalibrateBatchNorm(ctx, copy, train, (d, t) => onProgress?.('recalibrating', d, t));
    const total = train.count + test.count;
    const feats = (x: tf.Tensor4D) => copy.features(x, { training: false });
    const a = await mapImages(ctx, train, feats, (d) => onProgress?.('random init', d, total));
    const b = await mapImages(ctx, test, feats, (d) => onProgress?.('random init', train.count + d, total));
    randomInit = await score(labelled(train, a), labelled(test, b));
  } finally {
    copy.dispose();
  }
  const flat = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
  const total = train.count + test.count;
  const pa = await mapImages(ctx, train, flat, (d) => onProgress?.('pixels', d, total));
  const pb = await mapImages(ctx, test, flat, (d) => onProgress?.('pixels', train.count + d, total));
  const pixels = await score(labelled(train, pa), labelled(test, pb));
  return { randomInit, pixels, trainCount: train.count, testCount: test.count };
}

// Linear probe (the frozen-feature protocol): standardise with the train statistics, fit a softmax
// classifier with Adam, report top-1, per-class accuracy and the confusion matrix on the test split.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../runtime/random';
import { checkSplit, type LabelledFeatures } from './types';

export interface LinearProbeOptions {
  epochs?: number; // default 100
  lr?: number; // Adam learning rate, default 0.01
  batchSize?: number; // default 1024 (full batch for N ≤ 1024); shuffled minibatches otherwise
  weightDecay?: number; // L2 penalty ½·wd·|W|² on the weights, default 0
  seed: number;
}

export interface LinearProbeResult {
  top1: number; // test accuracy in [0, 1]
  perClass: number[]; // [K] recall per class, 0 for classes absent from the test split
  confusion: number[][]; // [K, K] counts, rows = true class, columns = predicted class
}

export async function linearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  opts: LinearProbeOptions,
): Promise<LinearProbeResult> {
  checkSplit('linearProbe train', train, numClasses);
  checkSplit('linearProbe test', test, numClasses);
  const [n, f] = train.features.shape;
  if (test.features.shape[1] !== f)
    throw new Error(`linearProbe: feature dims ${f} vs ${test.features.shape[1]}`);
  if (n === 0) throw new Error('linearProbe: empty train set');
  const epochs = opts.epochs ?? 100;
  const batchSize = Math.max(1, Math.min(n, Math.floor(opts.batchSize ?? 1024)));
  const weightDecay = opts.weightDecay ?? 0;
  const rng = new Rng(opts.seed);

  const { mean, invStd } = tf.tidy(() => {
    const m = tf.moments(train.features, 0); // mean, variance [F]
    const std = tf.sqrt(m.variance);
    // Constant features keep scale 1 (as sklearn's StandardScaler) instead of exploding.
    const safe = tf.where(tf.less(std, 1e-6), tf.onesLike(std), std);
    return { mean: m.mean, invStd: tf.reciprocal(safe) };
  });
  const standardise = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(tf.sub(x, mean), invStd) as tf.Tensor2D;
  const xTrain = tf.tidy(() => standardise(train.features)); // [N, F]
  const yTrain = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), numClasses) as tf.Tensor2D); // [N, K]
  // tf.variable keeps its initial tensor alive: create both inside tidy so only the variables remain.
  const W = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R2>([f, numClasses]))); // [F, K]; convex loss, zero init
  const b = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([numClasses]))); // [K]
  const optimizer = tf.train.adam(opts.lr ?? 0.01);

  const lossOf = (x: tf.Tensor2D, y: tf.Tensor2D) => (): tf.Scalar => {
    const logp = tf.logSoftmax(tf.add(tf.matMul(x, W), b)); // [B, K]
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(y, logp), 1)));
    return (weightDecay > 0 ? tf.add(ce, tf.mul(0.5 * weightDecay, tf.sum(tf.square(W)))) : ce) as tf.Scalar;
  };

  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (batchSize >= n) {
        tf.tidy(() => {
          optimizer.minimize(lossOf(xTrain, yTrain), false, [W, b]);
        });
        continue;
      }
      const order = rng.permutation(n);
      for (let start = 0; start < n; start += batchSize) {
        tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(start, Math.min(n, start + batchSize)), 'int32'); // [B]
          const x = tf.gather(xTrain, idx) as tf.Tensor2D; // [B, F]
          const y = tf.gather(yTrain, idx) as tf.Tensor2D; // [B, K]
          optimizer.minimize(lossOf(x, y), false, [W, b]);
        });
      }
    }
    const pred = tf.tidy(() =>
      tf.cast(tf.argMax(tf.add(tf.matMul(standardise(test.features), W), b), 1), 'int32'),
    );
    let predicted: Int32Array;
    try {
      predicted = (await pred.data()) as Int32Array; // [Nte]
    } finally {
      pred.dispose();
    }
    return summarise(test.labels, predicted, numClasses);
  } finally {
    optimizer.dispose();
    for (const t of [W, b, xTrain, yTrain, mean, invStd]) t.dispose();
  }
}

/** Confusion matrix (rows = true class), per-class recall and top-1 from predicted labels. */
export function summarise(truth: Int32Array, predicted: Int32Array, numClasses: number): LinearProbeResult {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const row = confusion[truth[i]!];
    const p = predicted[i]!;
    if (row && p >= 0 && p < numClasses) row[p] = (row[p] ?? 0) + 1;
  }
  let hits = 0;
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((s, v) => s + v, 0);
    const ok = row[c] ?? 0;
    hits += ok;
    return total > 0 ? ok / total : 0;
  });
  return { top1: truth.length > 0 ? hits / truth.length : 0, perClass, confusion };
}

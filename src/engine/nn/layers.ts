// Functional layers over named tf.Variables. Each layer owns its trainable params and (for BatchNorm)
// moving statistics; `apply` takes a ForwardMode so one network serves training, split-BN keys and
// inference-mode attacks without copies.
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormTrain } from '../runtime/kernels/batchNorm';
import { bnRunningStats, bnRunningStatsPacked, ownKernelsActive } from '../runtime/kernels/fused';
import type { Rng } from '../runtime/random';

export interface ForwardMode {
  /** true: BatchNorm uses batch statistics and updates its moving statistics. */
  training: boolean;
  /** Split-BatchNorm: normalise in G equal sub-batches (MoCo's ShuffleBN emulation). Default 1. */
  bnGroups?: number;
  /**
   * Training mode: the batch is S equal segments stacked in order, each what one separate pass would
   * get (trainStep's shared pass of the hard views). Each segment is normalised in its own bnGroups
   * groups (S·G groups in all, in order) and the moving statistics are updated once per segment, in
   * segment order, exactly as S separate passes would. Default 1.
   */
  bnSegments?: number;
  /** Training mode: this momentum for the moving statistics instead of the layer's (recalibration). */
  bnMomentum?: number;
}

export interface Layer<I extends tf.Tensor = tf.Tensor, O extends tf.Tensor = tf.Tensor> {
  params: tf.Variable[]; // trainable, fixed order
  state: tf.Variable[]; // non-trainable (BN moving statistics), fixed order
  apply(x: I, mode: ForwardMode): O;
}

let uid = 0;
const name = (prefix: string) => `${prefix}_${uid++}`;

/** A variable whose initial value is freed (tf.variable alone keeps the init tensor alive). */
export function newVariable(init: () => tf.Tensor, trainable: boolean, prefix: string): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable, name(prefix)));
}

/** He-normal initialised 2-D convolution, no bias (BatchNorm follows). Kernel [k, k, inC, outC]. */
export function conv2d(
  inC: number,
  outC: number,
  k: number,
  stride: number,
  rng: Rng,
): Layer<tf.Tensor4D, tf.Tensor4D> {
  const std = Math.sqrt(2 / (k * k * inC));
  const w = newVariable(
    () => tf.randomNormal([k, k, inC, outC], 0, std, 'float32', rng.seed()),
    true,
    'conv',
  );
  return {
    params: [w],
    state: [],
    apply: (x) => tf.conv2d(x, w as tf.Variable<tf.Rank.R4>, stride, 'same'),
  };
}

/** Dense layer y = xW + b, W [inD, outD] (Kaiming-uniform like PyTorch's Linear). */
export function dense(inD: number, outD: number, rng: Rng, useBias = true): Layer<tf.Tensor2D, tf.Tensor2D> {
  const bound = 1 / Math.sqrt(inD);
  const w = newVariable(
    () => tf.randomUniform([inD, outD], -bound, bound, 'float32', rng.seed()),
    true,
    'dense',
  );
  const params: tf.Variable[] = [w];
  let b: tf.Variable | null = null;
  if (useBias) {
    b = newVariable(() => tf.zeros([outD]), true, 'bias');
    params.push(b);
  }
  return {
    params,
    state: [],
    apply: (x): tf.Tensor2D => {
      const y = tf.matMul(x, w as tf.Variable<tf.Rank.R2>) as tf.Tensor2D;
      return b ? (tf.add(y, b) as tf.Tensor2D) : y;
    },
  };
}

/**
 * BatchNorm over all axes but the last (channels). In training mode with G groups, each of the G
 * equal sub-batches is normalised with its own statistics; moving statistics take the group mean.
 * With S segments (ForwardMode.bnSegments) there are S·G groups and one moving update per segment.
 * Moving statistics are assigned inside `apply` (as tfjs-layers does), never in inference mode.
 */
export function batchNorm(channels: number, momentum = 0.9, eps = 1e-5): Layer {
  const gamma = newVariable(() => tf.ones([channels]), true, 'bn_gamma');
  const beta = newVariable(() => tf.zeros([channels]), true, 'bn_beta');
  const movingMean = newVariable(() => tf.zeros([channels]), false, 'bn_mean');
  const movingVar = newVariable(() => tf.ones([channels]), false, 'bn_var');
  return {
    params: [gamma, beta],
    state: [movingMean, movingVar],
    apply: (x, mode) => {
      if (!mode.training) {
        return tf.batchNorm(x, movingMean, movingVar, beta, gamma, eps);
      }
      const segments = mode.bnSegments ?? 1;
      const g = (mode.bnGroups ?? 1) * segments;
      const b = x.shape[0];
      if (b % g !== 0) throw new Error(`BatchNorm: batch ${b} is not divisible into ${g} groups`);
      const rest = x.shape.slice(1);
      const n = (b / g) * rest.slice(0, -1).reduce((p, q) => p * q, 1);
      const mom = mode.bnMomentum ?? momentum; // a recalibration pass sets its own (baselines.ts)
      if (ownKernelsActive()) {
        // WebGPU: statistics + moving statistics in one pass, normalise + affine in one, fused gradient.
        const moving = { mean: movingMean, variance: movingVar, momentum: mom, n, segments };
        const fused = fusedBatchNormTrain(x, gamma, beta, g, eps, moving);
        if (!fused.movingUpdated) bnRunningStatsPacked(movingMean, movingVar, fused.stats, mom, n, segments);
        return fused.y;
      }
      const grouped = tf.reshape(x, [g, b / g, ...rest]); // [G, B/G, ..., C]
      // Reduce over the sub-batch axis (1) and the spatial axes (2 .. rank-2 of `grouped`).
      const reduceAxes = [1, ...rest.slice(0, -1).map((_, i) => i + 2)];
      const { mean, variance } = tf.moments(grouped, reduceAxes, true); // [G, 1, ..., C]
      const normed = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, eps)));
      const y = tf.add(tf.mul(tf.reshape(normed, x.shape), gamma), beta);
      // Moving statistics (unbiased variance, as PyTorch): detached, mean over groups; one update per
      // segment, in order (each segment's G groups, as its own pass would).
      if (segments === 1) bnRunningStats(movingMean, movingVar, mean, variance, mom, n);
      else
        tf.tidy(() => {
          const means = tf.split(mean, segments, 0);
          const variances = tf.split(variance, segments, 0);
          means.forEach((m, i) => bnRunningStats(movingMean, movingVar, m, variances[i]!, mom, n));
        });
      return y;
    },
  };
}

/** Runs layers in sequence; `fns` between layers are parameter-free (activations, pooling). */
export function sequential(parts: (Layer | ((x: tf.Tensor) => tf.Tensor))[]): Layer {
  const layers = parts.filter((p): p is Layer => typeof p !== 'function');
  return {
    params: layers.flatMap((l) => l.params),
    state: layers.flatMap((l) => l.state),
    apply: (x, mode) =>
      parts.reduce<tf.Tensor>((h, p) => (typeof p === 'function' ? p(h) : p.apply(h, mode)), x),
  };
}

export const relu = (x: tf.Tensor) => tf.relu(x);
export const maxPool2 = (x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same');
/** Global average pooling [B, H, W, C] → [B, C]. */
export const globalAvgPool = (x: tf.Tensor) => tf.mean(x, [1, 2]);

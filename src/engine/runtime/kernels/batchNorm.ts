// Fused training-mode BatchNorm (issue 11, item 2) on WebGPU: one pass for the per-group, per-channel
// statistics, one for normalise + affine; its gradient (tf.customGrad) one pass for the per-group sums
// of dy and dy·x̂, one for dx together with dγ and dβ. tfjs's chain is about 12 dispatches forward and
// 13 backward per layer. Same formulas as the reference path in nn/layers.ts (tf.moments: biased
// variance, two passes; y = (x − μ)/√(σ² + ε)·γ + β), summed in another order.
import * as tf from '@tensorflow/tfjs';
import {
  canWriteInPlace,
  declareBindings,
  dispatchInPlace,
  FLAT_INDEX,
  MAIN_SIGNATURE,
  packUniforms,
} from './inPlace';

/** A new tensor whose GPU buffer a kernel fills (no upload, no fill dispatch). */
export function output(shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  const backend = tf.backend() as unknown as {
    makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  };
  const info = backend.makeTensorInfo(shape, dtype);
  return tf.engine().makeTensorFromTensorInfo(info);
}

// Uniforms of every BN kernel: groups G, rows per group M, channels C, ε, 1/M.
const U = 'groups: u32, rows: u32, channels: u32, eps: f32, inv_rows: f32,';
const uniforms = (g: number, m: number, c: number, eps: number) =>
  packUniforms([{ u32: g }, { u32: m }, { u32: c }, { f32: eps }, { f32: 1 / m }]);

// x [G·M·C] → stats [G, 2, C]: mean, biased variance (two passes, as tf.moments).
const STATS = () => `${declareBindings([{ write: false }, { write: true }], U)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.groups * u.channels) { return; }
  let g = i / u.channels;
  let c = i % u.channels;
  let base = g * u.rows * u.channels + c;
  var s = 0.0;
  for (var m = 0u; m < u.rows; m = m + 1u) { s = s + b0[base + m * u.channels]; }
  let mean = s * u.inv_rows;
  var v = 0.0;
  for (var m = 0u; m < u.rows; m = m + 1u) {
    let d = b0[base + m * u.channels] - mean;
    v = v + d * d;
  }
  b1[(g * 2u) * u.channels + c] = mean;
  b1[(g * 2u + 1u) * u.channels + c] = v * u.inv_rows;
}`;

// x → stats [G, 2, C] as STATS, and in the same dispatch the moving statistics (x, stats, moving mean,
// moving variance): one thread per channel walks the groups in order, so each group's moments are
// STATS's (same sums, same order) and the moving update is bnRunningStatsPacked's (fused.ts). With
// segments (ForwardMode.bnSegments), every `seg_groups` groups close a segment: one moving update
// each, in order, as separate passes would make (inv_groups is then 1 / seg_groups).
const STATS_MOVING = () => `${declareBindings(
  [{ write: false }, { write: true }, { write: true }, { write: true }],
  `${U} m: f32, one_minus_m: f32, unbias: f32, inv_groups: f32, seg_groups: u32,`,
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.channels) { return; }
  let c = i;
  var s_mean = 0.0;
  var s_var = 0.0;
  for (var g = 0u; g < u.groups; g = g + 1u) {
    let base = g * u.rows * u.channels + c;
    var s = 0.0;
    for (var m = 0u; m < u.rows; m = m + 1u) { s = s + b0[base + m * u.channels]; }
    let mean = s * u.inv_rows;
    var v = 0.0;
    for (var m = 0u; m < u.rows; m = m + 1u) {
      let d = b0[base + m * u.channels] - mean;
      v = v + d * d;
    }
    let variance = v * u.inv_rows;
    b1[(g * 2u) * u.channels + c] = mean;
    b1[(g * 2u + 1u) * u.channels + c] = variance;
    s_mean = s_mean + mean;
    s_var = s_var + variance;
    if ((g + 1u) % u.seg_groups == 0u) {
      let bm = s_mean * u.inv_groups;
      let bv = s_var * u.inv_groups * u.unbias;
      b2[c] = u.m * b2[c] + u.one_minus_m * bm;
      b3[c] = u.m * b3[c] + u.one_minus_m * bv;
      s_mean = 0.0;
      s_var = 0.0;
    }
  }
}`;

// x, stats, γ, β → y
const NORMALISE = () => `${declareBindings(
  [{ write: false }, { write: false }, { write: false }, { write: false }, { write: true }],
  U,
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.groups * u.rows * u.channels) { return; }
  let c = i % u.channels;
  let g = i / (u.rows * u.channels);
  let mean = b1[(g * 2u) * u.channels + c];
  let variance = b1[(g * 2u + 1u) * u.channels + c];
  b4[i] = (b0[i] - mean) / sqrt(variance + u.eps) * b2[c] + b3[c];
}`;

// x, stats, dy → sums [G, 2, C]: Σ dy, Σ dy·x̂
const GRAD_SUMS =
  () => `${declareBindings([{ write: false }, { write: false }, { write: false }, { write: true }], U)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.groups * u.channels) { return; }
  let g = i / u.channels;
  let c = i % u.channels;
  let mean = b1[(g * 2u) * u.channels + c];
  let inv_std = 1.0 / sqrt(b1[(g * 2u + 1u) * u.channels + c] + u.eps);
  let base = g * u.rows * u.channels + c;
  var s1 = 0.0;
  var s2 = 0.0;
  for (var m = 0u; m < u.rows; m = m + 1u) {
    let j = base + m * u.channels;
    s1 = s1 + b2[j];
    s2 = s2 + b2[j] * (b0[j] - mean) * inv_std;
  }
  b3[(g * 2u) * u.channels + c] = s1;
  b3[(g * 2u + 1u) * u.channels + c] = s2;
}`;

// x, stats, dy, sums, γ → dx; threads i < C also write dγ = Σ_g s2, dβ = Σ_g s1
const GRAD_DX = () => `${declareBindings(
  [
    { write: false },
    { write: false },
    { write: false },
    { write: false },
    { write: false },
    { write: true },
    { write: true },
    { write: true },
  ],
  U,
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i < u.channels) {
    var dg = 0.0;
    var db = 0.0;
    for (var g = 0u; g < u.groups; g = g + 1u) {
      db = db + b3[(g * 2u) * u.channels + i];
      dg = dg + b3[(g * 2u + 1u) * u.channels + i];
    }
    b6[i] = dg;
    b7[i] = db;
  }
  if (i >= u.groups * u.rows * u.channels) { return; }
  let c = i % u.channels;
  let g = i / (u.rows * u.channels);
  let mean = b1[(g * 2u) * u.channels + c];
  let inv_std = 1.0 / sqrt(b1[(g * 2u + 1u) * u.channels + c] + u.eps);
  let xhat = (b0[i] - mean) * inv_std;
  let s1 = b3[(g * 2u) * u.channels + c];
  let s2 = b3[(g * 2u + 1u) * u.channels + c];
  b5[i] = b4[c] * inv_std * (b2[i] - s1 * u.inv_rows - xhat * s2 * u.inv_rows);
}`;

/** The moving statistics a training forward updates: m ← momentum·m + (1 − momentum)·batch value. */
export interface MovingStats {
  mean: tf.Variable;
  variance: tf.Variable;
  momentum: number;
  /** Values per channel in one group (for the unbiased variance). */
  n: number;
  /** Segments (ForwardMode.bnSegments): the groups split into this many, one update each. Default 1. */
  segments?: number;
}

/**
 * Training-mode BatchNorm of x [B, …, C] in G groups of B/G samples (WebGPU only; see ownKernelsActive).
 * Returns y (differentiable in x, γ, β) and the batch moments `stats` [G, 2, C] (mean, biased
 * variance). With `moving` (and both variables writable in place) the statistics pass also updates
 * the moving statistics (`movingUpdated`: true); otherwise the caller does (bnRunningStatsPacked).
 */
export function fusedBatchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  groups: number,
  eps: number,
  moving?: MovingStats,
): { y: tf.Tensor; stats: tf.Tensor; movingUpdated: boolean } {
  const c = x.shape[x.shape.length - 1]!;
  const m = x.size / (groups * c);
  const u = uniforms(groups, m, c, eps);
  const stats = output([groups, 2, c]);
  const movingUpdated =
    moving !== undefined && canWriteInPlace(moving.mean) && canWriteInPlace(moving.variance);
  if (moving && movingUpdated) {
    const segments = moving.segments ?? 1;
    if (groups % segments !== 0) throw new Error(`BatchNorm: ${groups} groups in ${segments} segments`);
    const um = packUniforms([
      { u32: groups },
      { u32: m },
      { u32: c },
      { f32: eps },
      { f32: 1 / m },
      { f32: moving.momentum },
      { f32: 1 - moving.momentum },
      { f32: moving.n / Math.max(moving.n - 1, 1) },
      { f32: 1 / (groups / segments) },
      { u32: groups / segments },
    ]);
    dispatchInPlace(
      'hexa-bn-stats-moving',
      STATS_MOVING,
      [
        { tensor: x, write: false },
        { tensor: stats, write: true },
        { tensor: moving.mean, write: true },
        { tensor: moving.variance, write: true },
      ],
      um,
      c,
    );
  } else
    dispatchInPlace(
      'hexa-bn-stats-fwd',
      STATS,
      [
        { tensor: x, write: false },
        { tensor: stats, write: true },
      ],
      u,
      groups * c,
    );
  // The statistics are not an input of the custom gradient (its formula already holds their dependence
  // on x): no zero gradient to make for them (a ZerosLike dispatch per layer per backward pass).
  const ss = stats;
  const bn = tf.customGrad((xIn, gIn, bIn, save) => {
    const [xs, gs, bs] = [xIn, gIn, bIn] as tf.Tensor[];
    const y = output(xs!.shape);
    dispatchInPlace(
      'hexa-bn-normalise',
      NORMALISE,
      [
        { tensor: xs!, write: false },
        { tensor: ss, write: false },
        { tensor: gs!, write: false },
        { tensor: bs!, write: false },
        { tensor: y, write: true },
      ],
      u,
      xs!.size,
    );
    (save as tf.GradSaveFunc)([xs!, gs!, ss]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs2, gs2, ss2] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const sums = output([groups, 2, c]);
        dispatchInPlace(
          'hexa-bn-grad-sums',
          GRAD_SUMS,
          [
            { tensor: xs2, write: false },
            { tensor: ss2, write: false },
            { tensor: dy, write: false },
            { tensor: sums, write: true },
          ],
          u,
          groups * c,
        );
        const dx = output(xs2.shape);
        const dg = output([c]);
        const db = output([c]);
        dispatchInPlace(
          'hexa-bn-grad-dx',
          GRAD_DX,
          [
            { tensor: xs2, write: false },
            { tensor: ss2, write: false },
            { tensor: dy, write: false },
            { tensor: sums, write: false },
            { tensor: gs2, write: false },
            { tensor: dx, write: true },
            { tensor: dg, write: true },
            { tensor: db, write: true },
          ],
          u,
          Math.max(xs2.size, c),
        );
        sums.dispose();
        return [dx, tf.reshape(dg, gs2.shape), tf.reshape(db, gs2.shape)];
      },
    };
  });
  const y = bn(x, gamma, beta) as tf.Tensor;
  return { y, stats, movingUpdated };
}

// Fused cross-entropy scoring (issue 11): what methods/scoring.ts's scoreFromLogits computes from logits
// [B, M] and target columns [B] — the per-sample cross-entropy −log softmax(logits)[target], the
// target's logit, its rank (columns scoring strictly higher) and the arg-max — in ONE dispatch (one
// thread per row), and the loss's gradient dlogits = dloss·(softmax − onehot) in one more (custom
// gradient). tfjs's chain is about 15 dispatches forward (oneHot, the logit's mul + sum, logSoftmax's
// max, sub, exp, sum, log, sub, the targets' mul + sum + neg, greater + sum, argMax) and about 8 in
// backward. WebGPU only (ownKernelsActive); the reference is scoreFromLogits's plain tfjs path.
// Same formulas in float32: loss = log Σ_j exp(l_j − max) − (l_t − max); the sum runs in column order
// (tfjs's reduction in another order: a few ulps apart). Only the loss is differentiable, as on the
// reference path's use (ownLogit, rank and argmax are metrics and previews).
import * as tf from '@tensorflow/tfjs';
import { output } from './batchNorm';
import { declareBindings, dispatchInPlace, FLAT_INDEX, MAIN_SIGNATURE, packUniforms } from './inPlace';

const U = 'rows: u32, cols: u32,';

// logits, target (int32 bits) → loss, own logit, rank, arg-max (int32 bits), log-sum-exp (for backward)
const FORWARD = () => `${declareBindings(
  [
    { write: false },
    { write: false },
    { write: true },
    { write: true },
    { write: true },
    { write: true },
    { write: true },
  ],
  U,
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.rows) { return; }
  let base = i * u.cols;
  let t = u32(bitcast<i32>(b1[i]));
  var mx = b0[base];
  var arg = 0u;
  for (var j = 1u; j < u.cols; j = j + 1u) {
    let v = b0[base + j];
    if (v > mx) { mx = v; arg = j; }
  }
  let own = b0[base + t];
  var s = 0.0;
  var rank = 0.0;
  for (var j = 0u; j < u.cols; j = j + 1u) {
    let v = b0[base + j];
    s = s + exp(v - mx);
    if (v > own) { rank = rank + 1.0; }
  }
  let lse = log(s);
  b2[i] = lse - (own - mx);
  b3[i] = own;
  b4[i] = rank;
  b5[i] = bitcast<f32>(i32(arg));
  b6[i] = lse + mx;
}`;

// logits, target, log-sum-exp, dloss → dlogits
const BACKWARD = () => `${declareBindings(
  [{ write: false }, { write: false }, { write: false }, { write: false }, { write: true }],
  U,
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.rows * u.cols) { return; }
  let r = i / u.cols;
  let j = i % u.cols;
  let t = u32(bitcast<i32>(b1[r]));
  var onehot = 0.0;
  if (j == t) { onehot = 1.0; }
  b4[i] = b3[r] * (exp(b0[i] - b2[r]) - onehot);
}`;

export interface CrossEntropyScore {
  loss: tf.Tensor1D; // [B], differentiable in the logits
  ownLogit: tf.Tensor1D; // [B]
  rank: tf.Tensor1D; // [B] float32
  argmax: tf.Tensor1D; // [B] int32
}

/** The fused scoring of logits [B, M] (float32) against target columns [B] (int32); WebGPU only. */
export function fusedCrossEntropyScore(logits: tf.Tensor2D, target: tf.Tensor1D): CrossEntropyScore {
  const [rows, cols] = logits.shape;
  const u = packUniforms([{ u32: rows }, { u32: cols }]);
  const t = target.dtype === 'int32' ? target : tf.cast(target, 'int32');
  // The forward dispatch runs outside tf.customGrad (tfjs disposes whatever its forward function makes
  // besides the value): the custom gradient only attaches the backward kernel to a copy of the loss.
  const loss = output([rows]);
  const own = output([rows]);
  const rank = output([rows]);
  const argmax = output([rows], 'int32');
  const lse = output([rows]);
  dispatchInPlace(
    'hexa-xent-fwd',
    FORWARD,
    [
      { tensor: logits, write: false },
      { tensor: t, write: false },
      { tensor: loss, write: true },
      { tensor: own, write: true },
      { tensor: rank, write: true },
      { tensor: argmax, write: true },
      { tensor: lse, write: true },
    ],
    u,
    rows,
  );
  const f = tf.customGrad((lIn, save) => {
    (save as tf.GradSaveFunc)([lIn as tf.Tensor, lse, t]); // t too: the caller may dispose it first
    return {
      value: tf.clone(loss),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [l2, lse2, t2] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dl = output([rows, cols]);
        dispatchInPlace(
          'hexa-xent-grad',
          BACKWARD,
          [
            { tensor: l2, write: false },
            { tensor: t2, write: false },
            { tensor: lse2, write: false },
            { tensor: dy, write: false },
            { tensor: dl, write: true },
          ],
          u,
          rows * cols,
        );
        return dl;
      },
    };
  });
  const value = f(logits) as tf.Tensor1D;
  loss.dispose();
  lse.dispose(); // the saved copy stays until the backward pass
  return {
    loss: value,
    ownLogit: own as tf.Tensor1D,
    rank: rank as tf.Tensor1D,
    argmax: argmax as tf.Tensor1D,
  };
}

// ---- Mixed-target soft cross-entropy (cut-mix, mix-up: a method's mixedLoss) --------------------------
// loss_i = −Σ_j t_ij log softmax(l_i)_j with t_i = λ_i·onehot(own_i) + (1 − λ_i)·onehot(partner_i), as
// losses/softCrossEntropy.ts's softCrossEntropyPerSample(logits, mixedTargets(…)) computes it, in ONE
// dispatch (one thread per row), and its gradient in one more. tfjs's chain is about 15 dispatches
// forward (two oneHots, two multiplies, 1 − λ, the add; logSoftmax's max, sub, exp, sum, log, sub; the
// multiply, sum, neg) and about 7 backward. Only the two non-zero targets contribute (the other terms
// are exact zeros), with the same roundings: log softmax_j = (l_j − max) − log Σ exp(l − max); the
// two-term sum λ·ls_own + (1 − λ)·ls_partner, or (λ + (1 − λ))·ls when own = partner. Gradient, as
// tfjs's logSoftmax gradient of dy_j = −g·t_j: dl_j = dy_j − (Σ_k dy_k)·exp(log softmax_j).

// logits, own (int32 bits), partner (int32 bits), λ → loss, max, log-sum-exp (the last two for backward)
const MIXED_FORWARD = () => `${declareBindings(
  [
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
  if (i >= u.rows) { return; }
  let base = i * u.cols;
  let o = u32(bitcast<i32>(b1[i]));
  let p = u32(bitcast<i32>(b2[i]));
  var mx = b0[base];
  for (var j = 1u; j < u.cols; j = j + 1u) { mx = max(mx, b0[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < u.cols; j = j + 1u) { s = s + exp(b0[base + j] - mx); }
  let lse = log(s);
  let lam = b3[i];
  let mu = 1.0 - lam;
  let ls_own = (b0[base + o] - mx) - lse;
  var total = 0.0;
  if (o == p) {
    total = (lam + mu) * ls_own;
  } else {
    total = lam * ls_own + mu * ((b0[base + p] - mx) - lse);
  }
  b4[i] = -total;
  b5[i] = mx;
  b6[i] = lse;
}`;

// logits, own, partner, λ, max, log-sum-exp, dloss → dlogits
const MIXED_BACKWARD = () => `${declareBindings(
  [
    { write: false },
    { write: false },
    { write: false },
    { write: false },
    { write: false },
    { write: false },
    { write: false },
    { write: true },
  ],
  U,
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.rows * u.cols) { return; }
  let r = i / u.cols;
  let j = i % u.cols;
  let o = u32(bitcast<i32>(b1[r]));
  let p = u32(bitcast<i32>(b2[r]));
  let lam = b3[r];
  let mu = 1.0 - lam;
  let ng = -b6[r];
  var t = 0.0;
  if (j == o) { t = lam; }
  if (j == p) { t = t + mu; }
  var s = 0.0;
  if (o == p) { s = ng * (lam + mu); } else { s = ng * lam + ng * mu; }
  let v = (b0[i] - b4[r]) - b5[r];
  b7[i] = ng * t - s * exp(v);
}`;

/**
 * The mixed-target soft cross-entropy of logits [B, M] (float32) against own and partner columns
 * [B] (int32) weighted λ [B] and 1 − λ: loss [B], differentiable in the logits; WebGPU only.
 */
export function fusedMixedCrossEntropy(
  logits: tf.Tensor2D,
  own: tf.Tensor1D,
  partner: tf.Tensor1D,
  lambda: tf.Tensor1D,
): tf.Tensor1D {
  const [rows, cols] = logits.shape;
  const u = packUniforms([{ u32: rows }, { u32: cols }]);
  const made: tf.Tensor[] = [];
  const int = (t: tf.Tensor1D) => {
    if (t.dtype === 'int32') return t;
    const c = tf.cast(t, 'int32');
    made.push(c);
    return c;
  };
  const o = int(own);
  const p = int(partner);
  const lam = lambda.dtype === 'float32' ? lambda : tf.cast(lambda, 'float32');
  if (lam !== lambda) made.push(lam);
  const loss = output([rows]);
  const mx = output([rows]);
  const lse = output([rows]);
  dispatchInPlace(
    'hexa-mixce-fwd',
    MIXED_FORWARD,
    [
      { tensor: logits, write: false },
      { tensor: o, write: false },
      { tensor: p, write: false },
      { tensor: lam, write: false },
      { tensor: loss, write: true },
      { tensor: mx, write: true },
      { tensor: lse, write: true },
    ],
    u,
    rows,
  );
  const f = tf.customGrad((lIn, save) => {
    // The targets and statistics too: the caller may dispose them before the backward pass.
    (save as tf.GradSaveFunc)([lIn as tf.Tensor, o, p, lam, mx, lse]);
    return {
      value: tf.clone(loss),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [l2, o2, p2, lam2, mx2, lse2] = saved as tf.Tensor[];
        const dl = output([rows, cols]);
        dispatchInPlace(
          'hexa-mixce-grad',
          MIXED_BACKWARD,
          [
            { tensor: l2!, write: false },
            { tensor: o2!, write: false },
            { tensor: p2!, write: false },
            { tensor: lam2!, write: false },
            { tensor: mx2!, write: false },
            { tensor: lse2!, write: false },
            { tensor: dy, write: false },
            { tensor: dl, write: true },
          ],
          u,
          rows * cols,
        );
        return dl;
      },
    };
  });
  const value = f(logits) as tf.Tensor1D;
  [loss, mx, lse, ...made].forEach((t) => t.dispose()); // the saved copies stay until the backward pass
  return value;
}

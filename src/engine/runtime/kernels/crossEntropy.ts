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

import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../evaluation/normalize';
import { fusedCrossEntropyScore } from '../runtime/kernels/crossEntropy';
import { ownKernelsActive } from '../runtime/kernels/fused';
import { softCrossEntropyPerSample } from '../losses/softCrossEntropy';
import type { ViewScore } from './types';

/**
 * Scores logits [B, M] against target columns [B] (int32): cross-entropy (the one of softCrossEntropy.ts
 * with one-hot targets; with MoCo's logits and target column 0 it is InfoNCE), the target's logit, its
 * rank (how many columns score strictly higher) and the arg-max.
 */
export function scoreFromLogits(
  logits: tf.Tensor2D,
  target: tf.Tensor1D,
  features: tf.Tensor2D,
  embedding: tf.Tensor2D,
): ViewScore {
  if (ownKernelsActive() && logits.dtype === 'float32') {
    // WebGPU: one dispatch forward, one backward (runtime/kernels/crossEntropy.ts); same values.
    return { ...fusedCrossEntropyScore(logits, target), features, embedding };
  }
  const m = logits.shape[1];
  const onehot = tf.oneHot(target, m); // [B, M]
  const ownLogit = tf.sum(tf.mul(logits, onehot), 1) as tf.Tensor1D; // [B]
  const loss = softCrossEntropyPerSample(logits, onehot as tf.Tensor2D); // [B]
  const rank = tf.sum(tf.cast(tf.greater(logits, tf.expandDims(ownLogit, 1)), 'float32'), 1) as tf.Tensor1D;
  const argmax = tf.argMax(logits, 1) as tf.Tensor1D;
  return { loss, ownLogit, rank, argmax, features, embedding };
}

/**
 * A regression method's score (BYOL, LeJEPA: no pseudo-label to classify against). The per-sample loss
 * is the method's own; ownLogit is the cosine between each view's prediction and its own target, rank
 * counts the batch's other targets that are strictly closer to the prediction (0: its own target is
 * the nearest, a retrieval check), and argmax is the nearest target's batch position.
 * prediction [B, d'], targets [B, d'] (row i: sample i's own target), loss [B].
 */
export function scoreByRetrieval(
  prediction: tf.Tensor2D,
  targets: tf.Tensor2D,
  loss: tf.Tensor1D,
  features: tf.Tensor2D,
  embedding: tf.Tensor2D,
): ViewScore {
  const cos = tf.matMul(l2Normalize(prediction), l2Normalize(targets), false, true) as tf.Tensor2D; // [B, B]
  const ownLogit = tf.sum(tf.mul(cos, tf.eye(cos.shape[0])), 1) as tf.Tensor1D; // the diagonal
  const rank = tf.sum(tf.cast(tf.greater(cos, tf.expandDims(ownLogit, 1)), 'float32'), 1) as tf.Tensor1D;
  const argmax = tf.argMax(cos, 1) as tf.Tensor1D;
  return { loss, ownLogit, rank, argmax, features, embedding };
}

import * as tf from '@tensorflow/tfjs';
import { fusedMixedCrossEntropy } from '../runtime/kernels/crossEntropy';
import { ownKernelsActive } from '../runtime/kernels/fused';

/** Soft cross-entropy per sample: −Σ_j t_ij log softmax(logits)_ij. logits, targets [B, M] → [B]. */
export function softCrossEntropyPerSample(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)) as tf.Tensor1D);
}

/**
 * Mixed targets of a cut-mix: λ_i on column `own[i]` and (1 − λ_i) on column `partner[i]`.
 * own, partner int32 [B], lambda [B] → [B, M]; rows sum to one (both weights land on one column
 * when own[i] = partner[i]).
 */
export function mixedTargets(
  own: tf.Tensor1D,
  partner: tf.Tensor1D,
  lambda: tf.Tensor1D,
  m: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const l = tf.expandDims(lambda, 1); // [B, 1]
    return tf.add(tf.mul(tf.oneHot(own, m), l), tf.mul(tf.oneHot(partner, m), tf.sub(1, l))) as tf.Tensor2D;
  });
}

/**
 * softCrossEntropyPerSample(logits, mixedTargets(own, partner, lambda, M)): the soft cross-entropy of
 * logits [B, M] against λ_i on column own[i] and 1 − λ_i on column partner[i]. On WebGPU with the own
 * kernels one dispatch forward and one backward (runtime/kernels/crossEntropy.ts), the same values.
 */
export function mixedSoftCrossEntropy(
  logits: tf.Tensor2D,
  own: tf.Tensor1D,
  partner: tf.Tensor1D,
  lambda: tf.Tensor1D,
): tf.Tensor1D {
  if (ownKernelsActive() && logits.dtype === 'float32')
    return fusedMixedCrossEntropy(logits, own, partner, lambda);
  return tf.tidy(() =>
    softCrossEntropyPerSample(logits, mixedTargets(own, partner, lambda, logits.shape[1])),
  );
}

import * as tf from '@tensorflow/tfjs';

/**
 * MoCo logits: the positive key first, then the queue. q [B, d], k [B, d], queue [K, d], all
 * L2-normalised → [B, 1 + K] = [q·k⁺, q·Queueᵀ] / τ.
 */
export function mocoLogits(q: tf.Tensor2D, k: tf.Tensor2D, queue: tf.Tensor2D, tau: number): tf.Tensor2D {
  return tf.tidy(() => {
    const pos = tf.sum(tf.mul(q, k), 1, true); // [B, 1]
    const neg = tf.matMul(q, queue, false, true); // [B, K]
    return tf.div(tf.concat([pos, neg], 1), tau);
  });
}

/** InfoNCE per sample: −log softmax(logits)[:, 0] for logits [B, 1 + K] → [B]. */
export function infoNcePerSample(logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () => tf.neg(tf.squeeze(tf.slice(tf.logSoftmax(logits), [0, 0], [-1, 1]), [1])) as tf.Tensor1D,
  );
}

/** Mean InfoNCE over the batch: q [B, d], k [B, d], queue [K, d] → scalar. */
export function infoNce(q: tf.Tensor2D, k: tf.Tensor2D, queue: tf.Tensor2D, tau: number): tf.Scalar {
  return tf.tidy(() => tf.mean(infoNcePerSample(mocoLogits(q, k, queue, tau))));
}

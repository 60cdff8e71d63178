// MoCo's InfoNCE logits. The loss itself is the one cross-entropy (softCrossEntropy.ts), applied by
// methods/scoring.ts with the positive key (column 0) as the target.
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

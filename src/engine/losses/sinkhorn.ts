// SwAV's Sinkhorn–Knopp codes: soft assignments of a batch to K prototypes under an equipartition
// constraint (every prototype gets B/K of the batch's mass), from the scores z·cᵀ. As
// facebookresearch/swav's distributed_sinkhorn (main_swav.py) on one device: Q = exp(scores / ε)ᵀ
// [K, B], scaled to total 1, then `iterations` rounds of (rows to 1/K each, columns to 1/B each),
// finally × B so each sample's column sums to 1. The codes are targets: no gradient flows through them.
import * as tf from '@tensorflow/tfjs';
import { detach } from '../evaluation/detach';

/**
 * Codes [B, K] (rows sum to 1; columns about B/K each) of scores [B, K]. ε: entropic regularisation
 * (SwAV's default 0.05; smaller is harder); iterations: normalisation rounds (SwAV's default 3).
 * Gradient-free (detached). The global maximum is subtracted before exp: the first normalisation
 * cancels it, and it keeps exp(scores / ε) finite for small ε.
 */
export function sinkhornCodes(scores: tf.Tensor2D, epsilon = 0.05, iterations = 3): tf.Tensor2D {
  if (!(epsilon > 0)) throw new Error(`sinkhorn: ε must be positive, got ${epsilon}`);
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new Error(`sinkhorn: iterations must be a non-negative integer, got ${iterations}`);
  const [b, k] = scores.shape;
  return tf.tidy(() => {
    const s = detach(scores); // [B, K]
    let q = tf.exp(tf.div(tf.sub(s, tf.max(s)), epsilon)); // [B, K] (the transpose of SwAV's K×B Q)
    q = tf.div(q, tf.sum(q));
    for (let it = 0; it < iterations; it++) {
      q = tf.div(q, tf.mul(tf.sum(q, 0, true), k)); // each prototype's total → 1/K   [1, K]
      q = tf.div(q, tf.mul(tf.sum(q, 1, true), b)); // each sample's total → 1/B      [B, 1]
    }
    return tf.mul(q, b) as tf.Tensor2D; // each sample's codes sum to 1
  });
}

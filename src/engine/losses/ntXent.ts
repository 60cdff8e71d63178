// SimCLR's NT-Xent (normalised temperature-scaled cross-entropy) over 2B views, no queue: each view's
// positive is the other view of its image, its negatives the other 2B − 2 views of the batch.
// Checked against the SimCLR paper (Chen et al. 2020, eq. 1) and its public re-implementations
// (e.g. sthalles/SimCLR's info_nce_loss: cosine similarities / τ, the diagonal removed, the positive as
// the target class); the cross-entropy is the lab's one (softCrossEntropy.ts).
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../evaluation/normalize';
import { softCrossEntropyPerSample } from './softCrossEntropy';

/** A logit far below any cosine / τ: a view is never its own negative (exp underflows to 0). */
const SELF = -1e9;

/**
 * NT-Xent logits and targets. z [2B, d]: rows 0..B−1 are the first view of images 0..B−1, rows
 * B..2B−1 the second (any scale: rows are L2-normalised here) → logits [2B, 2B] = cos(z_i, z_j) / τ
 * with the diagonal pushed to −1e9, targets [2B, 2B] one-hot at the partner (i + B) mod 2B.
 */
export function ntXentLogits(z: tf.Tensor2D, tau: number): { logits: tf.Tensor2D; targets: tf.Tensor2D } {
  const n = z.shape[0];
  if (n % 2 !== 0 || n === 0) throw new Error(`ntXent: expected 2B rows (two views per image), got ${n}`);
  return tf.tidy(() => {
    const u = l2Normalize(z); // [2B, d]
    const sim = tf.div(tf.matMul(u, u, false, true), tau); // [2B, 2B]
    const eye = tf.eye(n); // [2B, 2B]
    const logits = tf.add(tf.mul(sim, tf.sub(1, eye)), tf.mul(eye, SELF)) as tf.Tensor2D;
    const b = n / 2;
    const partner = tf.tensor1d(
      Array.from({ length: n }, (_, i) => (i + b) % n),
      'int32',
    ); // [2B]
    return { logits, targets: tf.oneHot(partner, n) as tf.Tensor2D };
  });
}

/** NT-Xent per view [2B] (see ntXentLogits for the layout of z [2B, d]). */
export function ntXentPerSample(z: tf.Tensor2D, tau: number): tf.Tensor1D {
  return tf.tidy(() => {
    const { logits, targets } = ntXentLogits(z, tau);
    return softCrossEntropyPerSample(logits, targets);
  });
}

/** NT-Xent: the mean over all 2B views (SimCLR's loss). z [2B, d] → scalar. */
export function ntXent(z: tf.Tensor2D, tau: number): tf.Scalar {
  return tf.tidy(() => tf.mean(ntXentPerSample(z, tau)) as tf.Scalar);
}

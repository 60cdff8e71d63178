// SwAV's swapped prediction: the codes of one view are the targets of the other views' prototype
// softmax. As facebookresearch/swav's main_swav.py: for each view i that has codes q_i (the two large
// crops), the cross-entropy −Σ_k q_i log softmax(s_v / τ) averaged over the batch and over every other
// view v ≠ i (small crops included), then averaged over the views with codes.
import * as tf from '@tensorflow/tfjs';
import { detach } from '../evaluation/detach';
import { softCrossEntropyPerSample } from './softCrossEntropy';

/**
 * scores: V views' prototype scores, each [B, K] (z_v · Cᵀ with unit z and prototypes); codes: the
 * targets of the first codes.length views (e.g. sinkhornCodes(scores[i])), each [B, K], treated as
 * constants; τ: the softmax temperature (SwAV's 0.1) → scalar.
 */
export function swappedPredictionLoss(scores: tf.Tensor2D[], codes: tf.Tensor2D[], tau: number): tf.Scalar {
  if (scores.length < 2) throw new Error(`swapped prediction: needs ≥ 2 views, got ${scores.length}`);
  if (codes.length < 1 || codes.length > scores.length)
    throw new Error(`swapped prediction: ${codes.length} code views for ${scores.length} views`);
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    codes.forEach((q, i) => {
      const target = detach(q);
      const sub = scores
        .filter((_, v) => v !== i)
        .map((s) => tf.mean(softCrossEntropyPerSample(tf.div(s, tau) as tf.Tensor2D, target)) as tf.Scalar);
      terms.push(tf.div(tf.addN(sub), sub.length) as tf.Scalar);
    });
    return tf.div(tf.addN(terms), terms.length) as tf.Scalar;
  });
}

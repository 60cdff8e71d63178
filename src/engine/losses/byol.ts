// BYOL's regression loss (Grill et al. 2020, eq. 2): the online network's prediction p and the target
// network's projection z' are L2-normalised and ‖p̄ − z̄'‖² = 2 − 2·cos(p, z'). The target is a
// constant (BYOL's stop-gradient; its momentum encoder is updated outside the tape). Symmetrised by the
// caller (views swapped), as BYOL does. Checked against lucidrains/byol-pytorch's loss_fn
// (2 − 2 · (normalize(x) · normalize(y)).sum(-1)).
import * as tf from '@tensorflow/tfjs';
import { detach } from '../evaluation/detach';
import { l2Normalize } from '../evaluation/normalize';

/** 2 − 2·cos(p_i, z_i) per sample. p [B, d] (online prediction), z [B, d] (target, detached) → [B]. */
export function byolLossPerSample(p: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  if (p.shape[0] !== z.shape[0] || p.shape[1] !== z.shape[1])
    throw new Error(`BYOL loss: prediction ${p.shape} and target ${z.shape} differ`);
  return tf.tidy(
    () => tf.sub(2, tf.mul(2, tf.sum(tf.mul(l2Normalize(p), l2Normalize(detach(z))), 1))) as tf.Tensor1D,
  );
}

/** The batch mean of byolLossPerSample → scalar in [0, 4]. */
export function byolLoss(p: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(byolLossPerSample(p, z)) as tf.Scalar);
}

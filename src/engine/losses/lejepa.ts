// LeJEPA's predictive (invariance) loss (Balestriero & LeCun 2025): every view's embedding predicts the
// mean embedding of the global views, ‖z̄_global − z_v‖² averaged over views, images and dimensions.
// As rbalestr-lab/lejepa's MINIMAL.md (inv_loss = (proj.mean(0) − proj).square().mean(), with every
// view global). No stop-gradient: the centre is part of the graph. The whole objective is
// (1 − λ)·predictive + λ·SIGReg (sigreg.ts), λ its one trade-off weight.
import * as tf from '@tensorflow/tfjs';
import { sigreg } from './sigreg';

/**
 * views [V, B, d] (V views of B images; the first `globalViews` are the global views, default all) →
 * mean over v, b, j of (centre_bj − z_vbj)², centre = the mean of the global views.
 */
export function lejepaPredictiveLoss(views: tf.Tensor3D, globalViews = views.shape[0]): tf.Scalar {
  const v = views.shape[0];
  if (v < 2) throw new Error(`LeJEPA: needs ≥ 2 views, got ${v}`);
  if (!Number.isInteger(globalViews) || globalViews < 1 || globalViews > v)
    throw new Error(`LeJEPA: ${globalViews} global views of ${v}`);
  return tf.tidy(() => {
    const global = tf.slice(views, [0, 0, 0], [globalViews, -1, -1]); // [Vg, B, d]
    const centre = tf.mean(global, 0, true); // [1, B, d]
    return tf.mean(tf.square(tf.sub(centre, views))) as tf.Scalar;
  });
}

/**
 * LeJEPA's loss: (1 − λ)·predictive + λ·SIGReg of every view's embeddings (views [V, B, d] flattened to
 * [V·B, d]) along `directions` [d, M] → scalar.
 */
export function lejepaLoss(
  views: tf.Tensor3D,
  directions: tf.Tensor2D,
  lambda: number,
  globalViews?: number,
): tf.Scalar {
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`LeJEPA: λ must be in [0, 1], got ${lambda}`);
  return tf.tidy(() => {
    const [v, b, d] = views.shape;
    const pred = lejepaPredictiveLoss(views, globalViews);
    const reg = sigreg(tf.reshape(views, [v * b, d]) as tf.Tensor2D, directions);
    return tf.add(tf.mul(1 - lambda, pred), tf.mul(lambda, reg)) as tf.Scalar;
  });
}

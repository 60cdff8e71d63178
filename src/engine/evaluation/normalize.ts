// Row-wise L2 normalisation shared by the kNN monitor and the contrastive losses.
import * as tf from '@tensorflow/tfjs';
import { ownKernelsActive } from '../runtime/kernels/fused';
import { fusedL2Normalize } from '../runtime/kernels/l2normalize';

/** Scales every row of x to unit length: x / max(||x||, eps), as torch's F.normalize. */
export function l2Normalize(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  // WebGPU: one dispatch forward, one backward (runtime/kernels/l2normalize.ts).
  if (ownKernelsActive() && x.dtype === 'float32' && x.rank === 2) return fusedL2Normalize(x, eps);
  return tf.tidy(() => {
    const sumSq = tf.sum(tf.square(x), 1, true); // [N, 1]
    // rsqrt(max(|x|², eps²)) keeps the gradient finite on all-zero rows.
    const invNorm = tf.rsqrt(tf.maximum(sumSq, eps * eps)); // [N, 1]
    return tf.mul(x, invNorm) as tf.Tensor2D; // [N, F]
  });
}

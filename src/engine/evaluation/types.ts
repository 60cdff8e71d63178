// Shared shapes of the evaluation protocols.
import type * as tf from '@tensorflow/tfjs';

/** Frozen features of one split with their class labels. */
export interface LabelledFeatures {
  features: tf.Tensor2D; // [N, F]
  labels: Int32Array; // [N] class indices in [0, numClasses)
}

export function checkSplit(name: string, split: LabelledFeatures, numClasses: number): void {
  const [n] = split.features.shape;
  if (split.labels.length !== n) {
    throw new Error(`${name}: ${n} feature rows but ${split.labels.length} labels`);
  }
  for (const y of split.labels) {
    if (y < 0 || y >= numClasses) throw new Error(`${name}: label ${y} outside [0, ${numClasses})`);
  }
}

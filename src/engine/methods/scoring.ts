import * as tf from '@tensorflow/tfjs';
import { softCrossEntropyPerSample } from '../losses/softCrossEntropy';
import type { ViewScore } from './types';

/**
 * Scores logits [B, M] against target columns [B] (int32): cross-entropy (the one of softCrossEntropy.ts
 * with one-hot targets; with MoCo's logits and target column 0 it is InfoNCE), the target's logit, its
 * rank (how many columns score strictly higher) and the arg-max.
 */
export function scoreFromLogits(
  logits: tf.Tensor2D,
  target: tf.Tensor1D,
  features: tf.Tensor2D,
  embedding: tf.Tensor2D,
): ViewScore {
  const m = logits.shape[1];
  const onehot = tf.oneHot(target, m); // [B, M]
  const ownLogit = tf.sum(tf.mul(logits, onehot), 1) as tf.Tensor1D; // [B]
  const loss = softCrossEntropyPerSample(logits, onehot as tf.Tensor2D); // [B]
  const rank = tf.sum(tf.cast(tf.greater(logits, tf.expandDims(ownLogit, 1)), 'float32'), 1) as tf.Tensor1D;
  const argmax = tf.argMax(logits, 1) as tf.Tensor1D;
  return { loss, ownLogit, rank, argmax, features, embedding };
}

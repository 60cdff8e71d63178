// Hard-example gallery: the nearest-neighbour search in feature space (tf, cosine top-k) behind
// "click an item". The tf-free top-K bookkeeping is in galleryModel.ts (the page imports it).
import * as tf from '@tensorflow/tfjs';
import { NEIGHBOURS_K } from '../../shared/evaluation/galleryModel';
import { l2Normalize } from './normalize';

export * from '../../shared/evaluation/galleryModel';

export interface Neighbour {
  index: number; // row of the reference set
  similarity: number; // cosine similarity in [-1, 1]
}

/**
 * Cosine top-k of every query row [Q, F] among the reference rows [N, F], most similar first.
 * Inputs are not disposed; one read-back.
 */
export async function nearestNeighbours(
  query: tf.Tensor2D,
  reference: tf.Tensor2D,
  k = NEIGHBOURS_K,
): Promise<Neighbour[][]> {
  const [q, f] = query.shape;
  const [n, fr] = reference.shape;
  if (f !== fr) throw new Error(`nearestNeighbours: feature dims ${f} vs ${fr}`);
  const kk = Math.max(0, Math.min(Math.floor(k), n));
  if (q === 0 || kk === 0) return Array.from({ length: q }, () => []);
  const { values, indices } = tf.tidy(() => {
    const sim = tf.matMul(l2Normalize(query), l2Normalize(reference), false, true); // [Q, N]
    return tf.topk(sim, kk, true); // [Q, k] sorted descending
  });
  try {
    const [v, ix] = await Promise.all([values.data(), indices.data()]);
    return Array.from({ length: q }, (_, r) =>
      Array.from({ length: kk }, (_, j) => ({ index: ix[r * kk + j]!, similarity: v[r * kk + j]! })),
    );
  } finally {
    values.dispose();
    indices.dispose();
  }
}

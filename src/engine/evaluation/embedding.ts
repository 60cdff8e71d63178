// The embedding view: 2-D projections of frozen features. PCA on the GPU (centre, d×d covariance,
// power iteration with deflation) and UMAP on the CPU (umap-js, seeded), both of the same points.
import * as tf from '@tensorflow/tfjs';
import { UMAP } from 'umap-js';
import { Rng } from '../runtime/random';
import { l2Normalize } from './normalize';

export const EMBEDDING_MAX_POINTS = 500;
export const UMAP_NEIGHBOURS = 10;

export interface PcaResult {
  axes: tf.Tensor2D; // [F, count] unit principal axes, largest variance first
  coords: tf.Tensor2D; // [N, count] centred data projected on the axes
  variance: tf.Tensor1D; // [count] variance along each axis
}

/** Repeated squaring sharpens the spectrum: A^(2^SQUARINGS) before the power steps. */
const SQUARINGS = 5;

/**
 * Top `count` principal components of x [N, F] (rows = points). Power iteration with deflation on the
 * covariance C [F, F] (after repeated squaring of C, so few iterations suffice). Each axis is signed so
 * that its largest-magnitude entry is positive (a deterministic answer). Caller disposes the result.
 */
export function pca(x: tf.Tensor2D, count = 2, iterations = 24): PcaResult {
  return tf.tidy(() => {
    const [n, f] = x.shape;
    const k = Math.max(0, Math.min(count, f));
    const xc = tf.sub(x, tf.mean(x, 0, true)) as tf.Tensor2D; // [N, F]
    let cov = tf.div(tf.matMul(xc, xc, true, false), Math.max(n - 1, 1)) as tf.Tensor2D; // [F, F]
    const start = tf.tensor2d(
      Array.from({ length: f }, (_, j) => 1 + j / f),
      [f, 1],
    ); // never orthogonal to every axis of a generic C
    const unit = (v: tf.Tensor2D) => tf.div(v, tf.maximum(tf.norm(v), 1e-20)) as tf.Tensor2D;
    const axes: tf.Tensor2D[] = [];
    const variance: tf.Tensor[] = [];
    for (let c = 0; c < k; c++) {
      let a = tf.div(cov, tf.maximum(tf.norm(cov), 1e-30)) as tf.Tensor2D;
      for (let s = 0; s < SQUARINGS; s++) {
        const a2 = tf.matMul(a, a);
        a = tf.div(a2, tf.maximum(tf.norm(a2), 1e-30)) as tf.Tensor2D;
      }
      let v = unit(start);
      for (let it = 0; it < iterations; it++) {
        let w = tf.matMul(a, v) as tf.Tensor2D;
        // Keep orthogonal to the axes found so far (deflation leaves round-off behind).
        for (const u of axes) w = tf.sub(w, tf.mul(u, tf.sum(tf.mul(u, w)))) as tf.Tensor2D;
        v = unit(w);
      }
      const peak = tf.gather(tf.reshape(v, [f]), tf.argMax(tf.abs(tf.reshape(v, [f]))));
      v = tf.mul(v, tf.where(tf.less(peak, 0), tf.scalar(-1), tf.scalar(1))) as tf.Tensor2D;
      const lambda = tf.sum(tf.mul(v, tf.matMul(cov, v))); // vᵀ C v
      cov = tf.sub(cov, tf.mul(lambda, tf.matMul(v, v, false, true))) as tf.Tensor2D;
      axes.push(v);
      variance.push(tf.reshape(lambda, [1]));
    }
    const axesT = (k > 0 ? tf.concat(axes, 1) : tf.zeros([f, 0])) as tf.Tensor2D;
    return {
      axes: axesT,
      coords: tf.matMul(xc, axesT) as tf.Tensor2D,
      variance: (k > 0 ? tf.concat(variance) : tf.zeros([0])) as tf.Tensor1D,
    };
  });
}

/** UMAP of rows [N][F] into 2-D, reproducible from `seed`. Fewer than 3 points: all at the origin. */
export function umap2d(rows: number[][], seed: number, nNeighbors = UMAP_NEIGHBOURS): Float32Array {
  const out = new Float32Array(rows.length * 2);
  if (rows.length < 3) return out;
  const rng = new Rng(seed);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.max(2, Math.min(nNeighbors, rows.length - 1)),
    minDist: 0.1,
    nEpochs: 200,
    random: () => rng.next(),
  });
  umap.fit(rows).forEach((p, i) => {
    out[2 * i] = p[0] ?? 0;
    out[2 * i + 1] = p[1] ?? 0;
  });
  return out;
}

/**
 * Both projections of the first ≤ maxPoints rows of `features` [N, F] (L2-normalised first, the
 * geometry the kNN monitor uses). `features` is not disposed; one read-back each of PCA and rows.
 */
export async function projectFeatures(
  features: tf.Tensor2D,
  opts: { seed: number; maxPoints?: number; umap?: boolean },
): Promise<{ pca: Float32Array; umap: Float32Array | null; count: number }> {
  const count = Math.min(features.shape[0], opts.maxPoints ?? EMBEDDING_MAX_POINTS);
  const x = tf.tidy(() => l2Normalize(tf.slice(features, [0, 0], [count, features.shape[1]])));
  const p = pca(x, 2);
  try {
    const [coords, rows] = await Promise.all([
      p.coords.data() as Promise<Float32Array>,
      opts.umap === false ? Promise.resolve(null) : (x.array() as Promise<number[][]>),
    ]);
    const pcaOut = Float32Array.from(coords);
    if (p.coords.shape[1] < 2) {
      // F < 2: pad the missing axis with zeros
      const padded = new Float32Array(count * 2);
      for (let i = 0; i < count; i++) padded[2 * i] = pcaOut[i] ?? 0;
      return { pca: padded, umap: rows ? umap2d(rows, opts.seed) : null, count };
    }
    return { pca: pcaOut, umap: rows ? umap2d(rows, opts.seed) : null, count };
  } finally {
    x.dispose();
    p.axes.dispose();
    p.coords.dispose();
    p.variance.dispose();
  }
}

// SIGReg, LeJEPA's "sketched isotropic Gaussian regularisation" (Balestriero & LeCun 2025): embeddings
// are projected on M random unit directions, and each 1-D projection's empirical characteristic
// function (ECF) is compared with N(0, 1)'s, φ(t) = exp(−t²/2), by the Epps–Pulley statistic
//   T = N · ∫ |ECF(t) − φ(t)|² φ(t) dt,
// integrated on [−3, 3] by the trapezoid rule over 17 knots of [0, 3] with doubled weights (|·|² is even
// in t). As rbalestr-lab/lejepa (lejepa/univariate/epps_pulley.py, EppsPulley(t_max=3, n_points=17);
// lejepa/multivariate/slicing.py: Gaussian directions normalised to unit length, the mean over slices).
// Under the null (an isotropic standard Gaussian sample) E[T] = ∫ (1 − φ²) φ dt ≈ 1 whatever N; a
// distribution that differs gives T growing like N.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../runtime/random';

export const SIGREG_T_MAX = 3;
export const SIGREG_KNOTS = 17;

/** Knots t_k [K] on [0, tMax], φ(t_k) [K] and the integration weights w_k = trapezoid·2·φ(t_k) [K]. */
export function eppsPulleyQuadrature(tMax = SIGREG_T_MAX, knots = SIGREG_KNOTS) {
  if (!Number.isInteger(knots) || knots < 2) throw new Error(`Epps–Pulley: need ≥ 2 knots, got ${knots}`);
  const dt = tMax / (knots - 1);
  const t = Array.from({ length: knots }, (_, k) => k * dt);
  const phi = t.map((x) => Math.exp(-0.5 * x * x));
  const weights = t.map((_, k) => (k === 0 || k === knots - 1 ? dt : 2 * dt) * phi[k]!);
  return { t, phi, weights };
}

/**
 * Epps–Pulley statistic of each column of x [N, M] (M samples of size N, one per projection) against
 * N(0, 1) → [M]: N · Σ_k w_k ((mean_n cos(t_k x_n) − φ_k)² + (mean_n sin(t_k x_n))²).
 */
export function eppsPulley(x: tf.Tensor2D, tMax = SIGREG_T_MAX, knots = SIGREG_KNOTS): tf.Tensor1D {
  const { t, phi, weights } = eppsPulleyQuadrature(tMax, knots);
  const n = x.shape[0];
  return tf.tidy(() => {
    const xt = tf.mul(tf.expandDims(x, 2), tf.tensor1d(t)); // [N, M, K]
    const cosMean = tf.mean(tf.cos(xt), 0); // [M, K]
    const sinMean = tf.mean(tf.sin(xt), 0); // [M, K]
    const err = tf.add(tf.square(tf.sub(cosMean, tf.tensor1d(phi))), tf.square(sinMean)); // [M, K]
    return tf.mul(tf.sum(tf.mul(err, tf.tensor1d(weights)), 1), n) as tf.Tensor1D; // [M]
  });
}

/** SIGReg: the mean Epps–Pulley statistic of z [N, d] projected on directions [d, M] → scalar. */
export function sigreg(z: tf.Tensor2D, directions: tf.Tensor2D): tf.Scalar {
  if (z.shape[1] !== directions.shape[0])
    throw new Error(`SIGReg: embeddings of ${z.shape[1]} dims, directions of ${directions.shape[0]}`);
  return tf.tidy(() => tf.mean(eppsPulley(tf.matMul(z, directions))) as tf.Scalar);
}

/** M random unit directions in d dims [d, M] (Gaussian, columns normalised), drawn from `rng`. */
export function randomDirections(d: number, m: number, rng: Rng): tf.Tensor2D {
  const a = new Float32Array(d * m);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += a[i * m + j]! ** 2;
    const inv = 1 / Math.sqrt(Math.max(s, 1e-30));
    for (let i = 0; i < d; i++) a[i * m + j]! *= inv;
  }
  return tf.tensor2d(a, [d, m]);
}

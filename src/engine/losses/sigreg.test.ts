import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../runtime/random';
import { useCpu } from '../testing/fixtures';
import { expectNoLeak, expectUsefulGradient } from './gradCheck';
import { eppsPulley, eppsPulleyQuadrature, randomDirections, sigreg } from './sigreg';

beforeAll(useCpu);

/** n × d standard normal draws, each column scaled by `scale[j]` (default 1). */
function gaussian(n: number, d: number, seed: number, scale: number[] = []): tf.Tensor2D {
  const rng = new Rng(seed);
  const a = Float32Array.from({ length: n * d }, (_, i) => rng.normal() * (scale[i % d] ?? 1));
  return tf.tensor2d(a, [n, d]);
}

const value = async (t: tf.Tensor) => {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
};

describe('eppsPulley', () => {
  it('uses 17 knots on [0, 3], trapezoid weights doubled for the negative half, times φ', () => {
    const { t, phi, weights } = eppsPulleyQuadrature();
    expect(t).toHaveLength(17);
    expect(t[16]).toBeCloseTo(3, 10);
    // dt = 3/16 = 0.1875: end knots dt·φ, inner knots 2·dt·φ
    expect(weights[0]).toBeCloseTo(0.1875, 10);
    expect(weights[1]).toBeCloseTo(0.375 * Math.exp(-0.5 * 0.1875 ** 2), 10);
    expect(weights[16]).toBeCloseTo(0.1875 * Math.exp(-4.5), 10);
    expect(phi[8]).toBeCloseTo(Math.exp(-0.5 * 1.5 ** 2), 10);
  });

  it('matches worked values for tiny samples', async () => {
    // Computed once with numpy, as rbalestr-lab/lejepa's EppsPulley(t_max=3, n_points=17):
    //   x = [0, 0]: ECF(t) = 1, so T = 2 · Σ_k w_k (1 − φ_k)²                 = 0.8040951595
    //   x = [1, −1]: ECF(t) = cos t (the sines cancel), T = 2 · Σ_k w_k (cos t_k − φ_k)² = 0.2056592319
    //   x = [0, 1, 2]: T = 3 · Σ_k w_k ((mean cos − φ_k)² + (mean sin)²)        = 1.4897930889
    // x = [1, −1] is also re-derived below from the quadrature with plain numbers.
    const cols = tf.tensor2d([
      [0, 1],
      [0, -1],
    ]); // column 0 = [0, 0], column 1 = [1, −1]
    const v = await value(eppsPulley(cols));
    expect(v[0]).toBeCloseTo(0.8040951595, 5);
    expect(v[1]).toBeCloseTo(0.2056592319, 5);
    const three = tf.tensor2d([[0], [1], [2]]);
    expect((await value(eppsPulley(three)))[0]).toBeCloseTo(1.4897930889, 5);
    const { t, phi, weights } = eppsPulleyQuadrature();
    const byHand = 2 * t.reduce((s, tk, k) => s + weights[k]! * (Math.cos(tk) - phi[k]!) ** 2, 0);
    expect(byHand).toBeCloseTo(0.2056592319, 8);
    [cols, three].forEach((a) => a.dispose());
  });
});

describe('sigreg', () => {
  const D = 16;
  const M = 64;
  const N = 2000;

  it('is about 1 (its expectation under the null), i.e. a distance near 0, for an isotropic Gaussian; large when collapsed or anisotropic', async () => {
    // numpy, same sizes (N = 2000, d = 16, 64 directions): Gaussian 1.03, all rows equal 2,012,
    // one axis with std 3 61.6. Under the null E[T] = ∫ (1 − φ²) φ dt ≈ 1 whatever N, and T / N, the
    // weighted squared distance between the characteristic functions, goes to 0.
    const dirs = randomDirections(D, M, new Rng(11));
    const g = gaussian(N, D, 1);
    const collapsed = tf.tidy(() => tf.tile(tf.slice(g, [0, 0], [1, D]), [N, 1]) as tf.Tensor2D);
    const aniso = gaussian(N, D, 2, [3]);
    const shrunk = tf.tidy(() => tf.mul(g, 0.3) as tf.Tensor2D);
    const [tg] = await value(sigreg(g, dirs));
    const [tc] = await value(sigreg(collapsed, dirs));
    const [ta] = await value(sigreg(aniso, dirs));
    const [ts] = await value(sigreg(shrunk, dirs));
    expect(tg).toBeGreaterThan(0.5);
    expect(tg).toBeLessThan(2);
    expect(tg! / N).toBeLessThan(1e-3);
    expect(tc).toBeGreaterThan(300); // all rows equal: every projection a point mass
    expect(ta).toBeGreaterThan(20); // one axis three times wider
    expect(ts).toBeGreaterThan(100); // isotropic but not unit variance
    [dirs, g, collapsed, aniso, shrunk].forEach((t) => t.dispose());
  });

  it('draws unit directions from its Rng (same seed, same directions)', async () => {
    const a = randomDirections(5, 7, new Rng(3));
    const b = randomDirections(5, 7, new Rng(3));
    expect(await a.array()).toEqual(await b.array());
    const norms = await value(tf.tidy(() => tf.sqrt(tf.sum(tf.square(a), 0))));
    norms.forEach((x) => expect(x).toBeCloseTo(1, 5));
    [a, b].forEach((t) => t.dispose());
  });

  it('is differentiable in the embeddings (finite, non-zero) and leaks nothing', async () => {
    const dirs = randomDirections(4, 8, new Rng(5));
    const z = gaussian(32, 4, 9, [1, 2, 0.5, 1]);
    await expectUsefulGradient((x) => sigreg(x as tf.Tensor2D, dirs), z);
    // a collapsed batch (the case SIGReg exists for) still gets a finite gradient
    const flat = tf.tidy(() => tf.add(tf.zeros([32, 4]), 0.1) as tf.Tensor2D);
    await expectUsefulGradient((x) => sigreg(x as tf.Tensor2D, dirs), flat);
    expectNoLeak(() => sigreg(z, dirs));
    [dirs, z, flat].forEach((t) => t.dispose());
  });

  it('refuses directions of the wrong dimension', () => {
    const z = tf.zeros([4, 3]) as tf.Tensor2D;
    const d = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => sigreg(z, d)).toThrow(/3 dims, directions of 2/);
    [z, d].forEach((t) => t.dispose());
  });
});

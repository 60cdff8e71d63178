import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/fixtures';
import { expectNoLeak, expectUsefulGradient } from './gradCheck';
import { sinkhornCodes } from './sinkhorn';
import { swappedPredictionLoss } from './swappedPrediction';

beforeAll(useCpu);

// B = 2, K = 3, τ = 0.5. Scores of three views and hand-made codes of the first two:
//   s1 = [[0.5, 0.1, −0.2], [0, 0.3, 0.4]], s2 = [[0.2, 0.6, 0], [−0.1, 0, 0.5]], s3 = [[0.3, −0.4, 0.1], [0.2, 0.2, −0.5]]
//   q1 = [[1, 0, 0], [0, 0, 1]], q2 = [[0, 1, 0], [0.5, 0, 0.5]]
// CE(q, s) = −mean_b Σ_k q_bk log softmax(s_b / τ)_k, e.g. CE(q1, s2):
//   row 0: s2/τ = [0.4, 1.2, 0], −log softmax_0 = −0.4 + ln(e^0.4 + e^1.2 + 1) = 1.3000…
//   row 1: s2/τ = [−0.2, 0, 1], −log softmax_2 = −1 + ln(e^−0.2 + 1 + e) = 0.5721…  → mean 0.9360917
// Two views: ½ (CE(q1, s2) + CE(q2, s1)) = ½ (0.9360917 + 1.2735768) = 1.1048343
// Three views, codes of views 1 and 2: ½ (½ (CE(q1, s2) + CE(q1, s3)) + ½ (CE(q2, s1) + CE(q2, s3)))
//   = ½ (½ (0.9360917 + 1.4300674) + ½ (1.2735768 + 1.7800674)) = 1.3549508
// With Sinkhorn codes (ε = 0.5, 3 iterations) of s1 and s2 instead: 1.1100118.
// All computed once with numpy (the formulas above, SwAV's main_swav.py loop) and row 0 by hand.
const S1 = [
  [0.5, 0.1, -0.2],
  [0, 0.3, 0.4],
];
const S2 = [
  [0.2, 0.6, 0],
  [-0.1, 0, 0.5],
];
const S3 = [
  [0.3, -0.4, 0.1],
  [0.2, 0.2, -0.5],
];
const Q1 = [
  [1, 0, 0],
  [0, 0, 1],
];
const Q2 = [
  [0, 1, 0],
  [0.5, 0, 0.5],
];

const value = async (t: tf.Scalar) => {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
};

describe('swappedPredictionLoss', () => {
  it('matches the hand-computed two-view and three-view (multi-crop) losses', async () => {
    const [s1, s2, s3, q1, q2] = [S1, S2, S3, Q1, Q2].map((a) => tf.tensor2d(a));
    expect(await value(swappedPredictionLoss([s1!, s2!], [q1!, q2!], 0.5))).toBeCloseTo(1.1048343, 5);
    expect(await value(swappedPredictionLoss([s1!, s2!, s3!], [q1!, q2!], 0.5))).toBeCloseTo(1.3549508, 5);
    [s1, s2, s3, q1, q2].forEach((t) => t!.dispose());
  });

  it('with Sinkhorn codes of each view', async () => {
    const [s1, s2] = [S1, S2].map((a) => tf.tensor2d(a));
    const codes = [sinkhornCodes(s1!, 0.5, 3), sinkhornCodes(s2!, 0.5, 3)];
    expect(await value(swappedPredictionLoss([s1!, s2!], codes, 0.5))).toBeCloseTo(1.1100118, 5);
    [s1, s2, ...codes].forEach((t) => t!.dispose());
  });

  it('is differentiable in the scores (not through the codes) and leaks nothing', async () => {
    const [s1, s2] = [S1, S2].map((a) => tf.tensor2d(a));
    const f = (x: tf.Tensor) => {
      const a = x as tf.Tensor2D;
      return swappedPredictionLoss([a, s2!], [sinkhornCodes(a, 0.5, 3), sinkhornCodes(s2!, 0.5, 3)], 0.5);
    };
    await expectUsefulGradient(f, s1!);
    // d/ds1 of ½ CE(q2, s1) alone (the codes of s1 are constants): (softmax(s1/τ) − q2) / (2 · B · τ)
    const g = tf.grad(f)(s1!);
    const q2 = sinkhornCodes(s2!, 0.5, 3);
    const want = tf.tidy(() => tf.div(tf.sub(tf.softmax(tf.div(s1!, 0.5)), q2), 2 * 2 * 0.5));
    const [gv, wv] = await Promise.all([g.data(), want.data()]);
    Array.from(gv).forEach((x, i) => expect(x).toBeCloseTo(wv[i]!, 5));
    expectNoLeak(() => tf.tidy(() => f(s1!))); // f makes the codes itself: tidy frees them
    [s1, s2, g, q2, want].forEach((t) => t!.dispose());
  });

  it('refuses one view, or more code views than views', () => {
    const s = tf.tensor2d(S1);
    expect(() => swappedPredictionLoss([s], [s], 0.5)).toThrow(/≥ 2 views/);
    expect(() => swappedPredictionLoss([s, s], [s, s, s], 0.5)).toThrow(/3 code views for 2 views/);
    s.dispose();
  });
});

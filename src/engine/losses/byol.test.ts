import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/fixtures';
import { byolLoss, byolLossPerSample } from './byol';
import { expectNoLeak, expectUsefulGradient } from './gradCheck';

beforeAll(useCpu);

// By hand: 2 − 2·cos(p, z)
//   p = (1, 0), z = (0, 2):  cos = 0        → 2
//   p = (3, 4), z = (3, 4):  cos = 1        → 0
//   p = (1, 1), z = (1, 0):  cos = 1/√2     → 2 − √2 = 0.5857864
// mean (2 + 0 + 2 − √2) / 3 = 0.8619288
const P = [
  [1, 0],
  [3, 4],
  [1, 1],
];
const Z = [
  [0, 2],
  [3, 4],
  [1, 0],
];

describe('byolLoss', () => {
  it('is 2 − 2·cos per sample, and its mean', async () => {
    const [p, z] = [P, Z].map((a) => tf.tensor2d(a)) as [tf.Tensor2D, tf.Tensor2D];
    const per = await byolLossPerSample(p, z).data();
    [2, 0, 2 - Math.SQRT2].forEach((v, i) => expect(per[i]).toBeCloseTo(v, 5));
    const mean = byolLoss(p, z);
    expect((await mean.data())[0]).toBeCloseTo((4 - Math.SQRT2) / 3, 5);
    [p, z, mean].forEach((t) => t.dispose());
  });

  it('trains the prediction only (the target is a constant), with a finite gradient; leaks nothing', async () => {
    const [p, z] = [P, Z].map((a) => tf.tensor2d(a)) as [tf.Tensor2D, tf.Tensor2D];
    await expectUsefulGradient((x) => byolLoss(x as tf.Tensor2D, z), p);
    const gz = tf.grad((x: tf.Tensor) => byolLoss(p, x as tf.Tensor2D))(z);
    expect(Array.from(await gz.data()).every((x) => x === 0)).toBe(true);
    expectNoLeak(() => byolLoss(p, z));
    [p, z, gz].forEach((t) => t.dispose());
  });

  it('refuses shapes that differ', () => {
    const p = tf.zeros([2, 3]) as tf.Tensor2D;
    const z = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => byolLoss(p, z)).toThrow(/differ/);
    [p, z].forEach((t) => t.dispose());
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../runtime/random';
import { useCpu } from '../testing/fixtures';
import { expectNoLeak, expectUsefulGradient } from './gradCheck';
import { lejepaLoss, lejepaPredictiveLoss } from './lejepa';
import { randomDirections, sigreg } from './sigreg';

beforeAll(useCpu);

// V = 2 views of B = 2 images, d = 2 (by hand):
//   view 0: (1, 0), (0, 2);  view 1: (3, 0), (0, 0)
//   centre of both views: (2, 0), (0, 1)
//   differences: view 0 (−1, 0), (0, 1); view 1 (1, 0), (0, −1) → squares sum to 4 over 8 entries = 0.5
//   centre = view 0 only (1 global view): view 1 − view 0 = (2, 0), (0, −2) → 8 / 8 = 1
const VIEWS = [
  [
    [1, 0],
    [0, 2],
  ],
  [
    [3, 0],
    [0, 0],
  ],
];

const value = async (t: tf.Tensor) => {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
};

describe('lejepaPredictiveLoss', () => {
  it('is the mean squared distance to the mean of the global views', async () => {
    const v = tf.tensor3d(VIEWS);
    expect(await value(lejepaPredictiveLoss(v))).toBeCloseTo(0.5, 6);
    expect(await value(lejepaPredictiveLoss(v, 1))).toBeCloseTo(1, 6);
    v.dispose();
  });

  it('has a finite, non-zero gradient through every view (no stop-gradient) and leaks nothing', async () => {
    const v = tf.tensor3d(VIEWS);
    // By hand for entry [0, 0, 0] (z000 = 1, its partner z100 = 3, centre c = (z000 + z100)/2 = 2): the
    // two terms that hold z000 are (c − z000)² and (c − z100)², over 8 entries:
    //   [2(c − z000)(½ − 1) + 2(c − z100)(½)] / 8 = [2·1·(−½) + 2·(−1)·½] / 8 = −0.25
    const g = tf.grad((x: tf.Tensor) => lejepaPredictiveLoss(x as tf.Tensor3D))(v);
    expect((await g.data())[0]).toBeCloseTo(-0.25, 6);
    await expectUsefulGradient((x) => lejepaPredictiveLoss(x as tf.Tensor3D), v);
    expectNoLeak(() => lejepaPredictiveLoss(v));
    [v, g].forEach((t) => t.dispose());
  });

  it('refuses one view or a bad number of global views', () => {
    const one = tf.zeros([1, 2, 2]) as tf.Tensor3D;
    const two = tf.zeros([2, 2, 2]) as tf.Tensor3D;
    expect(() => lejepaPredictiveLoss(one)).toThrow(/≥ 2 views/);
    expect(() => lejepaPredictiveLoss(two, 3)).toThrow(/3 global views of 2/);
    [one, two].forEach((t) => t.dispose());
  });
});

describe('lejepaLoss', () => {
  it('is (1 − λ)·predictive + λ·SIGReg of all views together', async () => {
    const v = tf.tensor3d(VIEWS);
    const dirs = randomDirections(2, 8, new Rng(1));
    const flat = tf.reshape(v, [4, 2]) as tf.Tensor2D;
    const reg = await value(sigreg(flat, dirs));
    expect(await value(lejepaLoss(v, dirs, 0))).toBeCloseTo(0.5, 5);
    expect(await value(lejepaLoss(v, dirs, 1))).toBeCloseTo(reg, 5);
    expect(await value(lejepaLoss(v, dirs, 0.25))).toBeCloseTo(0.75 * 0.5 + 0.25 * reg, 5);
    await expectUsefulGradient((x) => lejepaLoss(x as tf.Tensor3D, dirs, 0.05), v);
    expectNoLeak(() => lejepaLoss(v, dirs, 0.05));
    expect(() => lejepaLoss(v, dirs, 1.5)).toThrow(/λ must be in \[0, 1\]/);
    [v, dirs, flat].forEach((t) => t.dispose());
  });
});

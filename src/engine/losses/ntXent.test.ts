import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/fixtures';
import { expectNoLeak, expectUsefulGradient } from './gradCheck';
import { ntXent, ntXentLogits, ntXentPerSample } from './ntXent';

beforeAll(useCpu);

// B = 2 images, two views each, d = 2, τ = 0.5 (all rows unit vectors):
//   z = [a0, a1, b0, b1] = [(1, 0), (0, 1), (0.6, 0.8), (0, −1)]; the positive of row i is row (i + 2) mod 4.
// cos / τ (diagonal excluded):
//   row 0: a0·a1 = 0, a0·b0 = 0.6, a0·b1 = 0        → [·, 0, 1.2, 0]      positive 1.2
//   row 1: a1·a0 = 0, a1·b0 = 0.8, a1·b1 = −1       → [0, ·, 1.6, −2]     positive −2
//   row 2: b0·a0 = 0.6, b0·a1 = 0.8, b0·b1 = −0.8   → [1.2, 1.6, ·, −1.6] positive 1.2
//   row 3: b1·a0 = 0, b1·a1 = −1, b1·b0 = −0.8      → [0, −2, −1.6, ·]    positive −2
// loss_i = −positive + log Σ_{j≠i} e^{logit_ij}:
//   row 0: −1.2 + ln(1 + e^1.2 + 1)          = 0.4714952811
//   row 1:  2   + ln(1 + e^1.6 + e^−2)       = 3.8063800175
//   row 2: −1.2 + ln(e^1.2 + e^1.6 + e^−1.6) = 0.9371260651
//   row 3:  2   + ln(1 + e^−2 + e^−1.6)      = 2.2906016572
// mean 1.8764007552. Computed once with numpy (S = z zᵀ / τ, the same formula per row) and checked
// by hand for rows 0 and 1.
const Z = [
  [1, 0],
  [0, 1],
  [0.6, 0.8],
  [0, -1],
];
const PER_SAMPLE = [0.4714952811, 3.8063800175, 0.9371260651, 2.2906016572];

describe('ntXent', () => {
  it('puts cos / τ off the diagonal and the partner view as the target', async () => {
    const z = tf.tensor2d(Z);
    const { logits, targets } = ntXentLogits(z, 0.5);
    const l = (await logits.array()) as number[][];
    const off = l.map((row, i) => row.filter((_, j) => j !== i));
    const expected = [
      [0, 1.2, 0],
      [0, 1.6, -2],
      [1.2, 1.6, -1.6],
      [0, -2, -1.6],
    ];
    off.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, 5)));
    l.forEach((row, i) => expect(row[i]).toBeLessThan(-1e8));
    expect(await targets.array()).toEqual([
      [0, 0, 1, 0],
      [0, 0, 0, 1],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
    [z, logits, targets].forEach((t) => t.dispose());
  });

  it('matches the hand-computed per-view losses and their mean; rows of any length give the same', async () => {
    const z = tf.tensor2d(Z);
    const per = await ntXentPerSample(z, 0.5).data();
    PER_SAMPLE.forEach((v, i) => expect(per[i]).toBeCloseTo(v, 5));
    const loss = ntXent(z, 0.5);
    expect((await loss.data())[0]).toBeCloseTo(1.8764007552, 5);
    const scaled = tf.mul(z, tf.tensor2d([[3], [0.5], [2], [7]])) as tf.Tensor2D; // rows rescaled
    const loss2 = ntXent(scaled, 0.5);
    expect((await loss2.data())[0]).toBeCloseTo(1.8764007552, 5);
    [z, loss, scaled, loss2].forEach((t) => t.dispose());
  });

  it('is differentiable (finite, non-zero gradient) and leaks nothing', async () => {
    const z = tf.tensor2d(Z);
    await expectUsefulGradient((x) => ntXent(x as tf.Tensor2D, 0.5), z);
    expectNoLeak(() => ntXent(z, 0.5));
    z.dispose();
  });

  it('refuses an odd number of rows', () => {
    const z = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => ntXent(z, 0.5)).toThrow(/2B rows/);
    z.dispose();
  });
});

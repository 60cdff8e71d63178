import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/fixtures';
import { expectNoLeak } from './gradCheck';
import { sinkhornCodes } from './sinkhorn';

beforeAll(useCpu);

// The worked 3×3 case: B = 3 samples, K = 3 prototypes, ε = 0.5, scores
//   S = [[1, 0, 0], [0, 1, 0], [1, 1, 0]]  →  E = exp(S / ε) = [[e², 1, 1], [1, e², 1], [e², e², 1]].
// One iteration by hand (the first scaling to total 1 cancels in the next step):
//   prototype totals (columns of E): c = 2e² + 1 = 15.7781122, c, 3  → each column divided by its total:
//   row 0: [e²/c, 1/c, 1/3] = [0.4683105, 0.0633789, 0.3333333]   (sum 0.8650227)
//   row 1: [1/c, e²/c, 1/3] = [0.0633789, 0.4683105, 0.3333333]   (sum 0.8650227)
//   row 2: [e²/c, e²/c, 1/3] = [0.4683105, 0.4683105, 0.3333333]  (sum 1.2699543)
//   each row divided by its sum (then × B / B): codes after 1 iteration
//   [[0.5413852, 0.0732685, 0.3853463], [0.0732685, 0.5413852, 0.3853463], [0.3687617, 0.3687617, 0.2624766]]
// After 3 iterations (the same two scalings twice more; computed once with numpy following
// facebookresearch/swav's distributed_sinkhorn, world size 1):
//   [[0.5517713, 0.0746741, 0.3735546], [0.0746741, 0.5517713, 0.3735546], [0.3735511, 0.3735511, 0.2528978]]
//   rows sum to 1; prototype totals 0.9999965, 0.9999965, 1.0000070 (→ B/K = 1 as iterations grow).
const S = [
  [1, 0, 0],
  [0, 1, 0],
  [1, 1, 0],
];
const ONE_ITERATION = [
  [0.5413852, 0.0732685, 0.3853463],
  [0.0732685, 0.5413852, 0.3853463],
  [0.3687617, 0.3687617, 0.2624766],
];
const THREE_ITERATIONS = [
  [0.5517713, 0.0746741, 0.3735546],
  [0.0746741, 0.5517713, 0.3735546],
  [0.3735511, 0.3735511, 0.2528978],
];

const close = (got: number[][], want: number[][], digits = 5) =>
  got.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(want[i]![j]!, digits)));

describe('sinkhornCodes', () => {
  it('matches the worked 3×3 case after 1 and 3 iterations', async () => {
    const s = tf.tensor2d(S);
    const q1 = sinkhornCodes(s, 0.5, 1);
    const q3 = sinkhornCodes(s, 0.5, 3);
    close((await q1.array()) as number[][], ONE_ITERATION);
    const rows = (await q3.array()) as number[][];
    close(rows, THREE_ITERATIONS);
    rows.forEach((r) => expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5));
    [0, 1, 2].forEach((k) => expect(rows.reduce((a, r) => a + r[k]!, 0)).toBeCloseTo(1, 4)); // B/K = 1
    [s, q1, q3].forEach((t) => t.dispose());
  });

  it('spreads a batch that prefers one prototype over all of them (equipartition)', async () => {
    // 6 samples that all score prototype 0 highest: argmax would put all 6 there; the codes give each
    // of the 3 prototypes about 2 samples' worth of mass.
    const s = tf.tensor2d([
      [0.9, 0.5, 0.1],
      [0.8, 0.6, 0.1],
      [0.9, 0.1, 0.5],
      [0.8, 0.1, 0.6],
      [0.9, 0.3, 0.3],
      [0.7, 0.4, 0.4],
    ]);
    const q = sinkhornCodes(s, 0.05, 20);
    const rows = (await q.array()) as number[][];
    [0, 1, 2].forEach((k) => expect(rows.reduce((a, r) => a + r[k]!, 0)).toBeCloseTo(2, 2));
    [s, q].forEach((t) => t.dispose());
  });

  it('stays finite for a small ε (the maximum is subtracted before exp)', async () => {
    // exp(1 / 0.005) = e^200 overflows float32; exp((s − max) / ε) does not.
    const s = tf.tensor2d([
      [1, -1],
      [-1, 1],
    ]);
    const q = sinkhornCodes(s, 0.005, 3);
    const v = (await q.array()) as number[][];
    v.flat().forEach((x) => expect(Number.isFinite(x)).toBe(true));
    close(v, [
      [1, 0],
      [0, 1],
    ]);
    [s, q].forEach((t) => t.dispose());
  });

  it('passes no gradient to the scores (the codes are targets) and leaks nothing', async () => {
    const s = tf.tensor2d(S);
    const w = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(sinkhornCodes(x as tf.Tensor2D, 0.5, 3), w)))(s);
    expect(Array.from(await g.data()).every((x) => x === 0)).toBe(true);
    expectNoLeak(() => sinkhornCodes(s, 0.5, 3));
    [s, w, g].forEach((t) => t.dispose());
  });

  it('refuses a non-positive ε and a fractional iteration count', () => {
    const s = tf.tensor2d(S);
    expect(() => sinkhornCodes(s, 0, 3)).toThrow(/ε must be positive/);
    expect(() => sinkhornCodes(s, 0.5, 1.5)).toThrow(/iterations/);
    s.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../runtime/random';
import { useCpu } from '../testing/fixtures';
import { mixedSoftCrossEntropy, mixedTargets, softCrossEntropyPerSample } from './softCrossEntropy';

beforeAll(useCpu);

// Logits chosen so the softmax is a simple fraction:
//   row 0: [0, ln 2, 0] → e^logits = [1, 2, 1] → softmax = [1/4, 1/2, 1/4]
//   row 1: [ln 3, 0, 0] → e^logits = [3, 1, 1] → softmax = [3/5, 1/5, 1/5]
const LOGITS = [
  [0, Math.LN2, 0],
  [Math.log(3), 0, 0],
];

describe('softCrossEntropyPerSample', () => {
  it('matches −Σ t log softmax computed by hand', async () => {
    // row 0, t = [0.5, 0.5, 0]: −(0.5·ln(1/4) + 0.5·ln(1/2)) = 0.5·2 ln 2 + 0.5·ln 2 = 1.5·ln 2 = 1.0397208
    // row 1, t = [0.2, 0, 0.8]: −(0.2·ln(3/5) + 0.8·ln(1/5)) = 0.2·0.5108256 + 0.8·1.6094379 = 1.3897154
    const logits = tf.tensor2d(LOGITS);
    const targets = tf.tensor2d([
      [0.5, 0.5, 0],
      [0.2, 0, 0.8],
    ]);
    const before = tf.memory().numTensors;
    const loss = softCrossEntropyPerSample(logits, targets);
    expect(loss.shape).toEqual([2]);
    const v = await loss.data();
    expect(v[0]).toBeCloseTo(1.5 * Math.LN2, 5);
    expect(v[1]).toBeCloseTo(-0.2 * Math.log(3 / 5) - 0.8 * Math.log(1 / 5), 5);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    [logits, targets].forEach((t) => t.dispose());
  });

  it('a one-hot target gives the ordinary cross-entropy', async () => {
    // row 0, class 1: −ln(1/2) = ln 2 = 0.6931472; row 1, class 0: −ln(3/5) = ln(5/3) = 0.5108256
    const logits = tf.tensor2d(LOGITS);
    const labels = tf.tensor1d([1, 0], 'int32');
    const onehot = tf.oneHot(labels, 3) as tf.Tensor2D;
    const loss = softCrossEntropyPerSample(logits, onehot);
    const v = await loss.data();
    expect(v[0]).toBeCloseTo(Math.LN2, 5);
    expect(v[1]).toBeCloseTo(Math.log(5 / 3), 5);
    // …and agrees with tfjs' own softmax cross-entropy, per sample.
    const ref = tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0, tf.Reduction.NONE);
    const r = await ref.data();
    expect(Math.abs(v[0]! - r[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(v[1]! - r[1]!)).toBeLessThan(1e-6);
    [logits, labels, onehot, loss, ref].forEach((t) => t.dispose());
  });

  it('has gradient softmax − t with respect to the logits', async () => {
    // row 0, t = [0.5, 0.5, 0]: [1/4 − 1/2, 1/2 − 1/2, 1/4 − 0] = [−0.25, 0, 0.25]
    // row 1, t = [0.2, 0, 0.8]: [3/5 − 0.2, 1/5 − 0, 1/5 − 0.8] = [0.4, 0.2, −0.6]
    const logits = tf.tensor2d(LOGITS);
    const targets = tf.tensor2d([
      [0.5, 0.5, 0],
      [0.2, 0, 0.8],
    ]);
    const g = tf.grad((l: tf.Tensor) => tf.sum(softCrossEntropyPerSample(l as tf.Tensor2D, targets)))(logits);
    const expected = [-0.25, 0, 0.25, 0.4, 0.2, -0.6];
    Array.from(await g.data()).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 5));
    [logits, targets, g].forEach((t) => t.dispose());
  });
});

describe('mixedTargets', () => {
  it('puts λ on the own column and 1 − λ on the partner column', async () => {
    // own = [0, 1, 2], partner = [2, 0, 2], λ = [0.75, 0.5, 0.625], M = 4 (binary fractions: exact)
    //   row 0: 0.75 at 0, 0.25 at 2
    //   row 1: 0.5 at 1, 0.5 at 0
    //   row 2: own = partner = 2 → 0.625 + 0.375 = 1 at 2 (one-hot)
    const own = tf.tensor1d([0, 1, 2], 'int32');
    const partner = tf.tensor1d([2, 0, 2], 'int32');
    const lambda = tf.tensor1d([0.75, 0.5, 0.625]);
    const before = tf.memory().numTensors;
    const t = mixedTargets(own, partner, lambda, 4);
    expect(t.shape).toEqual([3, 4]);
    expect(await t.array()).toEqual([
      [0.75, 0, 0.25, 0],
      [0.5, 0.5, 0, 0],
      [0, 0, 1, 0],
    ]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    [own, partner, lambda].forEach((x) => x.dispose());
  });

  it('rows sum to one for random partners and λ; own == partner collapses to one-hot', async () => {
    const b = 32;
    const m = 40;
    const rng = new Rng(3);
    const ownA = Int32Array.from({ length: b }, () => rng.int(m));
    // Every fourth partner equals its own column, the rest are random (possibly equal too).
    const partnerA = Int32Array.from(ownA, (o, i) => (i % 4 === 0 ? o : rng.int(m)));
    const lambdaA = Float32Array.from({ length: b }, () => rng.uniform(0.5, 1));
    const own = tf.tensor1d(ownA, 'int32');
    const partner = tf.tensor1d(partnerA, 'int32');
    const lambda = tf.tensor1d(lambdaA);
    const t = mixedTargets(own, partner, lambda, m);
    const rows = (await t.array()) as number[][];
    let sameCount = 0;
    rows.forEach((row, i) => {
      const o = ownA[i]!;
      const p = partnerA[i]!;
      const l = lambdaA[i]!;
      expect(Math.abs(row.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-6);
      if (o === p) {
        sameCount++;
        expect(row[o]).toBeCloseTo(1, 6);
      } else {
        expect(row[o]).toBeCloseTo(l, 6);
        expect(row[p]).toBeCloseTo(1 - l, 6);
      }
      row.forEach((x, j) => {
        if (j !== o && j !== p) expect(x).toBe(0);
      });
    });
    expect(sameCount).toBeGreaterThanOrEqual(b / 4);
    [own, partner, lambda, t].forEach((x) => x.dispose());
  });
});

describe('mixedSoftCrossEntropy (reference path on the CPU backend)', () => {
  it('is −λ·log p_own − (1 − λ)·log p_partner, with gradient softmax − t', async () => {
    // row 0: softmax [1/4, 1/2, 1/4], own 1, partner 0, λ 0.75:
    //   loss −(0.75·ln(1/2) + 0.25·ln(1/4)) = 0.75 ln 2 + 0.5 ln 2 = 1.25 ln 2 = 0.8664340
    //   gradient [1/4 − 0.25, 1/2 − 0.75, 1/4 − 0] = [0, −0.25, 0.25]
    // row 1: softmax [3/5, 1/5, 1/5], own = partner = 2, λ 0.5: loss −ln(1/5) = ln 5 = 1.6094379
    //   gradient [3/5, 1/5, 1/5 − 1] = [0.6, 0.2, −0.8]
    const logits = tf.tensor2d(LOGITS);
    const own = tf.tensor1d([1, 2], 'int32');
    const partner = tf.tensor1d([0, 2], 'int32');
    const lambda = tf.tensor1d([0.75, 0.5]);
    const before = tf.memory().numTensors;
    const loss = mixedSoftCrossEntropy(logits, own, partner, lambda);
    const v = await loss.data();
    expect(v[0]).toBeCloseTo(1.25 * Math.LN2, 5);
    expect(v[1]).toBeCloseTo(Math.log(5), 5);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const g = tf.grad((l: tf.Tensor) =>
      tf.sum(mixedSoftCrossEntropy(l as tf.Tensor2D, own, partner, lambda)),
    )(logits);
    const expected = [0, -0.25, 0.25, 0.6, 0.2, -0.8];
    Array.from(await g.data()).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 5));
    [logits, own, partner, lambda, g].forEach((t) => t.dispose());
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { knnAccuracy } from './knn';
import { gaussianBlobs } from './testUtils';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Train: a0 = (1,0) class 0, b1 = (.6,.8) class 1, b2 = (.6,-.8) class 1, a3 = (-1,0) class 0
// (scaled, to check the normalisation). Test: x = (1,0) class 0, y = (0,1) class 1.
// Cosine sims  x: a0 1, b1 .6, b2 .6, a3 -1      y: a0 0, b1 .8, b2 -.8, a3 0
const hand = () => ({
  train: {
    features: tf.tensor2d([
      [5, 0],
      [0.3, 0.4],
      [1.2, -1.6],
      [-2, 0],
    ]),
    labels: Int32Array.from([0, 1, 1, 0]),
  },
  test: {
    features: tf.tensor2d([
      [0.5, 0],
      [0, 3],
    ]),
    labels: Int32Array.from([0, 1]),
  },
});

/** The vote by hand: the class with the largest sum of exp(sim/T) over the k neighbours. */
function handVote(neighbours: [number, number][], T: number): number {
  const votes = [0, 0];
  for (const [sim, cls] of neighbours) votes[cls] = (votes[cls] ?? 0) + Math.exp(sim / T);
  return votes[1]! > votes[0]! ? 1 : 0;
}

describe('knnAccuracy', () => {
  it('matches a hand-computed weighted vote, where the temperature changes the answer', async () => {
    const { train, test } = hand();
    // k = 3 → x: {a0 1 (c0), b1 .6 (c1), b2 .6 (c1)}; y: {b1 .8 (c1), a0 0 (c0), a3 0 (c0)}.
    const xN: [number, number][] = [
      [1, 0],
      [0.6, 1],
      [0.6, 1],
    ];
    const yN: [number, number][] = [
      [0.8, 1],
      [0, 0],
      [0, 0],
    ];
    for (const [T, expected] of [
      [0.1, 1], // x: e^10 vs 2e^6 → 0 ✓; y: e^8 vs 2 → 1 ✓
      [1, 0.5], // x: e vs 2e^.6 → 1 ✗;   y: e^.8 = 2.23 vs 2 → 1 ✓
      [10, 0], // x: e^.1 vs 2e^.06 → 1 ✗; y: e^.08 vs 2 → 0 ✗ (plain majority)
    ] as const) {
      const byHand = ((handVote(xN, T) === 0 ? 1 : 0) + (handVote(yN, T) === 1 ? 1 : 0)) / 2;
      expect(byHand).toBe(expected);
      expect(await knnAccuracy(train, test, 2, 3, T)).toBeCloseTo(expected, 6);
    }
    // Plain majority (k = 3) is wrong on both; k = 1 is right on both; k = 2 at T = 1: x: e vs e^.6 → 0 ✓,
    // y: e^.8 vs 1 → 1 ✓.
    expect(await knnAccuracy(train, test, 2, 1, 1)).toBe(1);
    expect(await knnAccuracy(train, test, 2, 2, 1)).toBe(1);
    // k larger than the train set is clamped to it: all four vote. x: e + e^-1 vs 2e^.6 → 1 ✗.
    // y: 2·e^0 vs e^.8 + e^-.8 = 2.67 → 1 ✓.
    expect(await knnAccuracy(train, test, 2, 99, 1)).toBe(0.5);
    tf.dispose([train.features, test.features]);
  });

  it('is perfect on well-separated Gaussian clusters, independent of the chunk size', async () => {
    const f = 16;
    const tr = gaussianBlobs(400, f, 5, 6, 1);
    const te = gaussianBlobs(300, f, 5, 6, 2);
    const train = { features: tf.tensor2d(tr.x, [400, f]), labels: tr.y };
    const test = { features: tf.tensor2d(te.x, [300, f]), labels: te.y };
    expect(await knnAccuracy(train, test, 5, 20, 0.07)).toBe(1);
    expect(await knnAccuracy(train, test, 5, 200, 0.1, { chunkSize: 7 })).toBe(1);
    // Random labels on the test split: chance level.
    const shuffled = { ...test, labels: Int32Array.from(te.y, (_, i) => (i * 7) % 5) };
    const chance = await knnAccuracy(train, shuffled, 5, 20, 0.07, { chunkSize: 64 });
    expect(chance).toBeGreaterThan(0.05);
    expect(chance).toBeLessThan(0.4);
    tf.dispose([train.features, test.features]);
  });

  it('survives a tiny temperature without overflow', async () => {
    const { train, test } = hand();
    expect(await knnAccuracy(train, test, 2, 3, 1e-4)).toBe(1);
    tf.dispose([train.features, test.features]);
  });

  it('leaks no tensors over several calls', async () => {
    const { train, test } = hand();
    await knnAccuracy(train, test, 2, 3, 0.1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await knnAccuracy(train, test, 2, 2 + i, 0.1, { chunkSize: 1 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([train.features, test.features]);
  });

  it('rejects mismatched inputs', async () => {
    const { train, test } = hand();
    await expect(knnAccuracy(train, { ...test, labels: Int32Array.from([0]) }, 2, 1, 0.1)).rejects.toThrow();
    await expect(
      knnAccuracy(train, { ...test, labels: Int32Array.from([0, 2]) }, 2, 1, 0.1),
    ).rejects.toThrow();
    tf.dispose([train.features, test.features]);
  });
});

// The gallery's nearest-neighbour search (the top-K bookkeeping is tested in
// shared/evaluation/galleryModel.test.ts).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nearestNeighbours } from './gallery';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('nearestNeighbours', () => {
  // Reference rows (scaled, to check the normalisation); cosine sims to q0 = (1, 0):
  // r0 (2, 0) 1 · r1 (0, 3) 0 · r2 (1, 1) .707 · r3 (-1, 0) -1 · r4 (3, 1) .949
  it('returns the cosine top-k, most similar first, and leaks nothing', async () => {
    const ref = tf.tensor2d([
      [2, 0],
      [0, 3],
      [1, 1],
      [-1, 0],
      [3, 1],
    ]);
    const q = tf.tensor2d([
      [0.5, 0],
      [0, -2],
    ]);
    const before = tf.memory().numTensors;
    const [a, b] = await nearestNeighbours(q, ref, 3);
    expect(tf.memory().numTensors).toBe(before);
    expect(a!.map((n) => n.index)).toEqual([0, 4, 2]);
    expect(a!.map((n) => n.similarity)).toEqual([
      expect.closeTo(1, 5),
      expect.closeTo(3 / Math.sqrt(10), 5),
      expect.closeTo(Math.SQRT1_2, 5),
    ]);
    // q1 = (0, -1): r0 0, r1 -1, r2 -.707, r3 0, r4 -.316 → r0, r3 (ties), then r4.
    expect(new Set(b!.slice(0, 2).map((n) => n.index))).toEqual(new Set([0, 3]));
    expect(b![2]!.index).toBe(4);
    // k larger than the reference set: all of it.
    const [all] = await nearestNeighbours(q, ref, 8);
    expect(all!.length).toBe(5);
    ref.dispose();
    q.dispose();
  });
});

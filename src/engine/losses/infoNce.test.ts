import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/fixtures';
import { mocoLogits } from './infoNce';

beforeAll(useCpu);

// d = 2, B = 2, K = 2, τ = 0.5, all unit vectors:
//   q     = [(1, 0), (0, 1)]
//   k⁺    = [(1, 0), (0, −1)]        (row i is the positive key of query i)
//   Queue = [(0, 1), (−1, 0)]
// Sample 0: q·k⁺ = 1, q·Queue = (0, −1)  → logits / τ = [ 2, 0, −2]
// Sample 1: q·k⁺ = −1, q·Queue = (1, 0)  → logits / τ = [−2, 2,  0]
// (The InfoNCE loss of these logits is checked in methods/scoring.test.ts.)
const Q = [
  [1, 0],
  [0, 1],
];
const K_POS = [
  [1, 0],
  [0, -1],
];
const QUEUE = [
  [0, 1],
  [-1, 0],
];
const TAU = 0.5;

function inputs() {
  return { q: tf.tensor2d(Q), k: tf.tensor2d(K_POS), queue: tf.tensor2d(QUEUE) };
}

describe('mocoLogits', () => {
  it('puts the positive logit first, then the queue, all divided by τ', async () => {
    const { q, k, queue } = inputs();
    const logits = mocoLogits(q, k, queue, TAU);
    expect(logits.shape).toEqual([2, 3]);
    expect(await logits.array()).toEqual([
      [2, 0, -2],
      [-2, 2, 0],
    ]);
    [q, k, queue, logits].forEach((t) => t.dispose());
  });

  it('pairs query i with key i only (not with the other keys of the batch)', async () => {
    // Swapping the rows of k⁺ changes column 0: q0·k1 = (1,0)·(0,−1) = 0, q1·k0 = (0,1)·(1,0) = 0.
    const q = tf.tensor2d(Q);
    const k = tf.tensor2d([K_POS[1]!, K_POS[0]!]);
    const queue = tf.tensor2d(QUEUE);
    const logits = mocoLogits(q, k, queue, TAU);
    expect(await logits.array()).toEqual([
      [0, 0, -2],
      [0, 2, 0],
    ]);
    [q, k, queue, logits].forEach((t) => t.dispose());
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../testing/fixtures';
import { infoNce, infoNcePerSample, mocoLogits } from './infoNce';

beforeAll(useCpu);

// d = 2, B = 2, K = 2, τ = 0.5, all unit vectors:
//   q     = [(1, 0), (0, 1)]
//   k⁺    = [(1, 0), (0, −1)]        (row i is the positive key of query i)
//   Queue = [(0, 1), (−1, 0)]
// Sample 0: q·k⁺ = 1, q·Queue = (0, −1)  → logits / τ = [ 2, 0, −2]
// Sample 1: q·k⁺ = −1, q·Queue = (1, 0)  → logits / τ = [−2, 2,  0]
// InfoNCE = −log softmax(logits)[0]:
//   loss0 = −log(e² / (e² + e⁰ + e⁻²)) = log(1 + e⁻² + e⁻⁴) = log(1.1536509) = 0.1429316
//   loss1 = −log(e⁻² / (e⁻² + e² + e⁰)) = log(1 + e⁴ + e²) = log(62.987213) = 4.1429316
//   mean  = (0.1429316 + 4.1429316) / 2 = 2.1429316
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
const LOSS0 = Math.log(1 + Math.exp(-2) + Math.exp(-4)); // 0.1429316
const LOSS1 = Math.log(1 + Math.exp(4) + Math.exp(2)); // 4.1429316

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

describe('InfoNCE', () => {
  it('per-sample loss has shape [B] and matches −log softmax by hand', async () => {
    const { q, k, queue } = inputs();
    const before = tf.memory().numTensors;
    const logits = mocoLogits(q, k, queue, TAU);
    const per = infoNcePerSample(logits);
    expect(per.shape).toEqual([2]);
    const v = await per.data();
    expect(v[0]).toBeCloseTo(LOSS0, 5);
    expect(v[1]).toBeCloseTo(LOSS1, 5);
    [logits, per].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    [q, k, queue].forEach((t) => t.dispose());
  });

  it('mean InfoNCE matches the hand-computed mean and leaks no tensors', async () => {
    const { q, k, queue } = inputs();
    const before = tf.memory().numTensors;
    const loss = infoNce(q, k, queue, TAU);
    expect(loss.shape).toEqual([]);
    expect((await loss.data())[0]).toBeCloseTo((LOSS0 + LOSS1) / 2, 5); // 2.1429316
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    [q, k, queue].forEach((t) => t.dispose());
  });

  it('is ln(1 + K) when every logit is equal (q orthogonal to every key)', async () => {
    // q = (1, 0); k⁺ and all K = 3 queue keys are (0, ±1) → all logits 0 → −log(1/4) = ln 4 = 1.3862944.
    const q = tf.tensor2d([[1, 0]]);
    const k = tf.tensor2d([[0, 1]]);
    const queue = tf.tensor2d([
      [0, 1],
      [0, -1],
      [0, 1],
    ]);
    const loss = infoNce(q, k, queue, 0.2);
    expect((await loss.data())[0]).toBeCloseTo(Math.log(4), 5);
    [q, k, queue, loss].forEach((t) => t.dispose());
  });
});

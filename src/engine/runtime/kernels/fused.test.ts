// The reference paths of the fused kernels on the tfjs CPU backend, against hand-computed values.
// (The WGSL paths are checked against these on a real WebGPU adapter by the conformance check:
// runtime/conformance.ts, e2e/kernels.spec.ts.)
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bnRunningStats, emaUpdate, ownKernelsActive, sgdUpdate } from './fused';
import { installOwnGradients } from './gradients';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const v = (x: number[], trainable = true) => tf.variable(tf.tensor1d(x), trainable);
const close = (t: tf.Tensor, want: number[]) => {
  const got = Array.from(t.dataSync());
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
};

describe('fused kernels, reference path (CPU backend)', () => {
  it('runs the reference path off WebGPU', () => {
    expect(ownKernelsActive()).toBe(false);
  });

  it('sgdUpdate: g ← g + wd·θ; v ← μv + g; θ ← θ − lr·v; no gradient, no change', () => {
    const theta = v([1, 2]);
    const vel = v([0.1, 0.2], false);
    const other = v([5]);
    const otherVel = v([0.5], false);
    sgdUpdate([theta, other], [tf.tensor1d([0.5, -1]), undefined], [vel, otherVel], 0.1, 0.9, 0.01);
    // g = [0.51, -0.98]; v = [0.09 + 0.51, 0.18 − 0.98] = [0.6, −0.8]; θ = [1 − 0.06, 2 + 0.08]
    close(vel, [0.6, -0.8]);
    close(theta, [0.94, 2.08]);
    close(other, [5]);
    close(otherVel, [0.5]);
  });

  it('sgdUpdate without weight decay on a 2-D parameter (the online probe)', () => {
    const w = tf.variable(tf.tensor2d([[1], [-1]]));
    const vel = tf.variable(tf.zeros([2, 1]), false);
    sgdUpdate([w], [tf.tensor2d([[2], [4]])], [vel], 0.5, 0.9, 0);
    close(vel, [2, 4]);
    close(w, [0, -3]);
  });

  it('emaUpdate: θk ← m·θk + (1−m)·θq', () => {
    const k = v([1, 3]);
    emaUpdate([tf.tensor1d([3, -1])], [k], 0.75);
    close(k, [1.5, 2]); // 0.75 + 0.75, 2.25 − 0.25
  });

  it('bnRunningStats: mean over groups, unbiased variance, momentum', () => {
    const mean = v([0, 0], false);
    const variance = v([1, 1], false);
    // G = 2 groups × C = 2 channels, shaped as tf.moments(keepDims) gives them: [G, 1, 1, 1, C].
    const bm = tf.tensor([1, 2, 3, 4], [2, 1, 1, 1, 2]);
    const bv = tf.tensor([1, 1, 3, 5], [2, 1, 1, 1, 2]);
    bnRunningStats(mean, variance, bm, bv, 0.9, 4);
    // avg mean [2, 3]; avg var [2, 3] · 4/3 = [8/3, 4]
    close(mean, [0.2, 0.3]);
    close(variance, [0.9 + 0.1 * (8 / 3), 0.9 + 0.4]);
  });

  it('leaves no tensors behind', () => {
    const theta = v([1, 2, 3]);
    const vel = v([0, 0, 0], false);
    const g = tf.tensor1d([1, 1, 1]);
    const k = v([0, 0, 0]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      sgdUpdate([theta], [g], [vel], 0.1, 0.9, 1e-4);
      emaUpdate([theta], [k], 0.99);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Sum and Mean gradients (gradients.ts), CPU backend: tfjs’s formula', () => {
  it('∂/∂x of Σ sum(x, axis)·w and of Σ mean(x, axis)·w broadcast w (divided by n for the mean)', () => {
    installOwnGradients();
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const w = tf.tensor1d([10, -1]);
    const gSum = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, 1), w)))(x);
    close(gSum, [10, 10, 10, -1, -1, -1]);
    const gMean = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, 1), w)))(x);
    close(gMean, [10 / 3, 10 / 3, 10 / 3, -1 / 3, -1 / 3, -1 / 3]);
    const gAll = tf.grad((t: tf.Tensor) => tf.mean(t))(x);
    close(gAll, [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6]);
  });
});

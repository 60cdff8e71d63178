// The reference paths of the fused kernels on the tfjs CPU backend, against hand-computed values.
// (The WGSL paths are checked against these on a real WebGPU adapter by the conformance check:
// runtime/conformance.ts, e2e/kernels.spec.ts.)
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bnRunningStats, emaUpdate, ownKernelsActive, sgdUpdate } from './fused';
import { broadcastRuns, installOwnGradients } from './gradients';

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

describe('Mean gradient kernel: the broadcast index map (gradients.ts broadcastRuns)', () => {
  it('merges kept and reduced runs, drops size-1 axes, strides over the kept ones', () => {
    // Global average pool [B, H, W, C] over [1, 2]: runs B (kept), H·W (reduced), C (kept).
    expect(broadcastRuns([32, 4, 4, 8], [1, 2])).toEqual({ dims: [32, 16, 8], strides: [8, 0, 1] });
    // [2, 3, 4, 5, 6] over [0, 2, 4]: alternating runs; kept 3 and 5 → strides 5 and 1.
    expect(broadcastRuns([2, 3, 4, 5, 6], [0, 2, 4])).toEqual({
      dims: [2, 3, 4, 5, 6],
      strides: [0, 5, 0, 1, 0],
    });
    // Size-1 axes vanish; a full reduction is one reduced run; all ones is rank 0 (index 0).
    expect(broadcastRuns([4, 1, 3, 16], [1, 2])).toEqual({ dims: [4, 3, 16], strides: [16, 0, 1] });
    expect(broadcastRuns([7], [0])).toEqual({ dims: [7], strides: [0] });
    expect(broadcastRuns([1, 1, 1, 1], [1, 2])).toEqual({ dims: [], strides: [] });
    expect(broadcastRuns([2, 2, 2, 2, 2, 2, 2, 2, 2], [0, 2, 4, 6, 8])).toBeNull(); // 9 runs
  });

  it('maps every element of x to its reduced element (index arithmetic of the WGSL, run here)', () => {
    const shape = [2, 3, 4, 5];
    const axes = [1, 3];
    const runs = broadcastRuns(shape, axes)!;
    // What the kernel computes for element i: the reduced index j(i).
    const j = (i: number) => {
      let rem = i;
      let out = 0;
      for (let k = runs.dims.length - 1; k >= 0; k--) {
        out += (rem % runs.dims[k]!) * runs.strides[k]!;
        rem = Math.floor(rem / runs.dims[k]!);
      }
      return out;
    };
    // Element (b, h, w, c) belongs to reduced element b·4 + w.
    for (let i = 0; i < 120; i++) {
      const b = Math.floor(i / 60);
      const w = Math.floor(i / 5) % 4;
      expect(j(i)).toBe(b * 4 + w);
    }
  });
});

describe('inference-mode BatchNorm gradient (gradients.ts), CPU backend: tfjs’s formula', () => {
  it('∂/∂x = dy·γ/√(σ² + ε); ∂/∂γ = Σ dy·x̂; ∂/∂β = Σ dy', () => {
    installOwnGradients();
    // C = 2 channels, 2 rows: x = [[1, 2], [3, 4]], μ = [1, 0], σ² = [3, 15] (ε = 1: √ = [2, 4]),
    // γ = [2, −1], β = [0, 0], w = [[1, 1], [2, −1]]
    const x = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
    const gamma = tf.variable(tf.tensor1d([2, -1]));
    const beta = tf.variable(tf.tensor1d([0, 0]));
    const mean = tf.tensor1d([1, 0]);
    const variance = tf.tensor1d([3, 15]);
    const w = tf.tensor2d([1, 1, 2, -1], [2, 2]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(tf.batchNorm(x, mean, variance, beta, gamma, 1), w)) as tf.Scalar,
      [x, gamma, beta],
    );
    // dx = w·γ/√: [[1·2/2, 1·(−1)/4], [2·2/2, (−1)(−1)/4]] = [[1, −0.25], [2, 0.25]]
    close(grads[x.name]!, [1, -0.25, 2, 0.25]);
    // x̂ = [[0, 0.5], [1, 1]]: dγ = [1·0 + 2·1, 1·0.5 + (−1)·1] = [2, −0.5]; dβ = [3, 0]
    close(grads[gamma.name]!, [2, -0.5]);
    close(grads[beta.name]!, [3, 0]);
  });
});

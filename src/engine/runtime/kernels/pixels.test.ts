// The reference paths of kernels/pixels.ts on the tfjs CPU backend, against hand-computed values (the
// WGSL paths are checked against these by the conformance check: runtime/conformance.ts,
// e2e/kernels.spec.ts).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../../testing/fixtures';
import { clipAdd, normaliseInput, pgdProject } from './pixels';

beforeAll(useCpu);

const values = async (t: tf.Tensor) => Array.from(await t.data());
const expectClose = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
};

describe('pixel kernels, reference path (CPU backend)', () => {
  it('normaliseInput: (x − 0.5) / 0.25, gradient dy / 0.25', async () => {
    const x = tf.tensor4d([0, 0.25, 0.5, 1], [1, 2, 2, 1]);
    expectClose(await values(normaliseInput(x, 0.5, 0.25)), [-2, -1, 0, 2]);
    const w = tf.tensor4d([1, -2, 0.5, 3], [1, 2, 2, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(normaliseInput(t, 0.5, 0.25), w)))(x);
    expectClose(await values(g), [4, -8, 2, 12]);
  });

  it('pgdProject: the random start is clipped to ε and to [0, 1]', async () => {
    // x = [0, 0.5, 1, 0.98], δ = [−0.1, 0.01, 0.03, 0.05], ε = 0.04:
    //   clip(δ) = [−0.04, 0.01, 0.03, 0.04]; x + clip(δ) = [−0.04, 0.51, 1.03, 1.02] → [0, 0.51, 1, 1]
    //   minus x: [0, 0.01, 0, 0.02]
    const x = tf.tensor1d([0, 0.5, 1, 0.98]);
    const d = tf.tensor1d([-0.1, 0.01, 0.03, 0.05]);
    expectClose(await values(pgdProject(x, d, null, 0, 0.04)), [0, 0.01, 0, 0.02]);
  });

  it('pgdProject: a step adds α·sign(g) before the projection (sign 0 leaves δ)', async () => {
    // δ = [0.01, 0.01, −0.03, 0], g = [2, −1, −5, 0], α = 0.02, ε = 0.04, x = 0.5:
    //   δ + α·sign(g) = [0.03, −0.01, −0.05, 0] → clip to ε: [0.03, −0.01, −0.04, 0]
    const x = tf.fill([4], 0.5);
    const d = tf.tensor1d([0.01, 0.01, -0.03, 0]);
    const g = tf.tensor1d([2, -1, -5, 0]);
    expectClose(await values(pgdProject(x, d, g, 0.02, 0.04)), [0.03, -0.01, -0.04, 0]);
  });

  it('clipAdd: clip(x + δ, 0, 1)', async () => {
    const x = tf.tensor1d([0, 0.5, 0.99]);
    const d = tf.tensor1d([-0.02, 0.01, 0.02]);
    expectClose(await values(clipAdd(x, d)), [0, 0.51, 1]);
  });

  it('leaves no tensors behind', () => {
    const x = tf.fill([2, 3, 3, 1], 0.4);
    const d = tf.fill([2, 3, 3, 1], 0.01);
    const before = tf.memory().numTensors;
    tf.dispose([pgdProject(x, d, d, 0.01, 0.02), pgdProject(x, d, null, 0, 0.02), clipAdd(x, d)]);
    tf.dispose(normaliseInput(x, 0.5, 0.25));
    expect(tf.memory().numTensors).toBe(before);
  });
});

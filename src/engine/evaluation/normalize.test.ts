import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { l2Normalize } from './normalize';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('l2Normalize', () => {
  it('scales rows to unit length and keeps zero rows finite', async () => {
    const x = tf.tensor2d([
      [3, 4],
      [-1, 0],
      [0, 0],
      [1e-3, 1e-3],
    ]);
    const before = tf.memory().numTensors;
    const y = l2Normalize(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    const v = await y.data();
    expect(Array.from(v.slice(0, 4))).toEqual([0.6000000238418579, 0.800000011920929, -1, 0]);
    expect(Array.from(v.slice(4, 6))).toEqual([0, 0]);
    expect(Math.hypot(v[6]!, v[7]!)).toBeCloseTo(1, 5);
    const norms = await tf
      .tidy(() => tf.norm(l2Normalize(tf.randomNormal([50, 7], 0, 5, 'float32', 1)), 2, 1))
      .data();
    for (const nrm of norms) expect(nrm).toBeCloseTo(1, 5);
    const g = tf.grad((t: tf.Tensor) => tf.sum(l2Normalize(t as tf.Tensor2D)))(x);
    for (const gi of await g.data()) expect(Number.isFinite(gi)).toBe(true);
    tf.dispose([x, y, g]);
  });
});

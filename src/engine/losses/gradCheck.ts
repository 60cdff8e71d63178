// Shared checks for the loss tests: a loss is differentiable (finite, non-zero gradient) and leaves no
// tensor behind.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Asserts that the gradient of f at x is finite everywhere and not all zero; frees everything. */
export async function expectUsefulGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): Promise<void> {
  const before = tf.memory().numTensors;
  const g = tf.grad(f)(x);
  const v = await g.data();
  g.dispose();
  expect(v.length).toBe(x.size);
  expect(Array.from(v).every(Number.isFinite)).toBe(true);
  expect(Math.max(...Array.from(v, Math.abs))).toBeGreaterThan(1e-6);
  expect(tf.memory().numTensors).toBe(before);
}

/** Runs f `times` times, disposing its result, and asserts the tensor count does not move. */
export function expectNoLeak(f: () => tf.Tensor, times = 5): void {
  f().dispose(); // first call may create lazily cached constants
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) f().dispose();
  expect(tf.memory().numTensors).toBe(before);
}

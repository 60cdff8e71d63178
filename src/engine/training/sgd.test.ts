import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { useCpu } from '../testing/fixtures';
import { Sgd } from './sgd';

beforeAll(useCpu);

it('steps each variable at lr × its lr scale (hand-computed: two steps with momentum and weight decay)', () => {
  const a = tf.variable(tf.tensor1d([1, -2]), true, 'sgd-a');
  const b = tf.variable(tf.tensor1d([0.5]), true, 'sgd-b');
  const opt = new Sgd([a, b], 0.9, 0.1);
  const grads = () => ({ 'sgd-a': tf.tensor1d([0.5, 1]), 'sgd-b': tf.tensor1d([-1]) });
  // Step 1, lr 0.1: v = g + 0.1·θ; a: v = [0.6, 0.8], θ = [0.94, −2.08]; b (× 4, lr 0.4): v = −0.95, θ = 0.88.
  let g = grads();
  opt.apply(g, 0.1, [1, 4]);
  tf.dispose(Object.values(g));
  expect(Array.from(a.dataSync())).toEqual([expect.closeTo(0.94, 6), expect.closeTo(-2.08, 6)]);
  expect(b.dataSync()[0]).toBeCloseTo(0.88, 6);
  // Step 2: v = 0.9·v + g + 0.1·θ; a: [0.54 + 0.5 + 0.094, 0.72 + 1 − 0.208] = [1.134, 1.512]; b: −0.855 − 1 + 0.088.
  g = grads();
  opt.apply(g, 0.1, [1, 4]);
  tf.dispose(Object.values(g));
  expect(a.dataSync()[0]).toBeCloseTo(0.94 - 0.1134, 6);
  expect(a.dataSync()[1]).toBeCloseTo(-2.08 - 0.1512, 6);
  expect(b.dataSync()[0]).toBeCloseTo(0.88 - 0.4 * (-0.855 - 1 + 0.088), 6);
  expect(() => opt.apply({}, 0.1, [1])).toThrow(/2 variables/);
  opt.dispose();
  tf.dispose([a, b]);
});

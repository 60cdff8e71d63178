// The wasm backend's UnsortedSegmentSum (its ScatterNd) against the CPU backend's kernel and a
// hand-computed case, and through tf.gather's gradient, which is what training uses.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useWasm } from '../../testing/wasm';

beforeAll(useWasm);
afterAll(() => tf.setBackend('cpu'));

const segmentSum = (x: tf.Tensor, ids: tf.Tensor, numSegments: number) =>
  tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments }) as tf.Tensor;
const buffers = () => tf.engine().backend.numDataIds();

it('sums the rows sent to each segment (hand-computed), repeated and missing ids included', async () => {
  expect(tf.getBackend()).toBe('wasm');
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
  ]);
  const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
  const before = buffers();
  const out = segmentSum(x, ids, 4);
  expect(out.shape).toEqual([4, 2]);
  expect(Array.from(await out.data())).toEqual([3, 4, 0, 0, 13, 16, 0, 0]);
  out.dispose();
  expect(buffers()).toBe(before); // no buffer left behind (Reshape's results share their input's)
});

it("matches the CPU backend on a gather's gradient of awkward shape", async () => {
  const table = tf.randomNormal([7, 3, 5], 0, 1, 'float32', 3);
  const idx = tf.tensor1d([6, 0, 6, 2, 2, 2, 5, 0, 1], 'int32');
  const dy = tf.randomNormal([9, 3, 5], 0, 1, 'float32', 4);
  const grad = (t: tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, idx), dy)))(t);
  const wasm = await grad(table).data();
  const [tv, dv] = [await table.data(), await dy.data()];
  await tf.setBackend('cpu');
  const cIdx = tf.tensor1d([6, 0, 6, 2, 2, 2, 5, 0, 1], 'int32');
  const cDy = tf.tensor(dv, [9, 3, 5]);
  const ref = await tf
    .grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, cIdx), cDy)))(tf.tensor(tv, [7, 3, 5]))
    .data();
  await tf.setBackend('wasm');
  expect(ref.some((v) => Math.abs(v) > 0.5)).toBe(true);
  for (let i = 0; i < ref.length; i++) expect(wasm[i]).toBeCloseTo(ref[i]!, 5);
});

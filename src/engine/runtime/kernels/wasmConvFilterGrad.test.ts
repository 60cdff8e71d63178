// The wasm backend's conv filter gradient (composed of its own Transpose, Conv2D and Slice kernels)
// against the CPU backend's kernel, on awkward shapes: 1 channel, odd sizes, strides 2 and 3, 'same'
// padding that is uneven, 'valid' padding that drops trailing rows, 1×1 and non-square filters.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installWasmConvFilterGrad } from './wasmConvFilterGrad';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmConvFilterGrad();
});
afterAll(() => tf.setBackend('cpu'));

const buffers = () => tf.engine().backend.numDataIds();

type Shape4 = [number, number, number, number];
const cases: { x: Shape4; f: Shape4; s: number; pad: 'same' | 'valid' }[] = [
  { x: [2, 7, 7, 1], f: [3, 3, 1, 4], s: 1, pad: 'same' },
  { x: [1, 8, 9, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' },
  { x: [3, 9, 8, 2], f: [3, 2, 2, 3], s: 2, pad: 'valid' },
  { x: [2, 6, 6, 4], f: [1, 1, 4, 2], s: 2, pad: 'same' },
  { x: [1, 10, 10, 2], f: [5, 5, 2, 1], s: 3, pad: 'valid' },
];

const filterGrad = (x: tf.Tensor, dy: tf.Tensor, s: number, pad: string, f: Shape4) =>
  tf
    .engine()
    .runKernel(
      'Conv2DBackpropFilter',
      { x, dy },
      { strides: s, pad, dataFormat: 'NHWC', filterShape: f },
    ) as tf.Tensor;

it.each(cases)('matches the CPU backend: x $x, filter $f, stride $s, $pad', async ({ x, f, s, pad }) => {
  expect(tf.getBackend()).toBe('wasm');
  const before = buffers(); // the backend's own count, the kernel's temporaries included
  const xs = tf.randomNormal(x, 0, 1, 'float32', 1);
  const dyShape = tf.tidy(() => tf.conv2d(xs as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, s, pad).shape);
  const dy = tf.randomNormal(dyShape, 0, 1, 'float32', 2);
  const [xv, dyv] = [await xs.data(), await dy.data()];
  const got = filterGrad(xs, dy, s, pad, f);
  expect(got.shape).toEqual(f);
  const w = await got.data();
  tf.dispose([xs, dy, got]);
  expect(buffers()).toBe(before); // the kernel's temporaries are freed
  await tf.setBackend('cpu');
  const ref = await filterGrad(tf.tensor(xv, x), tf.tensor(dyv, dyShape), s, pad, f).data();
  await tf.setBackend('wasm');
  let worst = 0;
  for (let i = 0; i < ref.length; i++)
    worst = Math.max(worst, Math.abs(w[i]! - ref[i]!) / (1e-6 + Math.abs(ref[i]!)));
  expect(worst).toBeLessThan(1e-4);
  expect(ref.some((v) => Math.abs(v) > 0.1)).toBe(true);
});

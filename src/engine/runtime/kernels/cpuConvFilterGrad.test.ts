// The CPU filter gradient (kernels/cpuConvFilterGrad.ts) gives exactly tfjs's own kernel's values, for
// the convolutions the backbones use (3×3 stride 1 and 2, 1×1 stride 2, 'same') and a few others.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../../testing/fixtures';
import { installCpuConvFilterGrad, originalCpuConvFilterGrad } from './cpuConvFilterGrad';

beforeAll(useCpu);

type Case = [
  name: string,
  x: number[],
  filter: [number, number, number, number],
  stride: number,
  pad: 'same' | 'valid' | number,
];
const CASES: Case[] = [
  ['3×3 stride 1 same', [4, 9, 9, 3], [3, 3, 3, 5], 1, 'same'],
  ['3×3 stride 2 same', [3, 8, 8, 4], [3, 3, 4, 6], 2, 'same'],
  ['1×1 stride 2 same', [2, 8, 8, 4], [1, 1, 4, 8], 2, 'same'],
  ['3×3 stride 1 valid', [2, 7, 6, 2], [3, 3, 2, 3], 1, 'valid'],
  ['5×3 stride 2 pad 1', [2, 9, 7, 2], [5, 3, 2, 4], 2, 1],
];

function run(
  kernel: tf.KernelFunc,
  x: tf.Tensor,
  dy: tf.Tensor,
  filter: number[],
  stride: number,
  pad: Case[4],
) {
  const backend = tf.backend() as unknown as { readSync(id: unknown): Float32Array };
  const out = kernel({
    inputs: { x, dy },
    backend: tf.backend(),
    attrs: {
      strides: stride,
      pad,
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
      filterShape: filter,
    } as never,
  }) as tf.TensorInfo;
  const values = Float32Array.from(backend.readSync(out.dataId));
  tf.backend().disposeData(out.dataId);
  return { shape: out.shape, values };
}

describe('CPU Conv2DBackpropFilter', () => {
  it.each(CASES)('%s: identical to tfjs-backend-cpu', (_name, xShape, filter, stride, pad) => {
    installCpuConvFilterGrad();
    const original = originalCpuConvFilterGrad()!;
    const mine = tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc;
    expect(mine).not.toBe(original);
    const x = tf.randomNormal(xShape, 0, 1, 'float32', 3);
    const yShape = tf.conv2d(x as tf.Tensor4D, tf.zeros(filter) as tf.Tensor4D, stride, pad).shape;
    const dy = tf.randomNormal(yShape, 0, 1, 'float32', 4);
    const a = run(mine, x, dy, filter, stride, pad);
    const b = run(original, x, dy, filter, stride, pad);
    expect(a.shape).toEqual(filter);
    expect(b.shape).toEqual(filter);
    expect(Array.from(a.values)).toEqual(Array.from(b.values)); // bit for bit
    expect(a.values.some((v) => v !== 0)).toBe(true);
    tf.dispose([x, dy]);
  });

  it('a convolution gradient through tf.grad uses it and matches a hand-computed 1-D case', () => {
    installCpuConvFilterGrad();
    // x = [1, 2, 3] (1×1×3×1), a 1×2 filter, 'valid': y = [w0 + 2 w1, 2 w0 + 3 w1]; d(Σy)/dw = [3, 5].
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'valid')))(
      tf.ones([1, 2, 1, 1]),
    );
    expect(Array.from(g.dataSync())).toEqual([3, 5]);
    tf.dispose([x, g]);
  });
});

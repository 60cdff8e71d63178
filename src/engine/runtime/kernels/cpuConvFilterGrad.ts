// The CPU backend's filter gradient of a 2-D convolution (Conv2DBackpropFilter), bit for bit the
// result of tfjs-backend-cpu's own kernel, about 50 times faster. tfjs's kernel loops over every
// filter element (kh, kw, ci, co) and, inside, over the batch and the output positions, reading both
// tensors through TensorBuffer.get(b, r, c, d) (an index computation and a bounds check per read): on
// the Tiny preset it was 1.25 of 1.8 s of a fine-tuning step of 64 images (tf.profile, measured), and
// most of a pre-training step. Here the same sums are made in the same order — for each filter element
// dW = Σ_b Σ_yR Σ_yC x[b, xR, xC, ci] · dy[b, yR, yC, co], accumulated in a float64 (a JS number) and
// rounded to float32 once, as tfjs does — with the (ci, co) pairs innermost over contiguous rows, so
// every result is identical (kernels/cpuConvFilterGrad.test.ts checks it against tfjs's kernel). Only
// channels-last, undilated convolutions take this path (all the lab's); others go to tfjs's kernel.
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface CpuData {
  data: { get(id: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}
interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

let original: tf.KernelFunc | null = null;

function filterGrad(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { inputs, attrs } = args;
  const backend = args.backend as unknown as CpuData;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as FilterGradAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(a.dataFormat);
  if (format !== 'channelsLast' || x.dtype !== 'float32' || dy.dtype !== 'float32') return original!(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    format,
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { inHeight: H, inWidth: W, inChannels: ci, outChannels: co, outHeight: oH, outWidth: oW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.data.get(x.dataId).values;
  const dyv = backend.data.get(dy.dataId).values;
  const out = new Float32Array(fh * fw * ci * co);
  const acc = new Float64Array(ci * co); // one filter position's sums, in tfjs's order (b, yR, yC)
  for (let wR = 0; wR < fh; wR++) {
    const yRMin = Math.max(0, Math.ceil((top - wR) / sh));
    const yRMax = Math.min(oH, (H + top - wR) / sh);
    for (let wC = 0; wC < fw; wC++) {
      const yCMin = Math.max(0, Math.ceil((left - wC) / sw));
      const yCMax = Math.min(oW, (W + left - wC) / sw);
      acc.fill(0);
      for (let b = 0; b < info.batchSize; b++) {
        for (let yR = yRMin; yR < yRMax; yR++) {
          const xR = wR + yR * sh - top;
          for (let yC = yCMin; yC < yCMax; yC++) {
            const xC = wC + yC * sw - left;
            const xBase = ((b * H + xR) * W + xC) * ci;
            const dyBase = ((b * oH + yR) * oW + yC) * co;
            for (let d1 = 0; d1 < ci; d1++) {
              const xs = xv[xBase + d1]!;
              const row = d1 * co;
              for (let d2 = 0; d2 < co; d2++) acc[row + d2]! += xs * dyv[dyBase + d2]!;
            }
          }
        }
      }
      out.set(acc, (wR * fw + wC) * ci * co);
    }
  }
  return backend.makeTensorInfo(info.filterShape, 'float32', out);
}

/** Replaces the CPU backend's Conv2DBackpropFilter with the faster, identical one (idempotent). */
export function installCpuConvFilterGrad(): void {
  if (original) return;
  const config = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (!config) return; // no CPU backend in this bundle
  original = config.kernelFunc;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ ...config, kernelFunc: filterGrad });
}

/** tfjs's own kernel, for the test that compares the two (null before the install). */
export function originalCpuConvFilterGrad(): tf.KernelFunc | null {
  return original;
}

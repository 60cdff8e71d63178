// The WebAssembly backend's filter gradient of a 2-D convolution (Conv2DBackpropFilter), which
// tfjs-backend-wasm 4.22 does not have (training on it fails with "kernel not registered"). It is
// made of the backend's own kernels, as a convolution of the input with the output gradient:
//   dW[kh, kw, ci, co] = Σ_b Σ_yR Σ_yC x[b, yR·s + kh − top, yC·s + kw − left, ci] · dy[b, yR, yC, co]
// is, with the batch as the channel axis, a stride-1 convolution of xᵀ = x transposed to
// [ci, H, W, B] with the filter dyᵀ = dy transposed to [oH, oW, B, co], dilated by the stride and
// padded by the forward pass's top/left padding: its output [ci, fh, fw, co] (sliced to fh × fw where
// the padding had to be larger) transposed to [fh, fw, ci, co]. XNNPACK runs that convolution; the
// unit test compares the result with the CPU backend's kernel on awkward shapes.
import * as tf from '@tensorflow/tfjs';
import { composeWasm } from './wasmComposite';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function filterGrad(args: KernelArgs): tf.TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as FilterGradAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(a.dataFormat);
  if (format !== 'channelsLast') throw new Error('Conv2DBackpropFilter on wasm: channels-last only.');
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
  // Padding after the image so that the correlation has at least fh × fw outputs.
  const bottom = Math.max(0, fh + (oH - 1) * sh - H - top);
  const right = Math.max(0, fw + (oW - 1) * sw - W - left);
  return composeWasm(backend, (run, temp) => {
    const xT = temp(run('Transpose', { x }, { perm: [3, 1, 2, 0] })); // [ci, H, W, B]
    const dyT = temp(run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] })); // [oH, oW, B, co]
    let corr = temp(
      run(
        'Conv2D',
        { x: xT, filter: dyT },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [sh, sw],
        },
      ),
    ); // [ci, ≥fh, ≥fw, co]
    if (corr.shape[1] !== fh || corr.shape[2] !== fw) {
      corr = temp(run('Slice', { x: corr }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] }));
    }
    return run('Transpose', { x: corr }, { perm: [1, 2, 0, 3] }); // [fh, fw, ci, co]
  });
}

/** Registers Conv2DBackpropFilter for the wasm backend (idempotent; call once wasm is registered). */
export function installWasmConvFilterGrad(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  if (!tf.getKernel('Conv2D', 'wasm')) return; // no wasm backend in this bundle
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: filterGrad });
}

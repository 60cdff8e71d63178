// Barrier-free kernels for software WebGPU adapters (SwiftShader; issue 11, items 6 and 7).
// tfjs-backend-webgpu's Conv2D (im2col + a tiled matMul, or Conv2DMM) and its reductions (ReduceProgram:
// one workgroup per output value, a tree in workgroup memory between workgroupBarrier()s) are slow
// where the GPU is emulated on the CPU: at the Tiny preset's shapes `npm run kernels` measured tfjs's
// Conv2D of the first convolution (1 input channel) at 920–1,220 ms a call against WebGL's 31–34 ms,
// and the global average pool (Mean over H, W of [32,4,4,32]) at 93–198 ms against 8–15 ms
// (bench/README.md). The kernels here compute one output value per invocation, without workgroup
// memory or barriers, and replace tfjs's Conv2D and Mean on WebGPU only when the adapter is a software
// one (setSoftwareKernels, decided by that measurement) and own kernels are on (ownKernelsActive: the
// conformance check compares them with tfjs's stock kernels). Anything they do not cover (NCHW, int
// inputs, reduced axes that are not one contiguous block) goes to tfjs's kernel. tfjs's
// Conv2DBackpropInput and Conv2DBackpropFilter are already one output value per invocation
// (Conv2DDerInputProgram, Conv2DDerFilterProgram) and measured near WebGL's: kept.
//
//   Conv2D  y[b,oy,ox,co] = Σ_{ky,kx,ci} x[b, oy·sh − pt + ky·dh, ox·sw − pl + kx·dw, ci]·w[ky,kx,ci,co]
//           (the im2col order: ky, kx, ci; tfjs's values bit for bit where it sums in that order)
//   Mean    x viewed as [outer, R, inner] (the reduced axes one block of size R < 4,096):
//           y[o, i] = (Σ_r x[o, r, i]) / R, summed in tfjs's order (64 strided partial sums, then
//           its halving tree), so tfjs's values bit for bit
import * as tf from '@tensorflow/tfjs';
import { ownKernelsActive } from './fused';
import { declareBindings, dispatchInPlace, FLAT_INDEX, MAIN_SIGNATURE, packUniforms } from './inPlace';

let software = false;

/** On for a software adapter (backend.ts); the kernels run only then, and with own kernels on. */
export function setSoftwareKernels(on: boolean): void {
  software = on;
}

/** True when the barrier-free kernels replace tfjs's (software adapter, own kernels on). */
export function softwareKernelsActive(): boolean {
  return software && ownKernelsActive();
}

/** tfjs's ReduceProgram workgroup width below 4,096 reduced values (its summation order). */
const MEAN_LANES = 64;

/** The tfjs kernels replaced, for the backend report (BackendPanel lists them). */
export const SOFTWARE_KERNELS = ['Conv2D', 'Mean'];

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

// Shapes: batch, in H, W, C, out H, W, C, filter H, W; stride, dilation, padding top/left.
const U =
  'batch: i32, in_h: i32, in_w: i32, in_c: i32, out_h: i32, out_w: i32, out_c: i32, f_h: i32, f_w: i32,' +
  ' s_h: i32, s_w: i32, d_h: i32, d_w: i32, p_t: i32, p_l: i32,';

function uniformsOf(c: ConvInfo): ArrayBuffer {
  return packUniforms(
    [
      c.batchSize,
      c.inHeight,
      c.inWidth,
      c.inChannels,
      c.outHeight,
      c.outWidth,
      c.outChannels,
      c.filterHeight,
      c.filterWidth,
      c.strideHeight,
      c.strideWidth,
      c.dilationHeight,
      c.dilationWidth,
      c.padInfo.top,
      c.padInfo.left,
    ].map((v) => ({ u32: v >>> 0 })), // i32 bits
  );
}

// x (b0), w (b1) → y (b2); one invocation per output value.
const FORWARD = () => `${declareBindings([{ write: false }, { write: false }, { write: true }], U)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  let n = u.batch * u.out_h * u.out_w * u.out_c;
  if (i32(i) >= n) { return; }
  let co = i32(i) % u.out_c;
  var r = i32(i) / u.out_c;
  let ox = r % u.out_w;
  r = r / u.out_w;
  let oy = r % u.out_h;
  let b = r / u.out_h;
  var acc = 0.0;
  for (var ky = 0; ky < u.f_h; ky++) {
    let y = oy * u.s_h - u.p_t + ky * u.d_h;
    if (y < 0 || y >= u.in_h) { continue; }
    for (var kx = 0; kx < u.f_w; kx++) {
      let x = ox * u.s_w - u.p_l + kx * u.d_w;
      if (x < 0 || x >= u.in_w) { continue; }
      let xb = ((b * u.in_h + y) * u.in_w + x) * u.in_c;
      let wb = (ky * u.f_w + kx) * u.in_c * u.out_c + co;
      for (var ci = 0; ci < u.in_c; ci++) {
        acc = fma(b0[xb + ci], b1[wb + ci * u.out_c], acc);
      }
    }
  }
  b2[i] = acc;
}`;

// x (b0) → y (b1), x viewed as [outer, R, inner]; one invocation per output value, summing in
// tfjs's order (ReduceProgram with its 64-wide workgroup, R < 4096): 64 strided partial sums, then
// the same halving tree, then the same divide, so the values are tfjs's bit for bit.
const MEAN = () => `${declareBindings([{ write: false }, { write: true }], 'outer: u32, r: u32, inner: u32,')}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.outer * u.inner) { return; }
  let o = i / u.inner;
  let k = i % u.inner;
  let base = o * u.r * u.inner + k;
  var p: array<f32, ${MEAN_LANES}>;
  let lanes = min(u.r, ${MEAN_LANES}u);
  for (var t = 0u; t < lanes; t++) {
    var acc = 0.0;
    for (var r = t; r < u.r; r = r + ${MEAN_LANES}u) { acc = acc + b0[base + r * u.inner]; }
    p[t] = acc;
  }
  var size = lanes;
  while (size > 1u) {
    let half = size / 2u;
    let interval = (size - 1u) / 2u + 1u;
    for (var t = 0u; t < half; t++) { p[t] = p[t] + p[t + interval]; }
    size = interval;
  }
  b1[i] = p[0] / f32(u.r);
}`;

interface Backend {
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** A TensorInfo as the binding dispatchInPlace takes (it reads dataId, size, dtype, isDisposed). */
const asBinding = (t: tf.TensorInfo) =>
  ({
    dataId: t.dataId,
    size: tf.util.sizeFromShape(t.shape),
    dtype: t.dtype,
    isDisposed: false,
  }) as unknown as tf.Tensor;

/** One dispatch of `code` reading `inputs`, writing a new float32 tensor of `outShape`. */
function run(
  key: string,
  code: () => string,
  inputs: tf.TensorInfo[],
  outShape: number[],
  uniforms: ArrayBuffer,
  backend: Backend,
): tf.TensorInfo {
  const out = backend.makeTensorInfo(outShape, 'float32');
  const threads = tf.util.sizeFromShape(outShape);
  if (threads > 0)
    dispatchInPlace(
      key,
      code,
      [
        ...inputs.map((t) => ({ tensor: asBinding(t), write: false })),
        { tensor: asBinding(out), write: true },
      ],
      uniforms,
      threads,
    );
  return out;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const originals = new Map<string, tf.KernelFunc>();

const allFloat = (...ts: tf.TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

const conv2d: tf.KernelFunc = (args) => {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const a = args.attrs as unknown as ConvAttrs;
  if (!softwareKernelsActive() || a.dataFormat === 'NCHW' || !allFloat(x, filter))
    return originals.get('Conv2D')!(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const backend = args.backend as unknown as Backend;
  return run('hexa-conv2d-naive', FORWARD, [x, filter], info.outShape, uniformsOf(info), backend);
};

/** x's shape as [outer, R, inner] when `axes` are one contiguous block; null otherwise. */
export function reductionBlock(shape: number[], axes: number[]): [number, number, number] | null {
  const sorted = [...new Set(axes.map((a) => (a < 0 ? a + shape.length : a)))].sort((p, q) => p - q);
  if (sorted.length === 0 || sorted[sorted.length - 1]! - sorted[0]! !== sorted.length - 1) return null;
  const prod = (s: number[]) => s.reduce((p, q) => p * q, 1);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  return [prod(shape.slice(0, first)), prod(shape.slice(first, last + 1)), prod(shape.slice(last + 1))];
}

const mean: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const block = reductionBlock(x.shape, axes);
  // tfjs's workgroup is wider from R = 4096 on: its order is reproduced below that only.
  if (!softwareKernelsActive() || !allFloat(x) || !block || block[1] === 0 || block[1] >= 4096)
    return originals.get('Mean')!(args);
  const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
  const uniforms = packUniforms(block.map((v) => ({ u32: v })));
  return run('hexa-mean-naive', MEAN, [x], shape, uniforms, args.backend as unknown as Backend);
};

/**
 * Registers the kernels on WebGPU in place of tfjs's (idempotent). Each hands over to tfjs's own
 * kernel unless softwareKernelsActive(), so installing them changes nothing on a hardware adapter.
 */
export function installSoftwareKernels(): void {
  if (originals.size > 0) return;
  const mine: Record<string, tf.KernelFunc> = { Conv2D: conv2d, Mean: mean };
  for (const [name, kernelFunc] of Object.entries(mine)) {
    const config = tf.getKernel(name, 'webgpu');
    if (!config) continue;
    originals.set(name, config.kernelFunc);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...config, kernelFunc });
  }
}

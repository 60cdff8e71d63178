// Gradients of Sum and Mean without a CPU-made tensor of ones (issue 11, item 3: nothing uploaded per
// step but the batch and its per-image parameters). tfjs-core 4.22's gradients are
//   Sum:  dx = reshape(dy) · ones(x.shape)          Mean: dx = reshape(dy) · ones(x.shape) / n
// and `ones` is made on the CPU, so every backward pass through a sum or a mean uploaded an x-sized
// buffer of ones (7 of a MoCo-v2 step's 15 uploads, 22 of HEXA-MoCo's 37). With the own kernels active
// (WebGPU), dy is broadcast on the GPU instead (Sum: a Tile, one dispatch, as the Multiply was; Mean:
// the division and the broadcast in one own kernel); the values are the same bits (d·1 = d exactly;
// for the mean, d/n is divided before the broadcast instead of after, the same single rounding). On
// every other backend, and with setOwnKernels(false), tfjs's formula runs unchanged, so CPU results do
// not move. Relu's gradient dy·step(x) and inference-mode BatchNorm's (FusedBatchNorm: x's, γ's, β's)
// run as own kernels there too.
import * as tf from '@tensorflow/tfjs';
import { output } from './batchNorm';
import { ownKernelsActive } from './fused';
import { declareBindings, dispatchInPlace, FLAT_INDEX, MAIN_SIGNATURE, packUniforms } from './inPlace';

function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.reshape(dy, shape);
}

const sumGrad: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as tf.SumAttrs;
    return {
      x: () => {
        const e = expandedDy(dy as tf.Tensor, x, axis);
        return ownKernelsActive() ? tf.broadcastTo(e, x.shape) : tf.mul(e, tf.ones(x.shape, 'float32'));
      },
    };
  },
};

// dy (the reduced shape) → dx: dx[i] = dy[j(i)] / n, the upstream gradient divided and broadcast in ONE
// dispatch (tfjs's own path above: a RealDiv of dy, then a Tile). x's shape is collapsed to at most 8
// runs of kept or reduced axes; u.dims holds their sizes, u.strides the matching stride in dy (0 for a
// reduced run). The same single rounding d/n as RealDiv, so the same values.
const MEAN_GRAD = () => `${declareBindings(
  [{ write: false }, { write: true }],
  'size: u32, rank: u32, n: f32, pad: u32, dims: array<vec4<u32>, 2>, strides: array<vec4<u32>, 2>,',
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.size) { return; }
  var rem = i;
  var j = 0u;
  for (var k = 0u; k < u.rank; k = k + 1u) {
    let d = u.rank - 1u - k;
    let dim = u.dims[d / 4u][d % 4u];
    j = j + (rem % dim) * u.strides[d / 4u][d % 4u];
    rem = rem / dim;
  }
  b1[i] = b0[j] / u.n;
}`;

/**
 * x's shape as runs of kept / reduced axes (size-1 axes dropped, neighbours of one kind merged), with
 * each run's stride in the reduced tensor (0 for a reduced run); null when more than 8 runs.
 */
export function broadcastRuns(shape: number[], axes: number[]): { dims: number[]; strides: number[] } | null {
  const runs: { size: number; reduced: boolean }[] = [];
  shape.forEach((size, a) => {
    if (size === 1) return;
    const reduced = axes.includes(a);
    const last = runs[runs.length - 1];
    if (last && last.reduced === reduced) last.size *= size;
    else runs.push({ size, reduced });
  });
  if (runs.length > 8) return null;
  const strides = new Array<number>(runs.length).fill(0);
  let s = 1;
  for (let k = runs.length - 1; k >= 0; k--) {
    if (runs[k]!.reduced) continue;
    strides[k] = s;
    s *= runs[k]!.size;
  }
  return { dims: runs.map((r) => r.size), strides };
}

/** dy broadcast over x's reduced axes and divided by n, one own dispatch; null where it does not apply. */
function meanGradKernel(dy: tf.Tensor, x: tf.Tensor, axes: number[], n: number): tf.Tensor | null {
  if (dy.dtype !== 'float32' || x.size === 0) return null;
  const runs = broadcastRuns(x.shape, axes);
  if (!runs) return null;
  const pad = (v: number[], fill: number) =>
    [...v, ...new Array<number>(8 - v.length).fill(fill)].map((u32) => ({ u32 }));
  const out = output(x.shape);
  dispatchInPlace(
    'hexa-mean-grad',
    MEAN_GRAD,
    [
      { tensor: dy, write: false },
      { tensor: out, write: true },
    ],
    packUniforms([
      { u32: x.size },
      { u32: runs.dims.length },
      { f32: n },
      { u32: 0 },
      ...pad(runs.dims, 1),
      ...pad(runs.strides, 0),
    ]),
    x.size,
  );
  return out;
}

const meanGrad: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
    return {
      x: () => {
        if (ownKernelsActive()) {
          const own = meanGradKernel(dy as tf.Tensor, x, axes, n);
          if (own) return own;
        }
        const e = expandedDy(dy as tf.Tensor, x, axis);
        return ownKernelsActive()
          ? tf.broadcastTo(tf.div(e, n), x.shape)
          : tf.div(tf.mul(e, tf.ones(x.shape, 'float32')), n);
      },
    };
  },
};

// dy, x → dy·step(x), step(x) = 1 where x > 0, else 0 (NaN stays NaN), as tfjs's Relu gradient
// mul(dy, cast(step(x))) in one dispatch instead of two.
const RELU_GRAD = () => `${declareBindings([{ write: false }, { write: false }, { write: true }], 'n: u32,')}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let x = b1[i];
  var s = 0.0;
  if (x > 0.0) { s = 1.0; }
  if (x != x) { s = x; }
  b2[i] = b0[i] * s;
}`;

const reluGrad: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return {
      x: () => {
        const d = dy as tf.Tensor;
        if (!ownKernelsActive() || d.dtype !== 'float32' || x.dtype !== 'float32' || d.size !== x.size)
          return tf.mul(d, tf.cast(tf.step(x), 'float32'));
        const out = output(x.shape);
        dispatchInPlace(
          'hexa-relu-grad',
          RELU_GRAD,
          [
            { tensor: d, write: false },
            { tensor: x, write: false },
            { tensor: out, write: true },
          ],
          packUniforms([{ u32: x.size }]),
          x.size,
        );
        return out;
      },
    };
  },
};

// dy, variance [C], γ [C] → dx = dy·rsqrt(variance + ε)·γ: the input gradient of inference-mode
// BatchNorm (tf.batchNorm, kernel FusedBatchNorm; the PGD attack differentiates through it) in ONE
// dispatch. tfjs-core 4.22's gradient makes x − μ, dy·γ, rsqrt(σ² + ε) and −½·rsqrt³ eagerly for all
// five inputs (7 dispatches) and then x's as a Tile and two Multiplies: 10 a layer for x alone. Same
// operations in the same order as its x gradient (dy times the tiled rsqrt, then times γ), so the same
// values.
const BN_INFERENCE_GRAD = () => `${declareBindings(
  [{ write: false }, { write: false }, { write: false }, { write: true }],
  'n: u32, channels: u32, eps: f32,',
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let c = i % u.channels;
  b3[i] = (b0[i] * inverseSqrt(b1[c] + u.eps)) * b2[c];
}`;

// x, mean, variance, dy → ∂/∂γ = Σ dy·((x − μ)·rsqrt(σ² + ε)) per channel (a thread per channel
// sums its rows in order; tfjs's Sum in another order: a few ulps apart)
const BN_INFERENCE_DGAMMA = () => `${declareBindings(
  [{ write: false }, { write: false }, { write: false }, { write: false }, { write: true }],
  'n: u32, channels: u32, eps: f32,',
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.channels) { return; }
  let r = inverseSqrt(b2[i] + u.eps);
  var s = 0.0;
  for (var j = i; j < u.n; j = j + u.channels) { s = s + b3[j] * ((b0[j] - b1[i]) * r); }
  b4[i] = s;
}`;

// dy → ∂/∂β = Σ dy per channel
const BN_INFERENCE_DBETA =
  () => `${declareBindings([{ write: false }, { write: true }], 'n: u32, channels: u32, eps: f32,')}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.channels) { return; }
  var s = 0.0;
  for (var j = i; j < u.n; j = j + u.channels) { s = s + b0[j]; }
  b1[i] = s;
}`;

let stockBatchNormGrad: tf.GradConfig | null = null;

const batchNormGrad: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const stock = () => stockBatchNormGrad!.gradFunc(dy, saved, attrs);
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const d = dy as tf.Tensor;
    const c = mean.size;
    const own =
      ownKernelsActive() &&
      scale != null &&
      mean.rank === 1 &&
      variance.rank === 1 &&
      scale.rank === 1 &&
      scale.size === c &&
      variance.size === c &&
      x.shape[x.rank - 1] === c &&
      d.dtype === 'float32' &&
      x.dtype === 'float32' &&
      mean.dtype === 'float32' &&
      variance.dtype === 'float32' &&
      scale.dtype === 'float32' &&
      d.size === x.size;
    if (!own) return stock();
    // x's, γ's and β's gradients are own; the moving statistics' (never asked for: they are not
    // trainable) are tfjs's, made on demand.
    const lazy = (k: string) => () => (stock() as Record<string, () => tf.Tensor>)[k]!();
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const u = packUniforms([{ u32: x.size }, { u32: c }, { f32: varianceEpsilon }]);
    return {
      x: () => {
        const dx = output(x.shape);
        dispatchInPlace(
          'hexa-bn-inference-grad',
          BN_INFERENCE_GRAD,
          [
            { tensor: d, write: false },
            { tensor: variance, write: false },
            { tensor: scale!, write: false },
            { tensor: dx, write: true },
          ],
          u,
          x.size,
        );
        return dx;
      },
      scale: () => {
        const dg = output([c]);
        dispatchInPlace(
          'hexa-bn-inference-dgamma',
          BN_INFERENCE_DGAMMA,
          [
            { tensor: x, write: false },
            { tensor: mean, write: false },
            { tensor: variance, write: false },
            { tensor: d, write: false },
            { tensor: dg, write: true },
          ],
          u,
          c,
        );
        return tf.reshape(dg, mean.shape);
      },
      offset: () => {
        const db = output([c]);
        dispatchInPlace(
          'hexa-bn-inference-dbeta',
          BN_INFERENCE_DBETA,
          [
            { tensor: d, write: false },
            { tensor: db, write: true },
          ],
          u,
          c,
        );
        return tf.reshape(db, mean.shape);
      },
      mean: lazy('mean'),
      variance: lazy('variance'),
    };
  },
};

let installed = false;

/** Registers the four gradients (idempotent; global to tfjs, gated per call by ownKernelsActive). */
export function installOwnGradients(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient(sumGrad);
  tf.registerGradient(meanGrad);
  tf.registerGradient(reluGrad);
  stockBatchNormGrad = tf.getGradient(tf.FusedBatchNorm);
  tf.registerGradient(batchNormGrad);
}

// Gradients of Sum and Mean without a CPU-made tensor of ones (issue 11, item 3: nothing uploaded per
// step but the batch and its per-image parameters). tfjs-core 4.22's gradients are
//   Sum:  dx = reshape(dy) · ones(x.shape)          Mean: dx = reshape(dy) · ones(x.shape) / n
// and `ones` is made on the CPU, so every backward pass through a sum or a mean uploaded an x-sized
// buffer of ones (7 of a MoCo-v2 step's 15 uploads, 22 of HEXA-MoCo's 37). With the own kernels active
// (WebGPU), dy is broadcast on the GPU instead (Tile: one dispatch, as the Multiply was); the values are
// the same bits (d·1 = d exactly; for the mean, d/n is divided before the broadcast instead of after,
// the same single rounding). On every other backend, and with setOwnKernels(false), tfjs's formula runs
// unchanged, so CPU results do not move. Relu's gradient dy·step(x) runs as one own kernel there.
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

let installed = false;

/** Registers the three gradients (idempotent; global to tfjs, gated per call by ownKernelsActive). */
export function installOwnGradients(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient(sumGrad);
  tf.registerGradient(meanGrad);
  tf.registerGradient(reluGrad);
}

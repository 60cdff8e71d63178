// Gradients of Sum and Mean without a CPU-made tensor of ones (issue 11, item 3: nothing uploaded per
// step but the batch and its per-image parameters). tfjs-core 4.22's gradients are
//   Sum:  dx = reshape(dy) · ones(x.shape)          Mean: dx = reshape(dy) · ones(x.shape) / n
// and `ones` is made on the CPU, so every backward pass through a sum or a mean uploaded an x-sized
// buffer of ones (7 of a MoCo-v2 step's 15 uploads, 22 of HEXA-MoCo's 37). With the own kernels active
// (WebGPU), dy is broadcast on the GPU instead (Tile: one dispatch, as the Multiply was); the values are
// the same bits (d·1 = d exactly; for the mean, d/n is divided before the broadcast instead of after,
// the same single rounding). On every other backend, and with setOwnKernels(false), tfjs's formula runs
// unchanged, so CPU results do not move.
import * as tf from '@tensorflow/tfjs';
import { ownKernelsActive } from './fused';

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

let installed = false;

/** Registers the two gradients (idempotent; global to tfjs, gated per call by ownKernelsActive). */
export function installOwnGradients(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient(sumGrad);
  tf.registerGradient(meanGrad);
}

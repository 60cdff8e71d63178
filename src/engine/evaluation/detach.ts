// tfjs has no stopGradient: an identity whose gradient is zero stands in for it.
import * as tf from '@tensorflow/tfjs';

const detachOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor; // the last argument is the save function
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** Identity in the forward pass; blocks every gradient to x in the backward pass. */
export function detach<T extends tf.Tensor>(x: T): T {
  return detachOp(x) as T;
}

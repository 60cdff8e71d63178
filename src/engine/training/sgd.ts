// SGD with momentum and decoupled-from-nothing (PyTorch-style) weight decay:
// g ← g + wd·θ;  v ← μ·v + g;  θ ← θ − lr·v. Velocities follow the variable order given at construction.
import * as tf from '@tensorflow/tfjs';
import { newVariable } from '../nn/layers';
import { sgdUpdate } from '../runtime/kernels/fused';

export class Sgd {
  readonly velocities: tf.Variable[];

  constructor(
    private readonly vars: tf.Variable[],
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {
    this.velocities = vars.map((v) => newVariable(() => tf.zerosLike(v), false, 'velocity'));
  }

  /** grads keyed by variable name (as tf.variableGrads returns them). */
  apply(grads: tf.NamedTensorMap, lr: number): void {
    // A variable without a gradient did not take part (e.g. frozen prototypes) and is left alone.
    // On WebGPU one fused in-place kernel per few parameters, else plain tfjs (runtime/kernels/fused.ts).
    sgdUpdate(
      this.vars,
      this.vars.map((v) => grads[v.name]),
      this.velocities,
      lr,
      this.momentum,
      this.weightDecay,
    );
  }

  dispose(): void {
    this.velocities.forEach((v) => v.dispose());
  }
}

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

  /**
   * grads keyed by variable name (as tf.variableGrads returns them). `lrScales` (optional, one per
   * variable in the construction order): variable i steps at lr·lrScales[i] (e.g. BYOL's predictor).
   */
  apply(grads: tf.NamedTensorMap, lr: number, lrScales?: readonly number[]): void {
    // A variable without a gradient did not take part (e.g. frozen prototypes) and is left alone.
    // On WebGPU one fused in-place kernel per few parameters, else plain tfjs (runtime/kernels/fused.ts).
    if (lrScales && lrScales.length !== this.vars.length)
      throw new Error(`Sgd: ${lrScales.length} lr scales for ${this.vars.length} variables`);
    const groups = new Map<number, number[]>(); // lr scale → variable indices, in order
    this.vars.forEach((_, i) => {
      const s = lrScales?.[i] ?? 1;
      groups.set(s, [...(groups.get(s) ?? []), i]);
    });
    for (const [scale, idx] of groups)
      sgdUpdate(
        idx.map((i) => this.vars[i]!),
        idx.map((i) => grads[this.vars[i]!.name]),
        idx.map((i) => this.velocities[i]!),
        lr * scale,
        this.momentum,
        this.weightDecay,
      );
  }

  dispose(): void {
    this.velocities.forEach((v) => v.dispose());
  }
}

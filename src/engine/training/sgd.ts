// SGD with momentum and decoupled-from-nothing (PyTorch-style) weight decay:
// g ← g + wd·θ;  v ← μ·v + g;  θ ← θ − lr·v. Velocities follow the variable order given at construction.
import * as tf from '@tensorflow/tfjs';
import { newVariable } from '../nn/layers';

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
    tf.tidy(() => {
      this.vars.forEach((v, i) => {
        const g0 = grads[v.name];
        if (!g0) return; // a variable that did not take part (e.g. frozen prototypes)
        const g = this.weightDecay > 0 ? tf.add(g0, tf.mul(v, this.weightDecay)) : g0;
        const vel = this.velocities[i]!;
        vel.assign(tf.add(tf.mul(vel, this.momentum), g));
        v.assign(tf.sub(v, tf.mul(vel, lr)));
      });
    });
  }

  dispose(): void {
    this.velocities.forEach((v) => v.dispose());
  }
}

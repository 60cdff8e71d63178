// Adversarial views: L∞ PGD with a random start on the base method's own pretext loss, against each
// view's own pseudo-label. The encoder runs in inference mode during the attack, so BatchNorm moving
// statistics are untouched; the view stays in [0, 1]. Works for any PseudoLabelTask.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { HardExampleGenerator, HardExamples, PseudoLabelTask } from '../methods/types';
import type { Rng } from '../runtime/random';

export interface PgdSettings {
  epsilon: number; // L∞ budget, pixel units (0–1)
  steps: number; // T
  stepSize: number; // α, pixel units
}

const INFERENCE = { training: false } as const;

/**
 * x [B, S, S, C] in [0, 1] → δ [B, S, S, C] with ‖δ‖∞ ≤ ε and x + δ in [0, 1], chosen to raise
 * mean_i task.loss(x_i + δ_i). Random start δ0 ~ U(−ε, ε).
 */
export function pgd(task: PseudoLabelTask, x: tf.Tensor4D, s: PgdSettings, rng: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    // Keep ‖δ‖∞ ≤ ε and x + δ inside [0, 1].
    const project = (d: tf.Tensor): tf.Tensor4D =>
      tf.sub(tf.clipByValue(tf.add(x, tf.clipByValue(d, -s.epsilon, s.epsilon)), 0, 1), x) as tf.Tensor4D;
    let delta = project(
      tf.randomUniform(x.shape, -s.epsilon, s.epsilon, 'float32', rng.seed()) as tf.Tensor4D,
    );
    const lossOf = (d: tf.Tensor) => tf.mean(task.score(tf.add(x, d) as tf.Tensor4D, INFERENCE).loss);
    const gradOf = tf.grad(lossOf);
    for (let t = 0; t < s.steps; t++) {
      const next = project(tf.add(delta, tf.mul(tf.sign(gradOf(delta)), s.stepSize)) as tf.Tensor4D);
      delta.dispose();
      delta = next;
    }
    return delta;
  });
}

export const adversarialGenerator: HardExampleGenerator = {
  kind: 'adversarial',
  enabled: (cfg) => cfg.adversarial && cfg.wAdv > 0 && cfg.epsilon > 0,
  generate(task: PseudoLabelTask, xq: tf.Tensor4D, cfg: TrainConfig, rng: Rng): HardExamples {
    const delta = tf.keep(
      pgd(
        task,
        xq,
        { epsilon: cfg.epsilon / 255, steps: cfg.attackSteps, stepSize: cfg.attackStepSize / 255 },
        rng,
      ),
    );
    const view = tf.keep(tf.tidy(() => tf.clipByValue(tf.add(xq, delta), 0, 1) as tf.Tensor4D));
    return {
      kind: 'adversarial',
      weight: cfg.wAdv,
      view,
      extras: { perturbation: delta },
      loss(t, mode) {
        const score = t.score(view, mode);
        return { loss: score.loss, score };
      },
      dispose() {
        delta.dispose();
        view.dispose();
      },
    };
  },
};

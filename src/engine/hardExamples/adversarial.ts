// Adversarial views: L∞ PGD with a random start on the base method's own pretext loss, against each
// view's own pseudo-label. The encoder runs in inference mode during the attack, so BatchNorm moving
// statistics are untouched; the view stays in [0, 1]. Works for any PseudoLabelTask.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { AdversarialPreview } from '../../shared/trainingTypes';
import type { EncodedViews, HardExampleGenerator, HardExamples, PseudoLabelTask } from '../methods/types';
import { splitRows, toImages } from '../training/previewImages';
import { clipAdd, pgdProject } from '../runtime/kernels/pixels';
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
    // Keep ‖δ‖∞ ≤ ε and x + δ inside [0, 1]: clip(x + clip(δ (+ α·sign(g)), −ε, ε), 0, 1) − x, one
    // dispatch on WebGPU (runtime/kernels/pixels.ts).
    let delta = pgdProject(
      x,
      tf.randomUniform(x.shape, -s.epsilon, s.epsilon, 'float32', rng.seed()),
      null,
      0,
      s.epsilon,
    );
    const lossOf = (d: tf.Tensor) => tf.mean(task.score(tf.add(x, d) as tf.Tensor4D, INFERENCE).loss);
    const gradOf = tf.grad(lossOf);
    for (let t = 0; t < s.steps; t++) {
      const next = pgdProject(x, delta, gradOf(delta), s.stepSize, s.epsilon);
      delta.dispose();
      delta = next;
    }
    return delta;
  });
}

/** The first n samples of t (a preview row per shown sample). */
const head = <T extends tf.Tensor>(t: T, n: number) => tf.slice(t, 0, n) as T;

/** The adversarial examples of one batch; `delta` is the perturbation (owned, freed by dispose()). */
export type AdversarialExamples = HardExamples & { delta: tf.Tensor4D };

/** PGD views of the queries xq at the settings' budget (cfg's ε and α are in 1/255 units). */
export function makeAdversarial(
  task: PseudoLabelTask,
  xq: tf.Tensor4D,
  cfg: TrainConfig,
  rng: Rng,
): AdversarialExamples {
  const delta = tf.keep(
    pgd(
      task,
      xq,
      { epsilon: cfg.epsilon / 255, steps: cfg.attackSteps, stepSize: cfg.attackStepSize / 255 },
      rng,
    ),
  );
  const view = tf.keep(tf.tidy(() => clipAdd(xq, delta))); // clip(xq + δ, 0, 1)
  return {
    weight: cfg.wAdv,
    view,
    delta,
    loss(t, mode) {
      const score = t.score(view, mode);
      return { loss: score.loss, score };
    },
    // Its rows of an encoder pass shared with other generators' views (trainStep), when the task splits
    // score() that way.
    ...(task.scoreEncoded && {
      lossEncoded(t: PseudoLabelTask, encoded: EncodedViews) {
        const score = t.scoreEncoded!(encoded);
        return { loss: score.loss, score };
      },
    }),
    metrics: ({ hard }): Record<string, tf.Scalar> =>
      hard
        ? {
            // Flip: the own pseudo-label is no longer the arg-max of the adversarial view's logits.
            flip_rate: tf.mean(tf.cast(tf.greater(hard.rank, 0), 'float32')) as tf.Scalar,
            pos_logit_adv: tf.mean(hard.ownLogit) as tf.Scalar,
          }
        : {},
    previews: ({ clean, hard }, n): Record<string, tf.Tensor> =>
      hard
        ? {
            view: head(view, n),
            delta: head(delta, n),
            rank_before: head(clean.rank, n),
            rank_after: head(hard.rank, n),
            argmax_before: head(clean.argmax, n),
            argmax_after: head(hard.argmax, n),
            logit_before: head(clean.ownLogit, n),
            logit_after: head(hard.ownLogit, n),
          }
        : {},
    dispose() {
      delta.dispose();
      view.dispose();
    },
  };
}

export const adversarialGenerator: HardExampleGenerator<AdversarialPreview> = {
  id: 'adversarial',
  enabled: (cfg) => cfg.adversarial && cfg.wAdv > 0 && cfg.epsilon > 0,
  generate: makeAdversarial,
  readPreview(d, shapes, ctx): AdversarialPreview {
    const n = shapes.view![0]!;
    const nums = (k: string) => Array.from(d[k]!);
    const perturbation = splitRows(d.delta!, n);
    return {
      clean: ctx.query,
      adversarial: toImages(d.view!, shapes.view!),
      perturbation,
      scale: perturbation.reduce((m, p) => p.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0),
      epsilon: ctx.cfg.epsilon / 255,
      rankBefore: nums('rank_before'),
      rankAfter: nums('rank_after'),
      logitBefore: nums('logit_before'),
      logitAfter: nums('logit_after'),
      ownLabel: ctx.ownLabels.slice(0, n),
      argmaxBefore: nums('argmax_before'),
      argmaxAfter: nums('argmax_after'),
    };
  },
};

// Mixed-up views (Zhang et al., "mixup", ICLR 2018, applied to the pseudo-labels as i-Mix / Un-Mix do
// for contrastive learning): each query view is blended pixel by pixel with a partner view (a
// permutation of the batch), x̃_i = λ_i·x_i + (1 − λ_i)·x_partner(i), λ_i ~ Beta(a, a) per sample, and its
// pseudo-label is mixed by the same λ through the task's mixedLoss: λ·own + (1 − λ)·partner's. Mix-up is
// the HEXA paper's stated future work; the published HEXA is adversarial + cut-mix, so it is off by
// default (docs/DESIGN-NOTES.md, "Mix-up").
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { MixupPreview } from '../../shared/trainingTypes';
import type { EncodedViews, HardExampleGenerator, HardExamples, PseudoLabelTask } from '../methods/types';
import { toImages } from '../training/previewImages';
import type { Rng } from '../runtime/random';

export interface MixupDraw {
  partner: Int32Array; // [B] j for each i
  lambda: Float32Array; // [B] the own image's share, λ_i ~ Beta(a, a)
}

/** Draws partners (a permutation) then one λ per sample on the CPU (no GPU read-back needed). */
export function drawMixup(b: number, a: number, rng: Rng): MixupDraw {
  const partner = rng.permutation(b);
  const lambda = new Float32Array(b);
  for (let i = 0; i < b; i++) lambda[i] = rng.beta(a, a);
  return { partner, lambda };
}

/** x̃ = λ ⊙ x_i + (1 − λ) ⊙ x_partner(i), λ [B] broadcast over pixels. x [B, H, W, C]. */
export function mixUp(x: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const l = tf.reshape(lambda, [-1, 1, 1, 1]);
    return tf.add(tf.mul(l, x), tf.mul(tf.sub(1, l), tf.gather(x, partner))) as tf.Tensor4D;
  });
}

const head = <T extends tf.Tensor>(t: T, n: number) => tf.slice(t, 0, n) as T;

export const mixupGenerator: HardExampleGenerator<MixupPreview> = {
  id: 'mixup',
  enabled: (cfg) => cfg.mixup && cfg.wMixup > 0,
  generate(task: PseudoLabelTask, xq: tf.Tensor4D, cfg: TrainConfig, rng: Rng): HardExamples {
    const drawn = drawMixup(xq.shape[0], cfg.mixupAlpha, rng);
    const partner = tf.tensor1d(drawn.partner, 'int32');
    const lambda = tf.tensor1d(drawn.lambda, 'float32');
    const view = mixUp(xq, partner, lambda);
    return {
      weight: cfg.wMixup,
      view,
      loss: (t, mode) => {
        if (!t.mixedLoss) throw new Error('Mix-up: this method has no mixed targets (mixedLoss).');
        return { loss: t.mixedLoss(view, partner, lambda, mode) };
      },
      // Its rows of an encoder pass shared with other generators' views (trainStep).
      ...(task.mixedLossEncoded && {
        lossEncoded: (t: PseudoLabelTask, encoded: EncodedViews) => ({
          loss: t.mixedLossEncoded!(encoded, partner, lambda),
        }),
      }),
      metrics: () => ({ lambda_mixup: tf.mean(lambda) as tf.Scalar }),
      previews: ({ query }, n) => ({
        view: head(view, n),
        partner_view: head(tf.gather(query, partner), n),
        partner: head(partner, n),
        lambda: head(lambda, n),
      }),
      dispose() {
        [partner, lambda, view].forEach((x) => x.dispose());
      },
    };
  },
  readPreview(d, shapes, ctx): MixupPreview {
    const n = shapes.view![0]!;
    const partner = Array.from(d.partner!);
    return {
      own: ctx.query,
      partner: toImages(d.partner_view!, shapes.partner_view!),
      mixed: toImages(d.view!, shapes.view!),
      lambda: Array.from(d.lambda!),
      partnerIndex: partner,
      ownLabel: ctx.ownLabels.slice(0, n),
      partnerLabel: partner.map((j) => ctx.ownLabels[j]!),
    };
  },
};

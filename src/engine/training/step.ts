// One training step of any composed method: base pseudo-label task + hard-example generators.
// L = L_clean + Σ_g w_g · L_g. Returns scalar metric tensors (never read back here) and, when asked,
// small preview tensors for the panels. Everything else is disposed inside.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { OnlineProbe } from '../evaluation/onlineProbe';
import type { BaseMethod, HardExampleGenerator, HardExamples, StepInput, ViewScore } from '../methods/types';
import type { Sgd } from './sgd';

export interface StepOutput {
  metrics: Record<string, tf.Scalar>; // caller disposes
  previews: Record<string, tf.Tensor> | null; // first `previewCount` samples; caller disposes
}

export interface StepArgs {
  base: BaseMethod;
  generators: HardExampleGenerator[];
  cfg: TrainConfig;
  input: StepInput;
  lr: number;
  optimizer: Sgd;
  probe: OnlineProbe | null;
  labels: tf.Tensor1D | null; // int32 [B], for the online probe
  previewCount: number; // 0 = no previews this step
}

/** Mean per-dimension standard deviation of L2-normalised embeddings z [B, d]: ≈1/√d healthy, 0 collapsed. */
export function embeddingStd(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sqrt(tf.moments(z, 0).variance)));
}

const detach = (s: ViewScore) => ({
  ownLogit: tf.keep(s.ownLogit),
  rank: tf.keep(s.rank),
  argmax: tf.keep(s.argmax),
  features: tf.keep(s.features),
  embedding: tf.keep(s.embedding),
});

export function trainStep(a: StepArgs): StepOutput {
  const { base, cfg, input } = a;
  const kept: tf.Tensor[] = []; // side outputs of the taped forward, disposed at the end
  let out: StepOutput = { metrics: {}, previews: null };
  tf.tidy(() => {
    const task = base.beginStep(input, cfg);
    const hard: HardExamples[] = a.generators
      .filter((g) => g.enabled(cfg))
      .map((g) => g.generate(task, input.xq, cfg, input.rng));
    const mode = { training: true, bnGroups: cfg.bnGroups };
    let clean: ReturnType<typeof detach> | null = null;
    let cleanLoss: tf.Tensor1D | null = null; // [B] detached per-sample clean loss (gallery)
    const terms: Record<string, tf.Scalar> = {};
    let adv: ReturnType<typeof detach> | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const s = task.score(input.xq, mode);
      clean = detach(s);
      kept.push(clean.ownLogit, clean.rank, clean.argmax, clean.features, clean.embedding);
      if (a.previewCount > 0) kept.push((cleanLoss = tf.keep(s.loss)));
      const extra = task.extraCleanLoss?.(s, mode); // [B] the other clean views (DeepCluster: xk)
      const lClean = tf.mean(extra ? tf.concat([s.loss, extra]) : s.loss) as tf.Scalar;
      terms.loss_clean = tf.keep(tf.clone(lClean)); // a copy: `value` may be lClean itself
      let total: tf.Scalar = lClean;
      for (const h of hard) {
        const r = h.loss(task, mode);
        const term = tf.mean(r.loss) as tf.Scalar;
        terms[h.kind === 'adversarial' ? 'loss_adv' : 'loss_mix'] = tf.keep(term);
        if (r.score && h.kind === 'adversarial') {
          adv = detach(r.score);
          kept.push(adv.ownLogit, adv.rank, adv.argmax, adv.features, adv.embedding);
        }
        total = tf.add(total, tf.mul(term, h.weight));
      }
      return total;
    }, base.params());
    a.optimizer.apply(grads, a.lr);
    base.endStep(task);

    const c = clean as unknown as ReturnType<typeof detach>;
    const metrics: Record<string, tf.Scalar> = {
      loss: tf.keep(value),
      ...terms,
      pretext_acc: tf.keep(tf.mean(tf.cast(tf.equal(c.rank, 0), 'float32'))),
      pos_logit: tf.keep(tf.mean(c.ownLogit)),
      emb_std: tf.keep(embeddingStd(c.embedding)),
    };
    const advScore = adv as ReturnType<typeof detach> | null;
    if (advScore) {
      // Flip: the own pseudo-label is no longer the arg-max of the adversarial view's logits.
      metrics.flip_rate = tf.keep(tf.mean(tf.cast(tf.greater(advScore.rank, 0), 'float32')));
      metrics.pos_logit_adv = tf.keep(tf.mean(advScore.ownLogit));
    }
    const mix = hard.find((h) => h.kind === 'cutmix');
    if (mix) metrics.lambda = tf.keep(tf.mean(mix.extras.lambda!));
    if (a.probe && a.labels) {
      const p = a.probe.step(c.features as tf.Tensor2D, a.labels);
      metrics.probe_loss = tf.keep(p.loss);
      metrics.probe_acc = tf.keep(p.accuracy);
    }

    let previews: Record<string, tf.Tensor> | null = null;
    if (a.previewCount > 0) {
      const n = Math.min(a.previewCount, input.xq.shape[0]);
      const head = <T extends tf.Tensor>(t: T) => tf.keep(tf.slice(t, 0, n)) as T;
      // own_labels is [B]: a cut-mix partner may be any sample of the batch.
      previews = { xq: head(input.xq), xk: head(input.xk), own_labels: tf.keep(tf.clone(task.ownLabel)) };
      if (cleanLoss) {
        // Gallery: the batch's highest clean losses, their batch positions and views (read back with the rest).
        const top = tf.topk(cleanLoss as tf.Tensor1D, n, true);
        previews.hard_loss = tf.keep(top.values);
        previews.hard_pos = tf.keep(top.indices);
        previews.hard_view = tf.keep(tf.gather(input.xq, top.indices));
      }
      const advH = hard.find((h) => h.kind === 'adversarial');
      if (advH && advScore) {
        previews.adv_view = head(advH.view);
        previews.adv_delta = head(advH.extras.perturbation!);
        previews.rank_before = head(c.rank);
        previews.rank_after = head(advScore.rank);
        previews.argmax_before = head(c.argmax);
        previews.argmax_after = head(advScore.argmax);
        previews.logit_before = head(c.ownLogit);
        previews.logit_after = head(advScore.ownLogit);
      }
      if (mix) {
        const partner = mix.extras.partner as tf.Tensor1D;
        previews.mix_view = head(mix.view);
        previews.mix_mask = head(mix.extras.mask!);
        previews.mix_partner_view = head(tf.gather(input.xq, partner));
        previews.mix_partner = head(partner);
        previews.mix_lambda = head(mix.extras.lambda!);
      }
    }
    hard.forEach((h) => h.dispose());
    task.dispose();
    // metrics and previews were tf.keep()'d: they outlive the tidy and now belong to the caller.
    out = { metrics, previews };
  });
  kept.forEach((t) => t.dispose());
  return out;
}

// One training step of any composed method: base pseudo-label task + hard-example generators.
// L = L_clean + Σ_g w_g · L_g. Returns scalar metric tensors (never read back here) and, when asked,
// small preview tensors for the panels. Everything else is disposed inside.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { OnlineProbe } from '../evaluation/onlineProbe';
import { GENERATOR_INFO } from '../../shared/catalog';
import type {
  BaseMethod,
  DetachedScore,
  HardExampleGenerator,
  HardExamples,
  HardReport,
  PseudoLabelTask,
  StepInput,
  ViewScore,
} from '../methods/types';
import type { ForwardMode } from '../nn/layers';
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
  /**
   * How the hard views go through the encoder. 'shared' (default): one pass over all generators' views
   * stacked, when the task and every active generator support it (sharedHardPass); 'separate': a pass
   * per generator (the layout before; tests compare the two).
   */
  hardPass?: 'shared' | 'separate';
}

/** Mean per-dimension standard deviation of L2-normalised embeddings z [B, d]: ≈1/√d healthy, 0 collapsed. */
export function embeddingStd(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sqrt(tf.moments(z, 0).variance)));
}

/** A score's tensors kept past the tidy that made them (the caller disposes them). */
const detach = (s: ViewScore): DetachedScore => ({
  ownLogit: tf.keep(s.ownLogit),
  rank: tf.keep(s.rank),
  argmax: tf.keep(s.argmax),
  features: tf.keep(s.features),
  embedding: tf.keep(s.embedding),
});
const tensorsOf = (d: DetachedScore): tf.Tensor[] => [d.ownLogit, d.rank, d.argmax, d.features, d.embedding];

/**
 * Whether the hard views share one encoder pass: two or more generators, each with lossEncoded, views of
 * one shape, and a task with encode(). Then their views [B, …] are stacked into [n·B, …] and run
 * through the encoder once with n BatchNorm segments (ForwardMode.bnSegments): segment i's G groups
 * are exactly the groups of generator i's own pass, and the moving statistics are updated once per
 * segment in generator order, as the separate passes did. Each generator then gets its B rows.
 */
export function sharedHardPass(task: PseudoLabelTask, hard: HardExamples[]): boolean {
  if (hard.length < 2 || !task.encode) return false;
  const shape = hard[0]!.view.shape;
  return hard.every((h) => h.lossEncoded !== undefined && h.view.shape.every((d, i) => d === shape[i]));
}

/** Generators' losses from one encoder pass over their views stacked (see sharedHardPass). */
function sharedLosses(
  task: PseudoLabelTask,
  hard: HardExamples[],
  mode: ForwardMode,
): { loss: tf.Tensor1D; score?: ViewScore }[] {
  const n = hard.length;
  const views = tf.concat(
    hard.map((h) => h.view),
    0,
  ) as tf.Tensor4D;
  const encoded = task.encode!(views, { ...mode, bnSegments: n * (mode.bnSegments ?? 1) });
  const features = tf.split(encoded.features, n, 0) as tf.Tensor2D[];
  const embedding = tf.split(encoded.embedding, n, 0) as tf.Tensor2D[];
  return hard.map((h, i) => h.lossEncoded!(task, { features: features[i]!, embedding: embedding[i]! }));
}

/**
 * One step. Before the tape: beginStep (stop-gradient work), then each enabled generator's hard views
 * from the query views[0]. Inside the tape: task.clean() (differentiable targets allowed), then each
 * generator's loss (its own encoder pass, or its rows of one shared pass: sharedHardPass). After: SGD, endStep, the online probe, the metrics (the step's own and those each
 * generator declares) and the previews (the step's own and each generator's, under `<id>:<key>`). No
 * switch on a method or generator name: both come through their interfaces.
 */
export function trainStep(a: StepArgs): StepOutput {
  const { base, cfg, input } = a;
  const kept: tf.Tensor[] = []; // side outputs of the taped forward, disposed at the end
  let out: StepOutput = { metrics: {}, previews: null };
  tf.tidy(() => {
    const task = base.beginStep(input, cfg);
    const query = input.views[0]!;
    const active = a.generators.filter((g) => g.enabled(cfg));
    const hard: HardExamples[] = active.map((g) => g.generate(task, query, cfg, input.rng));
    const mode = { training: true, bnGroups: cfg.bnGroups };
    let clean: DetachedScore | null = null;
    let cleanLoss: tf.Tensor1D | null = null; // [B] detached per-sample clean loss of the query (gallery)
    const terms: Record<string, tf.Scalar> = {};
    const hardScores: (DetachedScore | null)[] = hard.map(() => null);
    const { value, grads } = tf.variableGrads(() => {
      const c = task.clean(mode);
      clean = detach(c.query);
      kept.push(...tensorsOf(clean));
      if (a.previewCount > 0) kept.push((cleanLoss = tf.keep(c.query.loss)));
      const lClean = tf.mean(c.loss) as tf.Scalar;
      terms.loss_clean = tf.keep(tf.clone(lClean)); // a copy: `value` may be lClean itself
      let total: tf.Scalar = lClean;
      const shared = a.hardPass !== 'separate' && sharedHardPass(task, hard);
      const results = shared ? sharedLosses(task, hard, mode) : null;
      hard.forEach((h, i) => {
        const r = results ? results[i]! : h.loss(task, mode);
        const term = tf.mean(r.loss) as tf.Scalar;
        terms[GENERATOR_INFO[active[i]!.id].lossKey] = tf.keep(term);
        if (r.score) kept.push(...tensorsOf((hardScores[i] = detach(r.score))));
        // A weight of 1 adds the term itself (x·1 = x exactly: the same values, two dispatches fewer).
        total = tf.add(total, h.weight === 1 ? term : tf.mul(term, h.weight));
      });
      return total;
    }, base.params());
    a.optimizer.apply(grads, a.lr, base.lrScales?.(cfg));
    base.endStep(task);

    const c = clean as unknown as DetachedScore;
    const metrics: Record<string, tf.Scalar> = {
      loss: tf.keep(value),
      ...terms,
      pretext_acc: tf.keep(tf.mean(tf.cast(tf.equal(c.rank, 0), 'float32'))),
      pos_logit: tf.keep(tf.mean(c.ownLogit)),
      emb_std: tf.keep(embeddingStd(c.embedding)),
    };
    const reports: HardReport[] = hard.map((_, i) => ({ clean: c, hard: hardScores[i]!, query }));
    hard.forEach((h, i) => {
      for (const [k, v] of Object.entries(h.metrics(reports[i]!))) metrics[k] = tf.keep(v);
    });
    if (a.probe && a.labels) {
      const p = a.probe.step(c.features as tf.Tensor2D, a.labels);
      metrics.probe_loss = tf.keep(p.loss);
      metrics.probe_acc = tf.keep(p.accuracy);
    }

    let previews: Record<string, tf.Tensor> | null = null;
    if (a.previewCount > 0) {
      const n = Math.min(a.previewCount, query.shape[0]);
      const head = <T extends tf.Tensor>(t: T) => tf.keep(tf.slice(t, 0, n)) as T;
      const second = input.views[1] ?? query;
      // own_labels is [B]: a cut-mix partner may be any sample of the batch.
      previews = { xq: head(query), xk: head(second), own_labels: tf.keep(tf.clone(task.ownLabel)) };
      if (cleanLoss) {
        // Gallery: the batch's highest clean losses, their batch positions and views (read back with the rest).
        const top = tf.topk(cleanLoss as tf.Tensor1D, n, true);
        previews.hard_loss = tf.keep(top.values);
        previews.hard_pos = tf.keep(top.indices);
        previews.hard_view = tf.keep(tf.gather(query, top.indices));
      }
      const p = previews;
      hard.forEach((h, i) => {
        for (const [k, v] of Object.entries(h.previews(reports[i]!, n)))
          p[`${active[i]!.id}:${k}`] = tf.keep(v);
      });
    }
    hard.forEach((h) => h.dispose());
    task.dispose();
    // metrics and previews were tf.keep()'d: they outlive the tidy and now belong to the caller.
    out = { metrics, previews };
  });
  kept.forEach((t) => t.dispose());
  return out;
}

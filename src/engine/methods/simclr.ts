// SimCLR as a base method (Chen et al. 2020): one encoder, no queue, no momentum encoder. Both views of
// the batch go through the encoder together (2B rows, BatchNorm over all of them, as the paper's global
// BN) and NT-Xent (losses/ntXent.ts) asks each view to pick out the other view of its image among the
// 2B − 1 other embeddings. The other view's embedding is computed inside the gradient tape, so the
// gradient flows through both views, as in the paper. See docs/DESIGN-NOTES.md, "SimCLR".
//
// The pseudo-label of a view is its positive: the other view of its image, column i + B of the batch's
// 2B embeddings (labelKind 'key'). Hard views (HEXA-SimCLR's generators start from views[0]) are
// scored against the same 2B embeddings, the column of the view they were made from masked out (as the
// diagonal of NT-Xent): inside the tape against the taped embeddings (targets with gradient, like the
// clean loss), before it (the adversarial attack, in inference mode) against a constant copy computed
// in inference mode on first use.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import { ntXentLogits } from '../losses/ntXent';
import { mixedTargets, softCrossEntropyPerSample } from '../losses/softCrossEntropy';
import { createEncoder, l2n, type Encoder } from '../nn/encoder';
import type { ForwardMode } from '../nn/layers';
import type { Rng } from '../runtime/random';
import { scoreFromLogits } from './scoring';
import type { BaseMethod, CleanLoss, PseudoLabelTask, StepInput, ViewScore } from './types';

/** A logit far below any cosine / τ: the column of the view a hard view was made from (as ntXent's). */
const SELF = -1e9;

/** BatchNorm over all rows of a forward pass, whatever the step's split-BN setting (SimCLR's global BN). */
const globalBn = (mode: ForwardMode): ForwardMode => ({ ...mode, bnGroups: 1 });

/**
 * Logits [B, 2B] of hard views' embeddings h [B, d] against the batch's 2B embeddings u [2B, d]
 * (h·uᵀ/τ), with the columns in `masked` [B, 2B] (1 = masked) pushed to −1e9.
 */
export function maskedLogits(h: tf.Tensor2D, u: tf.Tensor2D, tau: number, masked: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sim = tf.div(tf.matMul(h, u, false, true), tau);
    return tf.add(tf.mul(sim, tf.sub(1, masked)), tf.mul(masked, SELF)) as tf.Tensor2D;
  });
}

/** SimCLR's pseudo-label task for one batch of two views [B, S, S, C] each. */
export class SimclrTask implements PseudoLabelTask {
  /** Own pseudo-label of view i of views[0]: its positive, column i + B (int32 [B]). */
  readonly ownLabel: tf.Tensor1D;
  private readonly self: tf.Tensor1D; // [B] column i: the clean view a hard view was made from
  private readonly b: number;
  private taped: tf.Tensor2D | null = null; // [2B, d] made by clean() inside the tape (differentiable)
  private constant: tf.Tensor2D | null = null; // [2B, d] inference-mode copy for scoring before the tape

  constructor(
    private readonly encoder: Encoder,
    private readonly views: readonly [tf.Tensor4D, tf.Tensor4D],
    private readonly tau: number,
  ) {
    this.b = views[0].shape[0];
    this.self = tf.keep(tf.range(0, this.b, 1, 'int32') as tf.Tensor1D);
    this.ownLabel = tf.keep(tf.range(this.b, 2 * this.b, 1, 'int32') as tf.Tensor1D);
  }

  /** The 2B embeddings hard views are scored against: the taped ones once clean() ran, else constants. */
  private targets(): tf.Tensor2D {
    if (this.taped) return this.taped;
    if (!this.constant) {
      const [v0, v1] = this.views;
      this.constant = tf.keep(tf.tidy(() => this.encoder.embed(tf.concat([v0, v1]), { training: false })));
    }
    return this.constant;
  }

  /** NT-Xent over the 2B views, inside the tape; the query's score is rows 0 … B − 1. */
  clean(mode: ForwardMode): CleanLoss {
    const [v0, v1] = this.views;
    const b = this.b;
    const features = this.encoder.features(tf.concat([v0, v1]), globalBn(mode)); // [2B, F]
    const u = l2n(this.encoder.head.apply(features, globalBn(mode))); // [2B, d]
    this.taped = u;
    const { logits, targets } = ntXentLogits(u, this.tau); // [2B, 2B] each
    const loss = softCrossEntropyPerSample(logits, targets); // [2B]
    const head = <T extends tf.Tensor2D>(t: T) => tf.slice(t, [0, 0], [b, -1]) as T;
    const query = scoreFromLogits(head(logits), this.ownLabel, head(features), head(u));
    return { loss, query };
  }

  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore {
    const features = this.encoder.features(views, globalBn(mode));
    const h = l2n(this.encoder.head.apply(features, globalBn(mode))); // [B, d]
    const masked = tf.oneHot(this.self, 2 * this.b) as tf.Tensor2D;
    return scoreFromLogits(maskedLogits(h, this.targets(), this.tau, masked), this.ownLabel, features, h);
  }

  /**
   * Mixed views (view i with a box of view partner(i)): soft cross-entropy against λ·positive(i) +
   * (1 − λ)·positive(partner(i)), columns i + B and partner(i) + B; the two clean views the mixed view
   * was made from (columns i and partner(i)) are masked out.
   */
  mixedLoss(views: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D, mode: ForwardMode): tf.Tensor1D {
    const m = 2 * this.b;
    const h = this.encoder.embed(views, globalBn(mode)); // [B, d]
    const masked = tf.minimum(tf.add(tf.oneHot(this.self, m), tf.oneHot(partner, m)), 1) as tf.Tensor2D;
    const logits = maskedLogits(h, this.targets(), this.tau, masked);
    const positives = tf.add(partner, tf.scalar(this.b, 'int32')) as tf.Tensor1D; // [B] int32
    return softCrossEntropyPerSample(logits, mixedTargets(this.ownLabel, positives, lambda, m));
  }

  dispose(): void {
    tf.dispose([this.self, this.ownLabel]);
    this.constant?.dispose();
  }
}

export class Simclr implements BaseMethod {
  readonly encoder: Encoder;

  constructor(cfg: TrainConfig, channels: number, rng: Rng) {
    this.encoder = createEncoder({ ...cfg, channels, head: cfg.headBn ? 'mlp-bn' : 'mlp' }, rng);
  }

  params(): tf.Variable[] {
    return this.encoder.params;
  }

  /** All it has: the encoder's parameters and BatchNorm statistics (no queue, no key encoder). */
  stateVariables(): tf.Variable[] {
    return [...this.encoder.params, ...this.encoder.state];
  }

  /** Nothing before the tape: the targets are the other views' embeddings, made inside it by clean(). */
  beginStep(input: StepInput, cfg: TrainConfig): SimclrTask {
    const [v0, v1] = input.views;
    if (!v0 || !v1) throw new Error('SimCLR needs two views per image.');
    return new SimclrTask(this.encoder, [v0, v1], cfg.simclrTemperature);
  }

  /** No state to update: no queue, no memory bank. */
  endStep(): void {}

  dispose(): void {
    this.encoder.dispose();
  }
}

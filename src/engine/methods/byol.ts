// BYOL as a base method (Grill et al. 2020, "Bootstrap your own latent"): an online network (encoder +
// projector, the encoder's head, + predictor q) and a target network (encoder + projector), a
// parameter-wise moving average of the online one, ξ ← τ·ξ + (1 − τ)·θ. Each view's online prediction
// regresses the target projection of the other view, 2 − 2·cos (losses/byol.ts), symmetrised (both
// views predict). No negatives. The targets are constants made in beginStep with the target network
// (BYOL's stop-gradient), so the tape sees only the online side. There is no pseudo-label: the task's
// score is a retrieval check (scoreByRetrieval), and no HEXA generator composes with it (catalog.ts).
// Differences from the paper: τ is constant by default (byolMomentumCosine gives the paper's cosine
// schedule from τ to 1; it did not help at the Tiny budget), SGD instead of LARS, the predictor at
// byolPredictorLrScale × the lr (10 by default, as BYOL/SimSiam follow-ups: +8.2 kNN points instead of
// +3.2 on Tiny MNIST, seed 1, docs/LEARNING.md), and the lab's tiny ConvNet and head sizes. See
// docs/DESIGN-NOTES.md.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import { byolLossPerSample } from '../losses/byol';
import { cloneEncoder, createEncoder, l2n, momentumUpdate, type Encoder } from '../nn/encoder';
import { batchNorm, dense, relu, sequential, type ForwardMode, type Layer } from '../nn/layers';
import type { Rng } from '../runtime/random';
import { scoreByRetrieval } from './scoring';
import type { BaseMethod, CleanLoss, PseudoLabelTask, StepInput, ViewScore } from './types';

/** BYOL's predictor q: Linear–BN–ReLU–Linear, d → hidden → d (no BN with headBn off). */
export function byolPredictor(
  dim: number,
  hidden: number,
  bn: boolean,
  rng: Rng,
): Layer<tf.Tensor2D, tf.Tensor2D> {
  return sequential(
    bn
      ? [dense(dim, hidden, rng), batchNorm(hidden), relu, dense(hidden, dim, rng)]
      : [dense(dim, hidden, rng), relu, dense(hidden, dim, rng)],
  ) as Layer<tf.Tensor2D, tf.Tensor2D>;
}

/**
 * τ at step k (0-based) of K: byolMomentum, or with byolMomentumCosine BYOL's schedule
 * 1 − (1 − τ_base)·(cos(πk/K) + 1)/2, from τ_base at k = 0 to 1 at k = K. Without K (a step outside a
 * run) τ_base.
 */
export function byolTau(cfg: TrainConfig, step: number, totalSteps: number | undefined): number {
  const base = cfg.byolMomentum;
  if (!cfg.byolMomentumCosine || !totalSteps) return base;
  const t = Math.min(1, step / totalSteps);
  return 1 - ((1 - base) * (Math.cos(Math.PI * t) + 1)) / 2;
}

/** One batch: two views and the target network's projections of both (constants). */
export class ByolTask implements PseudoLabelTask {
  readonly ownLabel: tf.Tensor1D; // a view's own target is its image's: the batch position

  constructor(
    private readonly encoder: Encoder,
    private readonly predictor: Layer<tf.Tensor2D, tf.Tensor2D>,
    private readonly views: [tf.Tensor4D, tf.Tensor4D],
    /** Target projections [B, d] of view 0 and view 1 (made before the tape: no gradient). */
    readonly targets: [tf.Tensor2D, tf.Tensor2D],
  ) {
    this.ownLabel = tf.keep(tf.range(0, views[0].shape[0], 1, 'int32') as tf.Tensor1D);
  }

  /** Each view's prediction against the target projection of `target` → its ViewScore. */
  private predict(x: tf.Tensor4D, target: tf.Tensor2D, mode: ForwardMode): ViewScore {
    const features = this.encoder.features(x, mode);
    const z = this.encoder.head.apply(features, mode); // projection [B, d]
    const p = this.predictor.apply(z, mode); // prediction [B, d]
    return scoreByRetrieval(p, target, byolLossPerSample(p, target), features, l2n(z));
  }

  /** Symmetrised: view 0 predicts view 1's target and view 1 view 0's; L_clean is the mean of both. */
  clean(mode: ForwardMode): CleanLoss {
    const query = this.predict(this.views[0], this.targets[1], mode);
    const other = this.predict(this.views[1], this.targets[0], mode);
    return { loss: tf.concat([query.loss, other.loss]), query };
  }

  /** Any views of the batch's images as the query: predictions against view 1's target projections. */
  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore {
    return this.predict(views, this.targets[1], mode);
  }

  dispose(): void {
    this.ownLabel.dispose();
    tf.dispose(this.targets);
  }
}

export class Byol implements BaseMethod {
  readonly encoder: Encoder; // online: backbone + projector
  readonly predictor: Layer<tf.Tensor2D, tf.Tensor2D>;
  readonly target: Encoder; // the moving average of the online encoder

  constructor(cfg: TrainConfig, channels: number, rng: Rng) {
    const spec = { ...cfg, channels, head: cfg.headBn ? ('mlp-bn' as const) : ('mlp' as const) };
    this.encoder = createEncoder(spec, rng);
    this.predictor = byolPredictor(cfg.embedDim, cfg.byolPredictorHidden, cfg.headBn, rng);
    this.target = cloneEncoder(this.encoder, rng);
  }

  params(): tf.Variable[] {
    return [...this.encoder.params, ...this.predictor.params];
  }

  /** The predictor at byolPredictorLrScale × the lr, the online encoder at the lr. */
  lrScales(cfg: TrainConfig): number[] {
    const s = cfg.byolPredictorLrScale;
    return [...this.encoder.params.map(() => 1), ...this.predictor.params.map(() => s)];
  }

  stateVariables(): tf.Variable[] {
    const [o, q, t] = [this.encoder, this.predictor, this.target];
    return [...o.params, ...o.state, ...q.params, ...q.state, ...t.params, ...t.state];
  }

  beginStep(input: StepInput, cfg: TrainConfig): ByolTask {
    const [x0, x1] = input.views as [tf.Tensor4D, tf.Tensor4D];
    // ξ ← τ·ξ + (1 − τ)·θ with θ after the previous step's update (BYOL updates right after it).
    momentumUpdate(this.encoder.params, this.target.params, byolTau(cfg, input.step, input.totalSteps));
    const mode = { training: true, bnGroups: cfg.bnGroups }; // the target's BN on batch statistics, as BYOL
    const project = (x: tf.Tensor4D) =>
      tf.keep(tf.tidy(() => this.target.head.apply(this.target.features(x, mode), mode)));
    return new ByolTask(this.encoder, this.predictor, [x0, x1], [project(x0), project(x1)]);
  }

  endStep(): void {}

  dispose(): void {
    this.encoder.dispose();
    [...this.predictor.params, ...this.predictor.state].forEach((v) => v.dispose());
    this.target.dispose();
  }
}

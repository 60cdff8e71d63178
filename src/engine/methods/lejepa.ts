// LeJEPA as a base method (Balestriero & LeCun 2025, arXiv:2511.08544; rbalestr-lab/lejepa MINIMAL.md):
// one encoder (backbone + projector, the encoder's head with BatchNorm) embeds every view; the loss is
//   (1 − λ)·predictive + λ·SIGReg,
// predictive = the mean over views, images and dimensions of (centre − z_v)², centre = the mean of the
// global views' embeddings (losses/lejepa.ts), and SIGReg = the Epps–Pulley statistic of each view's
// embeddings projected on M random unit directions, drawn afresh each step, against N(0, 1), averaged
// over directions and views (losses/sigreg.ts; MINIMAL.md's SIGReg.forward on proj [V, N, K]). One
// trade-off weight λ; no stop-gradient, no teacher: the centre is computed inside the tape and carries
// gradient. The embeddings are the projector's raw outputs (not L2-normalised: SIGReg tests their scale).
// There is no pseudo-label: the task's score is a retrieval check (scoreByRetrieval), and no HEXA
// generator composes with it (catalog.ts). The lab uses the trainer's two views, both global (the paper
// adds local crops; MINIMAL.md recommends V = 4 global views), and SGD instead of AdamW.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import { eppsPulley, randomDirections } from '../losses/sigreg';
import { createEncoder, l2n, type Encoder } from '../nn/encoder';
import type { ForwardMode } from '../nn/layers';
import type { Rng } from '../runtime/random';
import { scoreByRetrieval } from './scoring';
import type { BaseMethod, CleanLoss, PseudoLabelTask, StepInput, ViewScore } from './types';

/** SIGReg of each view: z [B, d] along directions [d, M] → the mean Epps–Pulley statistic (scalar). */
const sigregOf = (z: tf.Tensor2D, directions: tf.Tensor2D) =>
  tf.mean(eppsPulley(tf.matMul(z, directions))) as tf.Scalar;

/**
 * LeJEPA's per-sample loss of every view: row v·B + b = (1 − λ)·mean_j (centre_bj − z_vbj)² + λ·S, with
 * S the mean over views of SIGReg(z_v). Its mean over [V·B] is LeJEPA's loss. z: V tensors [B, d].
 */
export function lejepaPerSample(z: tf.Tensor2D[], directions: tf.Tensor2D, lambda: number): tf.Tensor1D {
  return tf.tidy(() => {
    const stacked = tf.stack(z) as tf.Tensor3D; // [V, B, d]
    const centre = tf.mean(stacked, 0, true); // [1, B, d], every view global
    const pred = tf.reshape(tf.mean(tf.square(tf.sub(centre, stacked)), 2), [-1]); // [V·B]
    const reg = tf.mean(tf.stack(z.map((v) => sigregOf(v, directions)))); // mean over views
    return tf.add(tf.mul(1 - lambda, pred), tf.mul(lambda, reg)) as tf.Tensor1D;
  });
}

export class LejepaTask implements PseudoLabelTask {
  readonly ownLabel: tf.Tensor1D; // a view's own target is its image's: the batch position
  /** The clean views' embeddings made by clean() inside the tape (score() of hard views reuses them). */
  private embeddings: tf.Tensor2D[] | null = null;

  constructor(
    private readonly encoder: Encoder,
    private readonly views: tf.Tensor4D[],
    /** This step's SIGReg directions [d, M] (drawn in beginStep). */
    readonly directions: tf.Tensor2D,
    private readonly lambda: number,
  ) {
    this.ownLabel = tf.keep(tf.range(0, views[0]!.shape[0], 1, 'int32') as tf.Tensor1D);
  }

  /** Every view's embedding, with gradient; the loss of all of them; the query's retrieval score. */
  clean(mode: ForwardMode): CleanLoss {
    const features = this.views.map((x) => this.encoder.features(x, mode));
    const z = features.map((f) => this.encoder.head.apply(f, mode)); // [B, d] each, unnormalised
    this.embeddings = z;
    const loss = lejepaPerSample(z, this.directions, this.lambda); // [V·B]
    const b = z[0]!.shape[0];
    // The query's own target: the mean of the other views' embeddings (view 1 with two views).
    const others = tf.mean(tf.stack(z.slice(1)), 0) as tf.Tensor2D;
    const query = scoreByRetrieval(z[0]!, others, tf.slice(loss, 0, b), features[0]!, l2n(z[0]!));
    return { loss, query };
  }

  /**
   * Views of the batch's images in place of the query: their LeJEPA loss with the clean views'
   * embeddings (made now, in `mode`, if clean() has not run) and their retrieval of view 1's.
   */
  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore {
    const clean =
      this.embeddings ?? this.views.map((x) => this.encoder.head.apply(this.encoder.features(x, mode), mode));
    const features = this.encoder.features(views, mode);
    const z = this.encoder.head.apply(features, mode);
    const b = z.shape[0];
    const loss = tf.slice(lejepaPerSample([z, ...clean.slice(1)], this.directions, this.lambda), 0, b);
    return scoreByRetrieval(z, clean[1]!, loss as tf.Tensor1D, features, l2n(z));
  }

  dispose(): void {
    this.ownLabel.dispose();
    this.directions.dispose();
  }
}

export class Lejepa implements BaseMethod {
  readonly encoder: Encoder;

  constructor(cfg: TrainConfig, channels: number, rng: Rng) {
    this.encoder = createEncoder({ ...cfg, channels, head: cfg.headBn ? 'mlp-bn' : 'mlp' }, rng);
  }

  params(): tf.Variable[] {
    return this.encoder.params;
  }

  stateVariables(): tf.Variable[] {
    return [...this.encoder.params, ...this.encoder.state];
  }

  beginStep(input: StepInput, cfg: TrainConfig): LejepaTask {
    if (input.views.length < 2) throw new Error(`LeJEPA needs ≥ 2 views, got ${input.views.length}`);
    // Fresh directions every step (MINIMAL.md draws A = randn(d, 256) in every forward), from the run's Rng.
    const directions = tf.keep(randomDirections(cfg.embedDim, cfg.lejepaSlices, input.rng));
    return new LejepaTask(this.encoder, input.views, directions, cfg.lejepaLambda);
  }

  endStep(): void {}

  dispose(): void {
    this.encoder.dispose();
  }
}

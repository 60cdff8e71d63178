// SwAV as a base method (Caron et al. 2020; facebookresearch/swav main_swav.py; docs/DESIGN-NOTES.md,
// "SwAV"): an encoder with a Linear–BN–ReLU–Linear head (Linear–ReLU–Linear with headBn off) and K
// learnable prototypes C [K, d]. Multi-crop: two large views at the crop size and V small views
// (BaseMethod.views). Every view's unit embedding z_v is scored against the prototypes, s_v = z_v·Cᵀ.
// The codes q_0, q_1 of the two large views come from Sinkhorn-Knopp on their scores (no gradient),
// and every other view must predict them: the loss is the mean over i ∈ {0, 1} and v ≠ i of
// CE(softmax(s_v / τ), q_i) (swapped prediction). The prototypes get no gradient during the first
// swavFreezeEpochs epochs (the reference's `p.grad = None` for freeze_prototypes_niters) and are
// L2-normalised after every step (the reference does it before each step: the same sequence).
//
// The pseudo-label task (what HEXA's generators see): a view of image i is scored against the code the
// query (views[0]) is trained toward, its image's code q_1[i] from the other large view: soft
// cross-entropy, own label = the code's arg-max prototype. Cut-mixed views predict λ·q_1[i] +
// (1 − λ)·q_1[partner]. Before the tape (the adversarial attack) the codes come from an inference-mode
// pass of the second large view; once clean() has run, from its (training-mode) scores, as SwAV does.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import { detach } from '../evaluation/detach';
import { sinkhornCodes } from '../losses/sinkhorn';
import { softCrossEntropyPerSample } from '../losses/softCrossEntropy';
import { createEncoder, l2n, type Encoder } from '../nn/encoder';
import { newVariable, type ForwardMode } from '../nn/layers';
import type { Rng } from '../runtime/random';
import { scoreFromLogits } from './scoring';
import type { BaseMethod, CleanLoss, PseudoLabelTask, StepInput, ViewScore, ViewSpec } from './types';

/** The settings one step of SwAV reads (live: they may change between steps). */
export interface SwavStepSettings {
  tau: number; // softmax temperature
  epsilon: number; // Sinkhorn ε
  iterations: number; // Sinkhorn rounds
}

/**
 * Codes [B, K] of a batch's scores [B, K] with an optional queue of past embeddings [Q, d] (Q ≥ 0):
 * Sinkhorn runs over the queue's scores against the same prototypes and the batch together, and the
 * batch's rows are returned (the reference's `torch.cat((queue @ Cᵀ, out))`, then `[-bs:]`).
 */
export function queuedCodes(
  scores: tf.Tensor2D,
  queue: tf.Tensor2D | null,
  prototypes: tf.Tensor2D,
  s: SwavStepSettings,
): tf.Tensor2D {
  return tf.tidy(() => {
    if (!queue) return sinkhornCodes(scores, s.epsilon, s.iterations);
    const all = tf.concat([tf.matMul(queue, prototypes, false, true), scores], 0) as tf.Tensor2D;
    const q = sinkhornCodes(all, s.epsilon, s.iterations);
    return tf.slice(q, [queue.shape[0], 0], [scores.shape[0], -1]);
  });
}

/**
 * A view scored against soft codes: logits [B, K] (s/τ), codes [B, K] (rows sum to 1). Loss: soft
 * cross-entropy; own label: the code's arg-max prototype (its logit, rank and the view's arg-max).
 */
export function scoreAgainstCodes(
  logits: tf.Tensor2D,
  codes: tf.Tensor2D,
  features: tf.Tensor2D,
  embedding: tf.Tensor2D,
): ViewScore {
  const own = tf.argMax(codes, 1) as tf.Tensor1D;
  return {
    ...scoreFromLogits(logits, own, features, embedding),
    loss: softCrossEntropyPerSample(logits, codes),
  };
}

/**
 * Swapped-prediction per-sample losses: scores V × [B, K] (views 0 and 1 large), codes of views 0 and 1
 * [B, K] → the concatenation of CE(s_v/τ, q_i) for i ∈ {0, 1}, v ≠ i, in that order ([2·(V−1)·B]). Their
 * mean is swappedPredictionLoss(scores, codes, τ).
 */
export function swappedPerSample(
  scores: tf.Tensor2D[],
  codes: [tf.Tensor2D, tf.Tensor2D],
  tau: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const parts: tf.Tensor1D[] = [];
    codes.forEach((q, i) =>
      scores.forEach((s, v) => {
        if (v !== i) parts.push(softCrossEntropyPerSample(tf.div(s, tau) as tf.Tensor2D, q));
      }),
    );
    return tf.concat(parts);
  });
}

/** A batch's SwAV task: its views, the prototypes (or their frozen copy) and its codes. */
export class SwavTask implements PseudoLabelTask {
  /** Codes of the two large views [B, K] from the clean forward (null before clean()). */
  private cleanCodes: [tf.Tensor2D, tf.Tensor2D] | null = null;
  /** The image codes for what runs before the tape (inference-mode pass of views[1]), made on demand. */
  private earlyCodes: tf.Tensor2D | null = null;
  private own: tf.Tensor1D | null = null;
  /** The clean pass's unit embeddings of the two large views [B, d] (detached), for the queue. */
  embeddings: [tf.Tensor2D, tf.Tensor2D] | null = null;

  constructor(
    private readonly encoder: Encoder,
    /** The prototypes [K, d]: the variable, or a constant copy while they are frozen. */
    private readonly prototypes: tf.Tensor2D,
    readonly frozen: tf.Tensor2D | null, // the constant copy (owned), when frozen
    private readonly views: readonly tf.Tensor4D[], // [B, S_v, S_v, C] each (not owned)
    private readonly s: SwavStepSettings,
    /** Past embeddings of large view 0 and 1 [Q, d] each (not owned), or null: the batch alone. */
    private readonly queues: readonly [tf.Tensor2D, tf.Tensor2D] | null = null,
  ) {}

  /** The code each view of image i is scored against: q_1[i], the other large view's code [B, K]. */
  get codes(): tf.Tensor2D {
    if (this.cleanCodes) return this.cleanCodes[1];
    if (!this.earlyCodes) {
      this.earlyCodes = tf.keep(
        tf.tidy(() => {
          const z = this.encoder.embed(this.views[1]!, { training: false });
          return queuedCodes(this.scores(z), this.queues?.[1] ?? null, this.prototypes, this.s);
        }),
      );
    }
    return this.earlyCodes;
  }

  /** Own pseudo-label int32 [B]: the arg-max prototype of each image's code. */
  get ownLabel(): tf.Tensor1D {
    if (!this.own) this.own = tf.keep(tf.argMax(this.codes, 1) as tf.Tensor1D);
    return this.own;
  }

  /** Unit embeddings [B, d] → prototype scores z·Cᵀ [B, K]. */
  private scores(z: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(z, this.prototypes, false, true);
  }

  /** All views forward (inside the tape); codes of the two large views; the swapped-prediction loss. */
  clean(mode: ForwardMode): CleanLoss {
    const features = this.views.map((v) => this.encoder.features(v, mode));
    const z = features.map((f) => l2n(this.encoder.head.apply(f, mode)));
    const scores = z.map((e) => this.scores(e));
    const codes = [0, 1].map((i) =>
      tf.keep(queuedCodes(scores[i]!, this.queues?.[i] ?? null, this.prototypes, this.s)),
    ) as [tf.Tensor2D, tf.Tensor2D];
    this.resetCodes();
    this.cleanCodes = codes;
    this.embeddings = [tf.keep(detach(z[0]!)), tf.keep(detach(z[1]!))];
    const loss = swappedPerSample(scores, codes, this.s.tau);
    const query = scoreAgainstCodes(
      tf.div(scores[0]!, this.s.tau) as tf.Tensor2D,
      codes[1],
      features[0]!,
      z[0]!,
    );
    return { loss, query };
  }

  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore {
    const features = this.encoder.features(views, mode);
    const z = l2n(this.encoder.head.apply(features, mode));
    return scoreAgainstCodes(tf.div(this.scores(z), this.s.tau) as tf.Tensor2D, this.codes, features, z);
  }

  /** Soft cross-entropy against λ·q[i] + (1 − λ)·q[partner[i]] → [B]. */
  mixedLoss(views: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D, mode: ForwardMode): tf.Tensor1D {
    const z = this.encoder.embed(views, mode);
    const q = this.codes;
    const l = tf.expandDims(lambda, 1); // [B, 1]
    const target = tf.add(tf.mul(q, l), tf.mul(tf.gather(q, partner), tf.sub(1, l))) as tf.Tensor2D;
    return softCrossEntropyPerSample(tf.div(this.scores(z), this.s.tau) as tf.Tensor2D, target);
  }

  private resetCodes(): void {
    this.cleanCodes?.forEach((t) => t.dispose());
    this.earlyCodes?.dispose();
    this.own?.dispose();
    this.embeddings?.forEach((t) => t.dispose());
    this.embeddings = null;
    this.cleanCodes = null;
    this.earlyCodes = null;
    this.own = null;
  }

  dispose(): void {
    this.resetCodes();
    this.frozen?.dispose();
  }
}

export class Swav implements BaseMethod {
  readonly encoder: Encoder;
  /** K learnable prototypes [K, d], unit rows after every step. */
  readonly prototypes: tf.Variable<tf.Rank.R2>;
  /**
   * The code queue (swavQueueSize Q > 0): the last Q unit embeddings of large view 0 (rows 0 … Q − 1)
   * and of large view 1 (rows Q … 2Q − 1), newest first; zeros until filled. Null when Q is 0.
   */
  readonly queue: tf.Variable<tf.Rank.R2> | null;
  readonly queueSize: number;

  constructor(cfg: TrainConfig, channels: number, rng: Rng) {
    const k = cfg.swavPrototypes;
    if (!Number.isInteger(k) || k < 2) throw new Error(`SwAV: prototypes K must be ≥ 2 (got ${k}).`);
    this.encoder = createEncoder({ ...cfg, channels, head: cfg.headBn ? 'mlp-bn' : 'mlp' }, rng);
    this.prototypes = newVariable(
      () => l2n(tf.randomNormal([k, cfg.embedDim], 0, 1, 'float32', rng.seed())),
      true,
      'prototypes',
    ) as tf.Variable<tf.Rank.R2>;
    const q = cfg.swavQueueSize ?? 0;
    if (!Number.isInteger(q) || q < 0) throw new Error(`SwAV: the queue size must be ≥ 0 (got ${q}).`);
    this.queueSize = q;
    this.queue =
      q > 0
        ? (newVariable(() => tf.zeros([2 * q, cfg.embedDim]), false, 'swavQueue') as tf.Variable<tf.Rank.R2>)
        : null;
  }

  /**
   * Whether the queue joins Sinkhorn at a step: once it is full, i.e. after ⌈Q / B⌉ steps (the
   * reference starts using it once its last row is filled).
   */
  queueReady(step: number, batch: number): boolean {
    return this.queue !== null && step * batch >= this.queueSize;
  }

  /** Two large views at the crop size, then V small ones (multi-crop). */
  views(cfg: TrainConfig): ViewSpec[] {
    const large: ViewSpec = { size: cfg.imageSize };
    const small: ViewSpec = { size: cfg.swavSmallSize, cropScaleMin: cfg.swavSmallScaleMin };
    return [large, large, ...Array.from({ length: cfg.swavSmallCrops }, () => small)];
  }

  /** The encoder's params, then the prototypes. */
  params(): tf.Variable[] {
    return [...this.encoder.params, this.prototypes];
  }

  stateVariables(): tf.Variable[] {
    return [
      ...this.encoder.params,
      ...this.encoder.state,
      this.prototypes,
      ...(this.queue ? [this.queue] : []),
    ];
  }

  /** Whether the prototypes get no gradient in this epoch (the first swavFreezeEpochs epochs). */
  static frozenAt(epoch: number, cfg: TrainConfig): boolean {
    return epoch < cfg.swavFreezeEpochs;
  }

  beginStep(input: StepInput, cfg: TrainConfig): SwavTask {
    if (input.views.length < 2) throw new Error(`SwAV: needs two large views, got ${input.views.length}.`);
    // While frozen, the task scores against a copy made outside the tape: the prototypes then take no
    // part in the loss, get no gradient, and SGD leaves them (and their momentum) alone.
    const frozen = Swav.frozenAt(input.epoch, cfg) ? tf.keep(tf.clone(this.prototypes)) : null;
    const b = input.views[0]!.shape[0];
    const q = this.queueSize;
    const queues =
      this.queue && this.queueReady(input.step, b)
        ? ([0, 1].map((i) => tf.slice(this.queue! as tf.Tensor2D, [i * q, 0], [q, -1])) as [
            tf.Tensor2D,
            tf.Tensor2D,
          ])
        : null;
    return new SwavTask(
      this.encoder,
      frozen ?? this.prototypes,
      frozen,
      input.views,
      { tau: cfg.swavTemperature, epsilon: cfg.swavEpsilon, iterations: cfg.swavSinkhornIters },
      queues,
    );
  }

  /**
   * After the optimiser step: the large views' embeddings of the step enter the queue (newest first,
   * the oldest B dropped), then the prototypes go back to unit rows (frozen ones did not move: left bit
   * for bit).
   */
  endStep(task: PseudoLabelTask): void {
    if (this.queue && task instanceof SwavTask && task.embeddings) this.enqueue(task.embeddings);
    if (task instanceof SwavTask && task.frozen) return;
    tf.tidy(() => this.prototypes.assign(l2n(this.prototypes)));
  }

  private enqueue(z: readonly [tf.Tensor2D, tf.Tensor2D]): void {
    const q = this.queueSize;
    const queue = this.queue!;
    tf.tidy(() => {
      const parts = [0, 1].map((i) => {
        const b = Math.min(z[i]!.shape[0], q);
        const fresh = tf.slice(z[i]!, [0, 0], [b, -1]);
        const kept = tf.slice(queue, [i * q, 0], [q - b, -1]);
        return tf.concat([fresh, kept], 0);
      });
      queue.assign(tf.concat(parts, 0) as tf.Tensor2D);
    });
  }

  dispose(): void {
    this.encoder.dispose();
    this.prototypes.dispose();
    this.queue?.dispose();
  }
}

// MoCo-v2 as a base method: momentum key encoder, queue of clean keys, InfoNCE with temperature,
// shuffled split-BatchNorm for keys (and split-BN for queries). See docs/DESIGN-NOTES.md, "MoCo-v2".
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import { mocoLogits } from '../losses/infoNce';
import { mixedSoftCrossEntropy } from '../losses/softCrossEntropy';
import { cloneEncoder, createEncoder, l2n, momentumUpdate, type Encoder } from '../nn/encoder';
import { newVariable, type ForwardMode } from '../nn/layers';
import type { Rng } from '../runtime/random';
import type { BaseMethod, EncodedViews, PseudoLabelTask, StepInput, ViewScore } from './types';
import { scoreFromLogits } from './scoring';

/** A FIFO of K L2-normalised keys [K, d]; newest first. */
export class KeyQueue {
  readonly keys: tf.Variable<tf.Rank.R2>;

  constructor(
    readonly size: number,
    dim: number,
    seed: number,
  ) {
    this.keys = newVariable(
      () => l2n(tf.randomNormal([size, dim], 0, 1, 'float32', seed)),
      false,
      'queue',
    ) as tf.Variable<tf.Rank.R2>;
  }

  /** Puts the batch's clean keys k [B, d] in front and drops the B oldest. */
  enqueue(k: tf.Tensor2D): void {
    tf.tidy(() => {
      const keep = tf.slice(this.keys, [0, 0], [this.size - k.shape[0], -1]);
      this.keys.assign(tf.concat([k, keep], 0));
    });
  }

  dispose(): void {
    this.keys.dispose();
  }
}

/** Shuffled split-BN keys: shuffle, normalise in G sub-batches, unshuffle. xk [B, S, S, C] → [B, d]. */
export function shuffledKeys(keyEncoder: Encoder, xk: tf.Tensor4D, groups: number, rng: Rng): tf.Tensor2D {
  return tf.tidy(() => {
    const perm = rng.permutation(xk.shape[0]);
    const inverse = new Int32Array(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    const shuffled = tf.gather(xk, tf.tensor1d(perm, 'int32'));
    const k = keyEncoder.embed(shuffled, { training: true, bnGroups: groups });
    return tf.gather(k, tf.tensor1d(inverse, 'int32'));
  });
}

/** MoCo's task keeps the batch's clean keys for endStep's enqueue. */
type MocoTask = PseudoLabelTask & { keys: tf.Tensor2D };

export class MocoV2 implements BaseMethod {
  readonly encoder: Encoder;
  readonly keyEncoder: Encoder;
  readonly queue: KeyQueue;

  constructor(cfg: TrainConfig, channels: number, rng: Rng) {
    const spec = { ...cfg, channels, head: cfg.headBn ? ('mlp-bn' as const) : ('mlp' as const) };
    this.encoder = createEncoder(spec, rng);
    this.keyEncoder = cloneEncoder(this.encoder, rng);
    this.queue = new KeyQueue(cfg.queueSize, cfg.embedDim, rng.seed());
  }

  params(): tf.Variable[] {
    return this.encoder.params;
  }

  stateVariables(): tf.Variable[] {
    const [q, k] = [this.encoder, this.keyEncoder];
    return [...q.params, ...q.state, ...k.params, ...k.state, this.queue.keys];
  }

  beginStep(input: StepInput, cfg: TrainConfig): PseudoLabelTask {
    const [xq, xk] = input.views as [tf.Tensor4D, tf.Tensor4D];
    momentumUpdate(this.encoder.params, this.keyEncoder.params, cfg.keyMomentum);
    const k = tf.keep(shuffledKeys(this.keyEncoder, xk, cfg.bnGroups, input.rng)); // [B, d], constant
    const b = k.shape[0];
    const own = tf.keep(tf.range(0, b, 1, 'int32') as tf.Tensor1D);
    const zero = tf.keep(tf.zerosLike(own)); // the positive key's column, made once for every scored view
    const queue = this.queue.keys;
    const tau = cfg.temperature;
    const encoder = this.encoder;
    const encode = (views: tf.Tensor4D, mode: ForwardMode): EncodedViews => {
      const features = encoder.features(views, mode);
      return { features, embedding: l2n(encoder.head.apply(features, mode)) };
    };
    const scoreEncoded = ({ features, embedding: q }: EncodedViews): ViewScore =>
      scoreFromLogits(mocoLogits(q, k, queue, tau), zero, features, q);
    const mixedLossEncoded = (
      { embedding: q }: EncodedViews,
      partner: tf.Tensor1D,
      lambda: tf.Tensor1D,
    ): tf.Tensor1D => {
      const logits = tf.div(tf.matMul(q, tf.concat([k, queue], 0), false, true), tau) as tf.Tensor2D; // [B, B+K]
      return mixedSoftCrossEntropy(logits, own, partner, lambda); // targets over the B + K columns
    };
    const task: MocoTask = {
      ownLabel: own,
      keys: k,
      clean(mode) {
        const query = task.score(xq, mode);
        return { loss: query.loss, query };
      },
      // score and mixedLoss are the encoder pass (encode) and the row-wise rest (…Encoded): trainStep
      // may run one pass over several generators' views and hand each generator its rows.
      encode,
      scoreEncoded,
      mixedLossEncoded,
      score: (views, mode) => scoreEncoded(encode(views, mode)),
      mixedLoss: (views, partner, lambda, mode) => mixedLossEncoded(encode(views, mode), partner, lambda),
      dispose() {
        k.dispose();
        own.dispose();
        zero.dispose();
      },
    };
    return task;
  }

  endStep(task: PseudoLabelTask): void {
    this.queue.enqueue((task as MocoTask).keys);
  }

  dispose(): void {
    this.encoder.dispose();
    this.keyEncoder.dispose();
    this.queue.dispose();
  }
}

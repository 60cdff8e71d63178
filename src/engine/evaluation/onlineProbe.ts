// Online linear probe (as solo-learn does): a softmax classifier trained on detached backbone
// features of labelled batches while the backbone pre-trains; its batch accuracy is charted live.
import * as tf from '@tensorflow/tfjs';
import { fusedCrossEntropyScore } from '../runtime/kernels/crossEntropy';
import { ownKernelsActive, sgdUpdate } from '../runtime/kernels/fused';
import { Rng } from '../runtime/random';
import { detach } from './detach';

export interface OnlineProbeOptions {
  lr?: number; // SGD learning rate, default 0.1
  momentum?: number; // default 0.9
  seed: number;
}

export interface ProbeWeights {
  W: Float32Array; // [F, K], row-major
  b: Float32Array; // [K]
}

export class OnlineProbe {
  readonly featureDim: number;
  readonly numClasses: number;
  private readonly lr: number;
  private readonly momentum: number;
  // Own momentum SGD (v ← μv + g; w ← w − lr·v): tf.train.momentum leaks a scalar on dispose in tfjs 4.22.
  private readonly vars: { W: tf.Variable; b: tf.Variable }; // W [F, K], b [K]
  private readonly velocity: { W: tf.Variable; b: tf.Variable }; // same shapes
  private disposed = false;

  constructor(featureDim: number, numClasses: number, opts: OnlineProbeOptions) {
    if (featureDim < 1 || numClasses < 2) throw new Error('OnlineProbe: need featureDim ≥ 1, numClasses ≥ 2');
    this.featureDim = featureDim;
    this.numClasses = numClasses;
    this.lr = opts.lr ?? 0.1;
    this.momentum = opts.momentum ?? 0.9;
    const seed = new Rng(opts.seed).seed();
    // tf.variable keeps its initial tensor alive: create inside tidy so only the variables remain.
    this.vars = tf.tidy(() => ({
      W: tf.variable(tf.randomNormal([featureDim, numClasses], 0, 0.01, 'float32', seed)),
      b: tf.variable(tf.zeros([numClasses])),
    }));
    this.velocity = tf.tidy(() => ({
      W: tf.variable(tf.zeros([featureDim, numClasses]), false),
      b: tf.variable(tf.zeros([numClasses]), false),
    }));
  }

  /** Class scores for features [B, F] → [B, K]. The caller disposes the result. */
  logits(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(features, this.vars.W), this.vars.b) as tf.Tensor2D);
  }

  /**
   * One SGD step on softmax cross-entropy. No gradient reaches `features` (they are detached and
   * only W, b are differentiated). Accuracy is measured before the update. The caller disposes both.
   */
  step(features: tf.Tensor2D, labels: tf.Tensor1D): { loss: tf.Scalar; accuracy: tf.Scalar } {
    this.assertLive();
    const [n, f] = features.shape;
    if (f !== this.featureDim || labels.shape[0] !== n) {
      throw new Error(`OnlineProbe.step: features [${n}, ${f}], labels [${labels.shape[0]}]`);
    }
    return tf.tidy(() => {
      const x = detach(features); // [B, F]
      const y = tf.cast(labels, 'int32'); // [B]
      if (ownKernelsActive()) return this.fusedStep(x, y);
      const accuracy = tf.tidy(
        () => tf.mean(tf.cast(tf.equal(tf.argMax(this.logits(x), 1), y), 'float32')) as tf.Scalar,
      );
      const target = tf.oneHot(y, this.numClasses); // [B, K]
      const { W, b } = this.vars;
      const { value: loss, grads } = tf.variableGrads(() => {
        const logp = tf.logSoftmax(this.logits(x)); // [B, K]
        return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar;
      }, [W, b]);
      const keys = ['W', 'b'] as const;
      sgdUpdate(
        keys.map((k) => this.vars[k]),
        keys.map((k) => grads[this.vars[k].name]),
        keys.map((k) => this.velocity[k]),
        this.lr,
        this.momentum,
        0,
      );
      return { loss, accuracy };
    });
  }

  /**
   * step() on WebGPU with the fused cross-entropy (runtime/kernels/crossEntropy.ts): one forward of
   * the logits gives the loss and the arg-max (the accuracy, before the update as on the reference
   * path), and one kernel the logits' gradient; the same values within float32 rounding.
   */
  private fusedStep(x: tf.Tensor2D, y: tf.Tensor1D): { loss: tf.Scalar; accuracy: tf.Scalar } {
    let accuracy: tf.Scalar | null = null;
    const { W, b } = this.vars;
    const { value: loss, grads } = tf.variableGrads(() => {
      const s = fusedCrossEntropyScore(this.logits(x), y);
      accuracy = tf.keep(tf.mean(tf.cast(tf.equal(s.argmax, y), 'float32')) as tf.Scalar);
      return tf.mean(s.loss) as tf.Scalar;
    }, [W, b]);
    const keys = ['W', 'b'] as const;
    sgdUpdate(
      keys.map((k) => this.vars[k]),
      keys.map((k) => grads[this.vars[k].name]),
      keys.map((k) => this.velocity[k]),
      this.lr,
      this.momentum,
      0,
    );
    return { loss, accuracy: accuracy as unknown as tf.Scalar };
  }

  /** A copy of the weights for checkpoints (one device read). */
  async getWeights(): Promise<ProbeWeights> {
    this.assertLive();
    const flat = tf.tidy(() => tf.concat([tf.reshape(this.vars.W, [-1]), this.vars.b])); // [F·K + K]
    try {
      const data = (await flat.data()) as Float32Array;
      const n = this.featureDim * this.numClasses;
      return { W: data.slice(0, n), b: data.slice(n) };
    } finally {
      flat.dispose();
    }
  }

  /** Restores weights from a checkpoint and resets the momentum buffers. */
  setWeights(weights: ProbeWeights): void {
    this.assertLive();
    const n = this.featureDim * this.numClasses;
    if (weights.W.length !== n || weights.b.length !== this.numClasses) {
      throw new Error(`OnlineProbe.setWeights: expected W[${n}], b[${this.numClasses}]`);
    }
    tf.tidy(() => {
      this.vars.W.assign(tf.tensor2d(weights.W, [this.featureDim, this.numClasses]));
      this.vars.b.assign(tf.tensor1d(weights.b));
      this.velocity.W.assign(tf.zerosLike(this.velocity.W));
      this.velocity.b.assign(tf.zerosLike(this.velocity.b));
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([this.vars.W, this.vars.b, this.velocity.W, this.velocity.b]);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('OnlineProbe: used after dispose()');
  }
}

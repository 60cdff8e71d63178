// The contract between SSL base methods, hard-example generators and the training step.
// A base method turns each batch into a PseudoLabelTask: how to score any view against that view's
// own pseudo-label (MoCo: its positive key among the queue; DeepCluster: its assigned cluster).
// Hard-example generators only ever talk to the task, so HEXA = base method + generators.
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { MethodInfo } from '../../shared/catalog';
import type { ChunkSource } from '../../shared/data/types';
import type { ForwardMode } from '../nn/layers';
import type { Encoder } from '../nn/encoder';
import type { Rng } from '../runtime/random';
import type { ClusterStats } from '../../shared/trainingTypes';
import type { LabelKind } from '../../shared/trainingTypes';

/** A view scored against its own pseudo-label. */
export interface ViewScore {
  loss: tf.Tensor1D; // [B] per-sample pretext loss
  ownLogit: tf.Tensor1D; // [B] logit of the own pseudo-label (positive key / assigned cluster)
  rank: tf.Tensor1D; // [B] how many other labels score higher (0 = still the arg-max)
  argmax: tf.Tensor1D; // [B] int32 index of the highest-scoring label
  features: tf.Tensor2D; // [B, F] backbone features (for the online probe)
  embedding: tf.Tensor2D; // [B, d] L2-normalised embedding (for the collapse monitor)
}

export interface PseudoLabelTask {
  /** Scores views [B, H, W, C] against the batch's own pseudo-labels. */
  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore;
  /** Per-sample soft cross-entropy of mixed views against λ·own + (1−λ)·partner pseudo-labels → [B]. */
  mixedLoss(views: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D, mode: ForwardMode): tf.Tensor1D;
  /** Names the pseudo-label space for panels: 'key' (MoCo) or 'cluster' (DeepCluster). */
  labelKind: LabelKind;
  /** Own pseudo-label index per sample, int32 [B] (MoCo: the batch position; DeepCluster: cluster). */
  ownLabel: tf.Tensor1D;
  /**
   * Optional: per-sample losses [B] of the batch's other clean views (DeepCluster-v2: the second view
   * xk). The step calls it once, inside the gradient tape, right after score(xq) with that clean score;
   * L_clean is then the mean over all clean views. The only place a method sees the step's clean
   * embeddings (e.g. for a memory bank): score() also runs on hard views, this never does.
   */
  extraCleanLoss?(clean: ViewScore, mode: ForwardMode): tf.Tensor1D;
  dispose(): void;
}

export interface StepInput {
  xq: tf.Tensor4D; // [B, S, S, C] first augmented view (queries)
  xk: tf.Tensor4D; // [B, S, S, C] second augmented view (keys)
  indices: Int32Array; // dataset indices of the batch
  rng: Rng;
}

/** What a method may need once before training (DeepCluster-v2: a no-grad pass fills its memory bank). */
export interface PrepareContext {
  source: ChunkSource; // the train split is read from here
  count: number; // train images in use: dataset indices 0 … count − 1
  cfg: TrainConfig;
  rng: Rng;
  /** The trainer's augmentation: raw images [B, H, W, C] in [0, 1] → two views [B, S, S, C]. */
  augment(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D];
  /** Called now and then with the images done of `count` (the page shows a progress bar). */
  onProgress?(done: number, total: number): void;
}

/** A base SSL method: owns its encoders and state (queue, prototypes, memory bank). */
export interface BaseMethod {
  readonly encoder: Encoder; // the online encoder; its backbone is what the probes evaluate
  /** Trainable variables, in a fixed order (optimiser state follows it). */
  params(): tf.Variable[];
  /** Before the loss: momentum update, keys, etc. Returns the batch's pseudo-label task. */
  beginStep(input: StepInput, cfg: TrainConfig): PseudoLabelTask;
  /** After the optimiser step: e.g. enqueue the clean keys. */
  endStep(task: PseudoLabelTask): void;
  /** Called once before the first epoch, with the data (DeepCluster fills its memory bank here). */
  prepare?(ctx: PrepareContext): Promise<void>;
  /** Clustering methods: statistics of the latest re-clustering. */
  clusterStats?(): ClusterStats | null;
  /** Clustering methods: cluster of every dataset index for a head (null before the first clustering). */
  assignments?(head?: number): Int32Array | null;
  /** Called before each epoch's first step (DeepCluster re-clusters here). */
  onEpochStart?(epoch: number): Promise<void>;
  /**
   * Checkpoints: every variable that must be saved to resume bit for bit (encoder params and BN
   * statistics, key encoder, queue, prototypes, memory bank), in a fixed order. Without it, a
   * checkpoint holds the encoder's params and state only.
   */
  stateVariables?(): tf.Variable[];
  /** Checkpoints: plain-JS state beyond the variables (structured-clone-able: numbers, typed arrays …). */
  extraState?(): unknown;
  /**
   * Restores extraState()'s value. Called before the variables are assigned: it may have to create
   * variables so that stateVariables() then has the saved shapes (DeepCluster: the memory bank).
   */
  restoreExtraState?(state: unknown): void;
  /** Summary numbers beyond the losses (e.g. queue fill), read back with the metrics. */
  dispose(): void;
}

/** What a hard-example generator made for one batch. Tensors are owned by it until dispose(). */
export interface HardExamples {
  kind: 'adversarial' | 'cutmix';
  weight: number;
  /** Called inside the gradient tape: per-sample loss [B] of the hard views, plus their scores. */
  loss(task: PseudoLabelTask, mode: ForwardMode): { loss: tf.Tensor1D; score?: ViewScore };
  view: tf.Tensor4D; // [B, S, S, C] the hard views
  extras: Record<string, tf.Tensor>; // what the panels show: perturbation, mask, partner, λ …
  dispose(): void;
}

export interface HardExampleGenerator {
  kind: 'adversarial' | 'cutmix';
  enabled(cfg: TrainConfig): boolean;
  generate(task: PseudoLabelTask, xq: tf.Tensor4D, cfg: TrainConfig, rng: Rng): HardExamples;
}

export interface MethodDefinition extends MethodInfo {
  createBase(cfg: TrainConfig, channels: number, rng: Rng): BaseMethod;
  generators: HardExampleGenerator[];
}

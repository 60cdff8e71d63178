// The contract between SSL base methods, hard-example generators and the training step.
// A base method turns each batch into a PseudoLabelTask: how to score any view against that view's
// own pseudo-label (MoCo: its positive key among the queue; DeepCluster: its assigned cluster).
// Hard-example generators only ever talk to the task, so HEXA = base method + generators.
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { GeneratorId, MethodDescriptor } from '../../shared/catalog';
import type { ChunkSource } from '../../shared/data/types';
import type { ForwardMode } from '../nn/layers';
import type { Encoder } from '../nn/encoder';
import type { Rng } from '../runtime/random';
import type { ClusterStats } from '../../shared/trainingTypes';
import type { PreviewImage } from '../../shared/trainingTypes';
import type { ReadValues } from '../training/readback';

/** A view scored against its own pseudo-label. */
export interface ViewScore {
  loss: tf.Tensor1D; // [B] per-sample pretext loss
  ownLogit: tf.Tensor1D; // [B] logit of the own pseudo-label (positive key / assigned cluster)
  rank: tf.Tensor1D; // [B] how many other labels score higher (0 = still the arg-max)
  argmax: tf.Tensor1D; // [B] int32 index of the highest-scoring label
  features: tf.Tensor2D; // [B, F] backbone features (for the online probe)
  embedding: tf.Tensor2D; // [B, d] L2-normalised embedding (for the collapse monitor)
}

/**
 * Views after the encoder (one pass): what a task's score() and mixedLoss() compute the rest from.
 * Row i of each tensor is view i, so the rows of a pass over several stacked batches split by batch.
 */
export interface EncodedViews {
  features: tf.Tensor2D; // [N, F] backbone features
  embedding: tf.Tensor2D; // [N, d] the encoder's L2-normalised embedding
}

/** The batch's clean loss, computed inside the gradient tape (see PseudoLabelTask.clean). */
export interface CleanLoss {
  /** Per-sample losses of every clean view that enters L_clean, concatenated; L_clean is their mean. */
  loss: tf.Tensor1D;
  /** The query view's (views[0]) score: metrics, the online probe, the gallery. */
  query: ViewScore;
}

export interface PseudoLabelTask {
  /**
   * Called once per step, inside the gradient tape, before any hard view is scored: the clean loss of
   * the batch's views. Targets computed here are differentiable (SimCLR's other view, a predictor's
   * target without stop-gradient); the task may keep them for the score() and mixedLoss() calls that
   * follow in the same tape. Targets made in beginStep are constants (stop-gradient). The only place a
   * method sees the step's clean embeddings (e.g. for a memory bank): score() also runs on hard views.
   */
  clean(mode: ForwardMode): CleanLoss;
  /**
   * Scores views [B, H, W, C] against the batch's own pseudo-labels (capability 'score'). Hard-example
   * generators call it before the tape (the adversarial attack, in inference mode) and inside it.
   */
  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore;
  /**
   * Capability 'mixed-target': per-sample soft cross-entropy of mixed views against
   * λ·own + (1−λ)·partner pseudo-labels → [B]. A task without it cannot take cut-mixed views.
   */
  mixedLoss?(views: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D, mode: ForwardMode): tf.Tensor1D;
  /**
   * Capability 'shared pass' (optional, with scoreEncoded and mixedLossEncoded): score() and
   * mixedLoss() split into the encoder pass and what follows it, so that the hard views of several
   * generators go through the encoder as one stacked batch (trainStep; mode.bnSegments keeps each
   * batch's BatchNorm statistics its own). score(v, mode) must equal scoreEncoded(encode(v, mode)),
   * mixedLoss(v, …, mode) mixedLossEncoded(encode(v, mode), …). Only row-wise work may follow the
   * encoder: a row of the output may depend on its own row of `encoded` and the task's targets only.
   */
  encode?(views: tf.Tensor4D, mode: ForwardMode): EncodedViews;
  /** score() from encode()'s output, [B] rows of it (see encode). */
  scoreEncoded?(encoded: EncodedViews): ViewScore;
  /** mixedLoss() from encode()'s output, [B] rows of it (see encode). */
  mixedLossEncoded?(encoded: EncodedViews, partner: tf.Tensor1D, lambda: tf.Tensor1D): tf.Tensor1D;
  /** Own pseudo-label index per sample, int32 [B] (MoCo: the batch position; DeepCluster: cluster). */
  ownLabel: tf.Tensor1D;
  dispose(): void;
}

/** One augmented view a method asks for: its side in pixels (multi-crop: large and small views). */
export interface ViewSpec {
  size: number;
  /** Smallest crop area as a share of the image; the config's cropScaleMin when absent. */
  cropScaleMin?: number;
}

export interface StepInput {
  /**
   * The augmented views, one per ViewSpec of BaseMethod.views (two at the crop size by default), each
   * [B, S_v, S_v, C]. views[0] is the query: the view hard-example generators start from.
   */
  views: tf.Tensor4D[];
  indices: Int32Array; // dataset indices of the batch
  rng: Rng;
  step: number; // steps done before this one (0 at the first step)
  /** Steps of the whole run (the trainer always gives it; schedules over training read it, e.g. BYOL's τ). */
  totalSteps?: number;
  epoch: number; // the batch's epoch (0-based)
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
  /**
   * Learning-rate multipliers, one per variable of params() in its order (BYOL: a faster predictor).
   * Read at every step, so they may follow live settings. Without it every variable steps at the lr.
   */
  lrScales?(cfg: TrainConfig): number[];
  /**
   * The views it wants per image, in order (views[0] is the query). Default: two at cfg.imageSize.
   * Read at every step, so it may depend on live settings.
   */
  views?(cfg: TrainConfig): ViewSpec[];
  /**
   * Before the gradient tape: momentum updates, constant (stop-gradient) targets, assignments. Returns
   * the batch's pseudo-label task; its clean() then runs inside the tape.
   */
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

/** A view's score with every tensor kept (it outlives the tape); what generators read for metrics. */
export type DetachedScore = Omit<ViewScore, 'loss'>;

/** What a generator's metrics() and previews() see after the optimiser step. */
export interface HardReport {
  clean: DetachedScore; // the clean query's score
  hard: DetachedScore | null; // the hard views' score, when loss() returned one
  query: tf.Tensor4D; // the clean query views [B, S, S, C]
}

/** What a hard-example generator made for one batch. Tensors are owned by it until dispose(). */
export interface HardExamples {
  weight: number;
  /** Called inside the gradient tape, after task.clean(): per-sample loss [B] of the hard views, plus their scores. */
  loss(task: PseudoLabelTask, mode: ForwardMode): { loss: tf.Tensor1D; score?: ViewScore };
  /**
   * Optional: loss() from this generator's rows of an encoder pass that its views share with other
   * generators' (task.encode over the hard views stacked; see trainStep). Same values as loss(), without
   * its own pass. A generator sets it only when the task has what it needs (scoreEncoded, …).
   */
  lossEncoded?(task: PseudoLabelTask, encoded: EncodedViews): { loss: tf.Tensor1D; score?: ViewScore };
  view: tf.Tensor4D; // [B, S, S, C] the hard views
  /** Its metric scalars beyond its loss term (the GeneratorDescriptor's metrics), e.g. the flip rate. Called inside the step's tidy. */
  metrics(r: HardReport): Record<string, tf.Scalar>;
  /** Its preview tensors for the first n samples (read back with the others; see readPreview). Inside the step's tidy. */
  previews(r: HardReport, n: number): Record<string, tf.Tensor>;
  dispose(): void;
}

/** What a generator's readPreview gets beside its own values. */
export interface PreviewContext {
  cfg: TrainConfig; // the settings the step was made with
  query: PreviewImage[]; // the shown clean query views
  ownLabels: number[]; // the batch's own pseudo-labels [B]
}

/**
 * A hard-example generator. Its tf-free descriptor (GENERATOR_INFO in src/shared/catalog.ts: settings,
 * metrics, what it needs of a task) has the same id; the registry pairs them.
 */
export interface HardExampleGenerator<P = unknown> {
  id: GeneratorId;
  enabled(cfg: TrainConfig): boolean;
  /** Before the gradient tape: the hard views from the query views [B, S, S, C]. */
  generate(task: PseudoLabelTask, query: tf.Tensor4D, cfg: TrainConfig, rng: Rng): HardExamples;
  /** Its panel's data from the read-back values of its previews() (keys as it named them), with their shapes. */
  readPreview(values: Record<string, ReadValues>, shapes: Record<string, number[]>, ctx: PreviewContext): P;
}

/** A method's engine half: how to build its base method (its descriptor says the rest). */
export interface MethodImplementation {
  createBase(cfg: TrainConfig, channels: number, rng: Rng): BaseMethod;
}

/** A method as the trainer uses it: its descriptor, its base method's factory and its generators. */
export interface MethodDefinition extends MethodDescriptor, MethodImplementation {
  generatorImpls: HardExampleGenerator[];
}

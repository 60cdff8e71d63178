// What training reports to the page: metric and evaluation points, previews, snapshots, baselines.
// Plain data (typed arrays at most), tf-free: the worker posts them and the page draws them.

/**
 * What a view's pseudo-label is: the positive key (instance discrimination), a cluster (k-means), a
 * learnt prototype (SwAV: the prototype its image's Sinkhorn code weighs most), or a regression target
 * (BYOL, LeJEPA: no label at all; the "own label" is the view's own target, the other view's embedding,
 * and rank/arg-max are a retrieval check of the prediction among the batch's targets).
 */
export type LabelKind = 'key' | 'cluster' | 'prototype' | 'target';

export interface MetricsPoint {
  step: number; // steps done
  epoch: number; // fractional epochs done
  totalSteps: number;
  lr: number;
  values: Record<string, number>; // means over the steps since the last read-back
  imagesPerSec: number; // since the last read-back
  elapsedMs: number; // training time, pauses excluded
  numTensors: number; // tf.memory().numTensors after the read-back
}

export interface EvalPoint {
  step: number;
  epoch: number;
  linearTop1: number; // frozen-feature linear probe on the held-out split
  knnTop1: number;
  /** Held-out images scored (for the 95 % interval, wilsonInterval); absent in older records. */
  testCount?: number;
  perClass: number[];
  confusion: number[][];
}

export type TrainerPhase = 'preparing' | 'training' | 'evaluating' | 'paused' | 'done' | 'stopped';

/** How far a long phase is: `done` of `total` units (images), with what it is doing now. */
export interface PhaseProgress {
  done: number;
  total: number;
  stage: string;
}

/** A small image as 0–255 bytes, [h, w, c] row-major. */
export interface PreviewImage {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
}

export interface AdversarialPreview {
  clean: PreviewImage[];
  adversarial: PreviewImage[];
  /** δ per sample, [h, w, c] in pixel units (signed); `scale` is max |δ| over the shown samples. */
  perturbation: Float32Array[];
  scale: number;
  epsilon: number; // the budget, pixel units
  rankBefore: number[]; // rank of the own pseudo-label (0 = arg-max) on the clean view
  rankAfter: number[];
  logitBefore: number[];
  logitAfter: number[];
  ownLabel: number[]; // the own pseudo-label (DeepCluster: the assigned cluster)
  argmaxBefore: number[]; // the highest-scoring pseudo-label (a cluster, or a key column)
  argmaxAfter: number[];
}

export interface CutMixPreview {
  own: PreviewImage[];
  partner: PreviewImage[];
  mixed: PreviewImage[];
  masks: Uint8Array[]; // [h, w] 1 where the partner's pixels are
  lambda: number[]; // share of own pixels = weight on the own pseudo-label
  partnerIndex: number[]; // batch position j of the partner
  ownLabel: number[]; // own pseudo-label of each shown sample (MoCo: its batch position; DeepCluster: its cluster)
  partnerLabel: number[]; // the partner's pseudo-label
}

export interface MixupPreview {
  own: PreviewImage[];
  partner: PreviewImage[];
  mixed: PreviewImage[]; // λ·own + (1 − λ)·partner, pixel by pixel
  lambda: number[]; // the own image's share = weight on the own pseudo-label
  partnerIndex: number[]; // batch position j of the partner
  ownLabel: number[]; // own pseudo-label of each shown sample (as in CutMixPreview)
  partnerLabel: number[]; // the partner's pseudo-label
}

/** The batch's highest per-sample clean losses at this read-back (the hard-example gallery). */
export interface HardestPreview {
  images: PreviewImage[]; // the query views
  losses: number[];
  positions: number[]; // batch positions
  indices: number[]; // dataset indices (train split); -1 when unknown
}

/**
 * Each hard-example generator's panel data, by generator id (GENERATOR_IDS in catalog.ts; the engine's
 * generator registry is typed by this map, so a generator without its preview type does not compile).
 */
export interface GeneratorPreviews {
  adversarial: AdversarialPreview;
  cutmix: CutMixPreview;
  mixup: MixupPreview;
}

export interface PreviewSetBase {
  step: number;
  epoch: number;
  labelKind: LabelKind;
  views: { query: PreviewImage[]; key: PreviewImage[] };
  /** Dataset indices of the shown samples (views, adversarial, cut-mix rows), when known. */
  indices?: number[];
  hardest?: HardestPreview | null;
}

/** A read-back's previews: the common part and every generator's own (null when it did not run). */
export type PreviewSet = PreviewSetBase & { [K in keyof GeneratorPreviews]: GeneratorPreviews[K] | null };

export interface PreviewMeta {
  step: number;
  epoch: number;
  labelKind: LabelKind;
}

export interface ProbeScores {
  linearTop1: number;
  knnTop1: number;
}

export interface Baselines {
  randomInit: ProbeScores; // step-0 network, BN statistics recalibrated on the probe's train images
  pixels: ProbeScores; // raw pixels at the crop size
  trainCount: number; // kNN bank / linear-probe train images
  testCount: number; // held-out images scored
}

export interface EmbeddingSnapshot {
  step: number;
  epoch: number;
  split: 'train' | 'test'; // whose images the points are
  colourBy: 'label' | 'cluster';
  names: string[]; // name of each group (class name, or "cluster c")
  groups: number[]; // [N] group of each point
  pca: Float32Array; // [N * 2] x, y interleaved
  umap: Float32Array | null; // [N * 2]; null when not computed
}

/** After each re-clustering: statistics plus a strip of member images for the largest clusters. */
export interface ClusterSnapshot {
  step: number;
  stats: ClusterStats;
  members: { cluster: number; size: number; images: PreviewImage[] }[];
}

/** Nearest neighbours of a queried image among held-out images (the gallery's "click an item"). */
export interface NeighbourResult {
  split: 'test';
  reference: number; // images searched
  neighbours: { index: number; similarity: number; label: number | null; image: PreviewImage }[];
}

/** What the last re-clustering found, for the panels. */
export interface ClusterStats {
  epoch: number; // the epoch at whose start the clusters were made
  round: number; // re-clusterings so far (1 after the first)
  images: number; // N, memory-bank rows clustered
  clusters: number; // K per head
  empty: number[]; // per head: clusters without any image
  largestShare: number[]; // per head: size of the largest cluster / N
  sizes: number[]; // head 0: images per cluster [K]
  nmiLabels: number | null; // NMI(head-0 clusters, class labels); null for unlabelled data
  nmiPrevious: number | null; // NMI(head-0 clusters, head-0 clusters of the previous round)
}

export interface ClassThumbnails {
  label: number | null; // null: unlabelled data
  name: string;
  images: PreviewImage[];
}

/** The label fractions fine-tuning offers (the HEXA paper's Table 2: 1 %, 10 %, 100 % of the labels). */
export const FINETUNE_FRACTIONS = [0.01, 0.1, 1] as const;
export type FinetuneFraction = (typeof FINETUNE_FRACTIONS)[number];

/**
 * One fine-tuning evaluation (engine/evaluation/finetune.ts): the whole backbone plus a linear classifier
 * trained on a seeded, class-balanced `fraction` of the labelled train split, scored on the held-out
 * images. A run's trained network and its random init (the baseline) each give one point.
 */
export interface FinetunePoint {
  fraction: FinetuneFraction;
  top1: number; // held-out accuracy in [0, 1]
  top5?: number; // only with more than 5 classes
  fromRandomInit: boolean; // true: the run's step-0 network (same seed), the baseline
  trainCount: number; // labelled images fine-tuned on
  testCount: number; // held-out images scored
  step: number; // the run's step whose network was fine-tuned (0 for the random init)
  seed: number; // the subset's and order's seed
}

/** A fine-tuning's phases: reading the labelled subset, training, scoring the held-out images. */
export type FinetuneStage = 'reading' | 'training' | 'testing';

/** How far a fine-tuning is (FinetuneProgress of the engine, with what is being fine-tuned). */
export interface FinetuneProgressInfo {
  fraction: FinetuneFraction;
  fromRandomInit: boolean;
  stage: FinetuneStage;
  done: number;
  total: number;
  loss?: number; // the latest epoch's mean training loss
}

// Fine-tuning evaluation (the HEXA paper's second protocol, its Table 2): the whole backbone plus a
// linear classifier trained with labels on a seeded, class-balanced fraction (1 %, 10 %, 100 %) of the
// labelled train split, then top-1 (and top-5 with more than 5 classes) on the held-out images.
//
// Protocol, as implemented here (docs/LEARNING.md, "Fine-tuning"):
// - Labelled pool: the TRAIN SPLIT of the dataset (its first `poolSize` images when given, else all of
//   it), not the probe's smaller train pool. The subset is stratified: each class gives the same
//   fraction of its images (round(fraction · count_c), at least one), chosen by a seeded shuffle, so
//   1 % of MNIST's 60,000 digits is about 600 (54–67 a class) and 100 % is the whole split.
// - Held-out: the first `testSize` test images (the probes' held-out set).
// - Input: the whole image resized to the crop size, no augmentation (what the probes see).
// - Model: a copy of the source encoder's backbone (never the source itself; its projection head is
//   dropped) and a zero-initialised linear classifier on the pooled features; BatchNorm in training
//   mode during fine-tuning (its moving statistics follow the labelled images), inference mode for
//   the test.
// - Optimiser: SGD with momentum 0.9, weight decay 5e-4 on every parameter, cosine decay to 0 with no
//   warm-up; classifier lr 0.1, backbone lr 0.01 (a tenth: the backbone moves gently from its
//   pre-trained weights); batch 64, or half the images when there are fewer than 128 (drop-last);
//   epochs by fraction: 30 at ≤ 1 %, 10 at ≤ 10 %, 3 above, and at least 200 steps. The floor is for
//   small subsets: 1 % of the Tiny preset's 3,200 digits is 32 images, where 30 epochs of one step
//   left both networks near 30 % top-1 (seed 1: 30.1 vs 26.9), and 200 steps of 16 gave 53.8 vs 44.3
//   (measured: docs/LEARNING.md, "Fine-tuning").
// The random-init baseline is the same call on the run's step-0 network (same seed, same subset).
import * as tf from '@tensorflow/tfjs';
import { toFloatImages } from '../augment/augment';
import { chunkProblem, imageBytes } from '../../shared/data/chunkCheck';
import type { ChunkSource } from '../../shared/data/types';
import { readSubset } from '../data/sampler';
import { cloneEncoder, type Encoder } from '../nn/encoder';
import { newVariable } from '../nn/layers';
import { Rng } from '../runtime/random';
import { yieldToEvents } from '../runtime/yieldToEvents';
import { softCrossEntropyPerSample } from '../losses/softCrossEntropy';
import { cosineLr } from '../training/schedule';
import { Sgd } from '../training/sgd';
import type { FinetuneStage } from '../../shared/trainingTypes';

export const FINETUNE_DEFAULTS = {
  batchSize: 64,
  headLr: 0.1,
  backboneLr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
} as const;

/** Default epochs for a label fraction: 30 at ≤ 1 %, 10 at ≤ 10 %, 3 above (then FINETUNE_MIN_STEPS). */
export function defaultFinetuneEpochs(fraction: number): number {
  return fraction <= 0.01 ? 30 : fraction <= 0.1 ? 10 : 3;
}

/** The fewest steps a default schedule takes (more epochs over a small subset). */
export const FINETUNE_MIN_STEPS = 200;

/**
 * Batch size and epochs for `n` labelled images: the batch is `requested`, or half the images when
 * that is fewer (two steps an epoch at least; all of one image); the epochs are `epochs` when given,
 * else the fraction's default raised until the schedule has FINETUNE_MIN_STEPS steps.
 */
export function finetuneSchedule(
  n: number,
  fraction: number,
  requested: number = FINETUNE_DEFAULTS.batchSize,
  epochs?: number,
): { batch: number; stepsPerEpoch: number; epochs: number } {
  const batch = Math.max(1, Math.min(Math.floor(requested), Math.floor(n / 2)));
  const stepsPerEpoch = Math.floor(n / batch);
  const e =
    epochs ??
    Math.max(defaultFinetuneEpochs(fraction), Math.ceil(FINETUNE_MIN_STEPS / Math.max(1, stepsPerEpoch)));
  return { batch, stepsPerEpoch, epochs: e };
}

export type { FinetuneStage };

export interface FinetuneProgress {
  stage: FinetuneStage;
  done: number; // reading: chunks read; training: steps done; testing: images scored
  total: number;
  loss?: number; // training: the mean loss of the latest epoch (read back once an epoch)
}

export interface FinetuneOptions {
  fraction: number; // (0, 1]: share of each class of the labelled pool
  seed: number; // subset, order and nothing else (the weights come from the encoder)
  imageSize: number; // crop side the encoder sees
  testSize: number; // first N held-out (test) images scored
  poolSize?: number; // first N train images form the labelled pool; 0 or absent = the whole split
  epochs?: number; // default: finetuneSchedule's (the fraction's epochs, at least FINETUNE_MIN_STEPS steps)
  batchSize?: number;
  headLr?: number;
  backboneLr?: number;
  momentum?: number;
  weightDecay?: number;
  onProgress?: (p: FinetuneProgress) => void;
  /** Polled between steps; true ends the fine-tuning early with an error ('stopped'). */
  shouldStop?: () => boolean;
}

export interface FinetuneResult {
  fraction: number;
  top1: number; // in [0, 1]
  top5: number | null; // null with ≤ 5 classes
  trainCount: number; // labelled images fine-tuned on
  testCount: number;
  perClassTrain: number[]; // [K] labelled images per class
  epochs: number;
  steps: number;
}

/**
 * A stratified, seeded subset of `labels` (the pool): from each class c with n_c images,
 * max(1, round(fraction · n_c)) of them, drawn by a seeded shuffle. Returns pool indices, ascending.
 */
export function balancedSubset(
  labels: ArrayLike<number>,
  numClasses: number,
  fraction: number,
  seed: number,
): Int32Array {
  if (!(fraction > 0 && fraction <= 1))
    throw new Error(`fine-tuning: label fraction ${fraction} is not in (0, 1]`);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!(y >= 0 && y < numClasses)) throw new Error(`fine-tuning: label ${y} outside [0, ${numClasses})`);
    byClass[y]!.push(i);
  }
  const rng = new Rng(seed);
  const chosen: number[] = [];
  for (const members of byClass) {
    if (members.length === 0) continue;
    const take = Math.max(1, Math.round(fraction * members.length));
    const order = rng.permutation(members.length);
    for (let j = 0; j < take; j++) chosen.push(members[order[j]!]!);
  }
  return Int32Array.from(chosen).sort();
}

/**
 * Top-k accuracy of logits [N][K] against labels [N]. A row counts when fewer than k classes rank
 * above its true class; ties rank the lower class index first (as argMax does), so top-1 is argMax.
 */
export function topKAccuracy(
  logits: Float32Array,
  numClasses: number,
  labels: ArrayLike<number>,
  k: number,
): number {
  const n = labels.length;
  if (logits.length !== n * numClasses)
    throw new Error(`topKAccuracy: ${logits.length} logits for ${n} rows of ${numClasses}`);
  if (n === 0) return 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const row = i * numClasses;
    const own = logits[row + y]!;
    let above = 0;
    for (let c = 0; c < numClasses; c++) {
      const v = logits[row + c]!;
      if (v > own || (v === own && c < y)) above++;
    }
    if (above < k) hits++;
  }
  return hits / n;
}

/** Labels of the first `count` train images, read chunk by chunk (pixels are not kept). */
async function poolLabels(
  source: ChunkSource,
  count: number,
  onChunk: (done: number, total: number) => void,
): Promise<Int32Array> {
  const m = source.manifest;
  const info = m.splits.train;
  const labels = new Int32Array(count);
  const chunks = Math.ceil(count / info.chunkSize);
  for (let c = 0; c < chunks; c++) {
    const chunk = await source.readChunk('train', c);
    const problem = chunkProblem(chunk, m, 'train', c);
    if (problem) throw new Error(`Chunk ${c} of the train split ${problem}`);
    if (!chunk.labels) throw new Error(`fine-tuning: chunk ${c} of the train split has no labels`);
    const rows = Math.min(chunk.count, count - chunk.start);
    for (let r = 0; r < rows; r++) labels[chunk.start + r] = chunk.labels[r]!;
    onChunk(c + 1, chunks);
  }
  return labels;
}

/** Pixels [n, H, W, C] of the given train indices (ascending), reading only the chunks that hold them. */
async function gatherPixels(source: ChunkSource, indices: Int32Array): Promise<Uint8Array> {
  const m = source.manifest;
  const rb = imageBytes(m);
  const chunkSize = m.splits.train.chunkSize;
  const out = new Uint8Array(indices.length * rb);
  let i = 0;
  while (i < indices.length) {
    const c = Math.floor(indices[i]! / chunkSize);
    const chunk = await source.readChunk('train', c);
    const problem = chunkProblem(chunk, m, 'train', c);
    if (problem) throw new Error(`Chunk ${c} of the train split ${problem}`);
    for (; i < indices.length && Math.floor(indices[i]! / chunkSize) === c; i++) {
      const r = indices[i]! - chunk.start;
      out.set(chunk.pixels.subarray(r * rb, (r + 1) * rb), i * rb);
    }
  }
  return out;
}

/**
 * Fine-tunes a copy of `encoder`'s backbone plus a linear classifier on a class-balanced fraction of
 * the labelled train split of `source`, and scores it on the first `testSize` held-out images.
 * `encoder` is only read (copied first); every tensor made here is freed, also on error.
 */
export async function finetune(
  source: ChunkSource,
  encoder: Encoder,
  opts: FinetuneOptions,
): Promise<FinetuneResult> {
  const m = source.manifest;
  const numClasses = m.classNames?.length ?? 0;
  if (numClasses < 2)
    throw new Error(`fine-tuning needs a labelled dataset with ≥ 2 classes; '${m.name}' has ${numClasses}`);
  if (m.channels !== encoder.spec.channels)
    throw new Error(
      `fine-tuning: the encoder takes ${encoder.spec.channels} channels, '${m.name}' has ${m.channels}`,
    );
  const poolCount =
    opts.poolSize && opts.poolSize > 0
      ? Math.min(Math.floor(opts.poolSize), m.splits.train.count)
      : m.splits.train.count;
  const headLr = opts.headLr ?? FINETUNE_DEFAULTS.headLr;
  const backboneLr = opts.backboneLr ?? FINETUNE_DEFAULTS.backboneLr;
  const momentum = opts.momentum ?? FINETUNE_DEFAULTS.momentum;
  const weightDecay = opts.weightDecay ?? FINETUNE_DEFAULTS.weightDecay;
  const progress = opts.onProgress;

  // The labelled subset.
  const labels = await poolLabels(source, poolCount, (d, t) =>
    progress?.({ stage: 'reading', done: d, total: t }),
  );
  const chosen = balancedSubset(labels, numClasses, opts.fraction, opts.seed);
  const n = chosen.length;
  const trainLabels = Int32Array.from(chosen, (i) => labels[i]!);
  const perClassTrain = new Array<number>(numClasses).fill(0);
  for (const y of trainLabels) perClassTrain[y]!++;
  const trainPixels = await gatherPixels(source, chosen);
  const test = await readSubset(source, 'test', opts.testSize);
  if (test.count === 0 || !test.labels)
    throw new Error(`fine-tuning: '${m.name}' has no labelled test images`);

  const { batch, stepsPerEpoch, epochs } = finetuneSchedule(n, opts.fraction, opts.batchSize, opts.epochs);
  const totalSteps = epochs * stepsPerEpoch;
  const rb = imageBytes(m);
  const size = opts.imageSize;
  const images = (pixels: Uint8Array, count: number): tf.Tensor4D =>
    tf.tidy(() =>
      tf.image.resizeBilinear(toFloatImages(pixels, count, m.height, m.width, m.channels), [size, size]),
    );

  // The model: a copy (a throwaway Rng for the copy's overwritten init), and a zero-initialised head.
  const net = cloneEncoder(encoder, new Rng(0));
  const featureDim = net.backbone.featureDim;
  const W = newVariable(() => tf.zeros([featureDim, numClasses]), true, 'ft_w'); // [F, K]
  const b = newVariable(() => tf.zeros([numClasses]), true, 'ft_b'); // [K]
  const backboneParams = net.backbone.params;
  const bbOpt = new Sgd(backboneParams, momentum, weightDecay);
  const headOpt = new Sgd([W, b], momentum, weightDecay);
  const logitsOf = (x: tf.Tensor4D, training: boolean): tf.Tensor2D =>
    tf.add(tf.matMul(net.backbone.apply(x, { training }), W), b) as tf.Tensor2D; // [B, K]

  let lossSum: tf.Scalar | null = null; // the epoch's summed loss (one read-back an epoch)
  try {
    const rng = new Rng(opts.seed ^ 0x0f1e7);
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(n);
      lossSum = tf.scalar(0);
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (opts.shouldStop?.()) throw new Error('fine-tuning stopped');
        const rows = order.subarray(s * batch, (s + 1) * batch);
        const pixels = new Uint8Array(batch * rb);
        rows.forEach((r, j) => pixels.set(trainPixels.subarray(r * rb, (r + 1) * rb), j * rb));
        const yIdx = Int32Array.from(rows, (r) => trainLabels[r]!);
        const lr = cosineLr(1, step, totalSteps, 0);
        const next = tf.tidy(() => {
          const x = images(pixels, batch); // [B, S, S, C]
          const y = tf.oneHot(tf.tensor1d(yIdx, 'int32'), numClasses) as tf.Tensor2D; // [B, K]
          const { value, grads } = tf.variableGrads(
            () => tf.mean(softCrossEntropyPerSample(logitsOf(x, true), y)) as tf.Scalar,
            [...backboneParams, W, b],
          );
          bbOpt.apply(grads, backboneLr * lr);
          headOpt.apply(grads, headLr * lr);
          return tf.add(lossSum!, value) as tf.Scalar;
        });
        lossSum.dispose();
        lossSum = next;
        step++;
        if (s < stepsPerEpoch - 1) {
          progress?.({ stage: 'training', done: step, total: totalSteps });
          await yieldToEvents();
        }
      }
      const loss = (await lossSum.data())[0]! / Math.max(1, stepsPerEpoch);
      lossSum.dispose();
      lossSum = null;
      progress?.({ stage: 'training', done: step, total: totalSteps, loss });
      await yieldToEvents();
    }

    // Held-out scores, in batches (inference-mode BatchNorm).
    const logits = new Float32Array(test.count * numClasses);
    const evalBatch = 256;
    for (let i = 0; i < test.count; i += evalBatch) {
      const count = Math.min(evalBatch, test.count - i);
      const out = tf.tidy(() =>
        logitsOf(images(test.pixels.subarray(i * rb, (i + count) * rb), count), false),
      );
      try {
        logits.set((await out.data()) as Float32Array, i * numClasses);
      } finally {
        out.dispose();
      }
      progress?.({ stage: 'testing', done: i + count, total: test.count });
      await yieldToEvents();
    }
    return {
      fraction: opts.fraction,
      top1: topKAccuracy(logits, numClasses, test.labels, 1),
      top5: numClasses > 5 ? topKAccuracy(logits, numClasses, test.labels, 5) : null,
      trainCount: n,
      testCount: test.count,
      perClassTrain,
      epochs,
      steps: totalSteps,
    };
  } finally {
    lossSum?.dispose();
    bbOpt.dispose();
    headOpt.dispose();
    W.dispose();
    b.dispose();
    net.dispose();
  }
}

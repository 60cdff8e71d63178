import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { createEncoder, type Encoder } from '../nn/encoder';
import { Rng } from '../runtime/random';
import { useCpu } from '../testing/fixtures';
import {
  balancedSubset,
  defaultFinetuneEpochs,
  finetune,
  finetuneSchedule,
  topKAccuracy,
  type FinetuneProgress,
} from './finetune';

beforeAll(useCpu);

describe('balancedSubset', () => {
  // 16 labels: class 0 ×4 (indices 0–3), class 1 ×2 (4–5), class 2 ×10 (6–15).
  const LABELS = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
  const classCounts = (idx: Int32Array) => {
    const c = [0, 0, 0];
    idx.forEach((i) => c[LABELS[i]!]!++);
    return c;
  };

  it('takes round(fraction · n_c) of each class, at least one', () => {
    // 50 %: round(2) = 2, round(1) = 1, round(5) = 5
    expect(classCounts(balancedSubset(LABELS, 3, 0.5, 1))).toEqual([2, 1, 5]);
    // 1 %: round(0.04), round(0.02), round(0.1) are all 0 → one of each class
    expect(classCounts(balancedSubset(LABELS, 3, 0.01, 1))).toEqual([1, 1, 1]);
    // 100 %: everything, in order
    expect(Array.from(balancedSubset(LABELS, 3, 1, 1))).toEqual(LABELS.map((_, i) => i));
    // 30 %: round(1.2) = 1, round(0.6) = 1, round(3) = 3
    expect(classCounts(balancedSubset(LABELS, 3, 0.3, 1))).toEqual([1, 1, 3]);
  });

  it('is fixed by its seed, varies with it, and never repeats an index', () => {
    const a = balancedSubset(LABELS, 3, 0.5, 7);
    expect(Array.from(balancedSubset(LABELS, 3, 0.5, 7))).toEqual(Array.from(a));
    expect(new Set(a).size).toBe(a.length);
    expect(Array.from(a)).toEqual([...a].sort((p, q) => p - q)); // ascending
    const seeds = [1, 2, 3, 4, 5].map((s) => Array.from(balancedSubset(LABELS, 3, 0.5, s)).join());
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('counts per class on 1,000 labels with unequal classes (10 % each)', () => {
    // class c has 50 + 10·c images (50, 60, …, 140): 10 % → 5, 6, …, 14 (exact tenths, no rounding)
    const labels: number[] = [];
    for (let c = 0; c < 10; c++) for (let j = 0; j < 50 + 10 * c; j++) labels.push(c);
    const rng = new Rng(5);
    const shuffled = Int32Array.from(labels);
    rng.shuffle(shuffled);
    const idx = balancedSubset(shuffled, 10, 0.1, 3);
    const counts = new Array<number>(10).fill(0);
    idx.forEach((i) => counts[shuffled[i]!]!++);
    expect(counts).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('refuses a fraction outside (0, 1] and a label outside the classes', () => {
    expect(() => balancedSubset(LABELS, 3, 0, 1)).toThrow(/fraction 0/);
    expect(() => balancedSubset(LABELS, 3, 1.5, 1)).toThrow(/fraction 1.5/);
    expect(() => balancedSubset(LABELS, 2, 0.5, 1)).toThrow(/label 2 outside/);
  });

  it('default epochs by fraction', () => {
    expect([0.01, 0.1, 1].map(defaultFinetuneEpochs)).toEqual([30, 10, 3]);
  });

  it('schedule: batch 64 or half the images, the default epochs raised to 200 steps', () => {
    // 1 % of the Tiny preset's 3,200 digits: 32 images, batch 16, 2 steps an epoch, 100 epochs.
    expect(finetuneSchedule(32, 0.01)).toEqual({ batch: 16, stepsPerEpoch: 2, epochs: 100 });
    // 10 %: 320 images, batch 64, 5 steps an epoch: 10 epochs are 50 steps, so 40.
    expect(finetuneSchedule(320, 0.1)).toEqual({ batch: 64, stepsPerEpoch: 5, epochs: 40 });
    // 1 % of 60,000: 600 images, 9 steps an epoch: 30 epochs are 270 steps ≥ 200, kept.
    expect(finetuneSchedule(600, 0.01)).toEqual({ batch: 64, stepsPerEpoch: 9, epochs: 30 });
    // 100 % of 3,200: 50 steps an epoch, 3 epochs are 150 steps: 4.
    expect(finetuneSchedule(3200, 1)).toEqual({ batch: 64, stepsPerEpoch: 50, epochs: 4 });
    // Given epochs are kept; a requested batch above half the images is lowered; one image is a batch.
    expect(finetuneSchedule(40, 0.1, 32, 3)).toEqual({ batch: 20, stepsPerEpoch: 2, epochs: 3 });
    expect(finetuneSchedule(1, 0.01)).toEqual({ batch: 1, stepsPerEpoch: 1, epochs: 200 });
  });
});

describe('topKAccuracy', () => {
  it('matches top-1 and top-k counted by hand', () => {
    // 4 rows × 7 classes (hand-made logits):
    // row 0, y = 2: [0.1, 0.5, 0.9, 0.3, 0.2, 0.0, 0.4] → 2 is the largest: rank 0
    // row 1, y = 0: [0.2, 0.5, 0.9, 0.3, 0.1, 0.0, 0.4] → above 0.2: 0.5, 0.9, 0.3, 0.4 → rank 4
    // row 2, y = 5: [0.6, 0.5, 0.9, 0.3, 0.2, 0.0, 0.4] → every other is above → rank 6
    // row 3, y = 3: [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3] → ties: classes 0, 1, 2 rank first → rank 3
    const logits = Float32Array.from([
      ...[0.1, 0.5, 0.9, 0.3, 0.2, 0.0, 0.4],
      ...[0.2, 0.5, 0.9, 0.3, 0.1, 0.0, 0.4],
      ...[0.6, 0.5, 0.9, 0.3, 0.2, 0.0, 0.4],
      ...[0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3],
    ]);
    const y = [2, 0, 5, 3];
    // ranks 0, 4, 6, 3: top-1 = 1/4, top-2 = 1/4, top-4 = 2/4, top-5 = 3/4, top-7 = 4/4
    expect(topKAccuracy(logits, 7, y, 1)).toBe(0.25);
    expect(topKAccuracy(logits, 7, y, 2)).toBe(0.25);
    expect(topKAccuracy(logits, 7, y, 4)).toBe(0.5);
    expect(topKAccuracy(logits, 7, y, 5)).toBe(0.75);
    expect(topKAccuracy(logits, 7, y, 7)).toBe(1);
  });

  it('top-1 agrees with tf.argMax (ties to the lower index)', async () => {
    const rng = new Rng(9);
    const n = 50;
    const k = 6;
    // Values on a coarse grid so that ties happen.
    const values = Float32Array.from({ length: n * k }, () => rng.int(4));
    const labels = Int32Array.from({ length: n }, () => rng.int(k));
    const arg = tf.argMax(tf.tensor2d(values, [n, k]), 1);
    const pred = await arg.data();
    arg.dispose();
    const hits = labels.reduce((s, y, i) => s + (pred[i] === y ? 1 : 0), 0);
    expect(topKAccuracy(values, k, labels, 1)).toBeCloseTo(hits / n, 10);
  });

  it('refuses logits that do not fit the labels', () => {
    expect(() => topKAccuracy(new Float32Array(5), 2, [0, 1], 1)).toThrow(/5 logits for 2 rows of 2/);
  });
});

describe('finetune', () => {
  const CLASSES = 4;
  const source = createMemorySource(
    { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['a', 'b', 'c', 'd'] },
    { train: syntheticBars(96, 16, CLASSES, 1), test: syntheticBars(32, 16, CLASSES, 2) },
    40, // several chunks: the subset is gathered across them
  );
  const encoder = (seed: number): Encoder =>
    createEncoder(
      { backbone: 'tiny-convnet', channels: 1, width: 4, hiddenDim: 16, embedDim: 8, head: 'mlp' },
      new Rng(seed),
    );
  const values = (e: Encoder) => [...e.params, ...e.state].map((v) => Array.from(v.dataSync()));

  it('learns the bars, reports its counts and progress, frees every tensor and leaves the source encoder as it was', async () => {
    const src = encoder(3);
    const weights = values(src);
    const before = tf.memory().numTensors;
    const progress: FinetuneProgress[] = [];
    const r = await finetune(source, src, {
      fraction: 0.5,
      seed: 1,
      imageSize: 16,
      testSize: 32,
      epochs: 6,
      batchSize: 8,
      onProgress: (p) => progress.push(p),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(values(src)).toEqual(weights);
    // 96 images, 24 a class: 12 of each at 50 %; 48 / 8 = 6 steps an epoch, 6 epochs
    expect(r.perClassTrain).toEqual([12, 12, 12, 12]);
    expect(r.trainCount).toBe(48);
    expect(r.testCount).toBe(32);
    expect(r.steps).toBe(36);
    expect(r.top5).toBeNull(); // 4 classes
    expect(r.top1).toBeGreaterThan(0.5); // chance is 0.25
    const training = progress.filter((p) => p.stage === 'training');
    expect(training.at(-1)).toMatchObject({ done: 36, total: 36 });
    expect(training.filter((p) => p.loss !== undefined)).toHaveLength(6);
    expect(progress.at(-1)).toEqual({ stage: 'testing', done: 32, total: 32 });
    expect(progress[0]).toEqual({ stage: 'reading', done: 1, total: 3 }); // 96 images in chunks of 40
    src.dispose();
  }, 120_000);

  it('is repeatable from the same encoder and seed', async () => {
    const src = encoder(4);
    const opts = { fraction: 0.25, seed: 2, imageSize: 16, testSize: 32, epochs: 2, batchSize: 8 };
    const a = await finetune(source, src, opts);
    const b = await finetune(source, src, opts);
    expect(b).toEqual(a);
    src.dispose();
  }, 60_000);

  it('frees everything when stopped, and refuses an unlabelled or mismatched dataset', async () => {
    const src = encoder(5);
    const before = tf.memory().numTensors;
    let polls = 0;
    await expect(
      finetune(source, src, {
        fraction: 1,
        seed: 1,
        imageSize: 16,
        testSize: 32,
        epochs: 1,
        batchSize: 8,
        shouldStop: () => ++polls > 3,
      }),
    ).rejects.toThrow(/stopped/);
    expect(tf.memory().numTensors).toBe(before);
    const unlabelled = createMemorySource(
      { id: 'u', name: 'Unlabelled', width: 16, height: 16, channels: 1, classNames: null },
      {
        train: { ...syntheticBars(8, 16, 2), labels: null },
        test: { ...syntheticBars(8, 16, 2), labels: null },
      },
    );
    await expect(
      finetune(unlabelled, src, { fraction: 1, seed: 1, imageSize: 16, testSize: 8 }),
    ).rejects.toThrow(/labelled dataset with ≥ 2 classes; 'Unlabelled' has 0/);
    const rgb = createMemorySource(
      { id: 'rgb', name: 'RGB', width: 4, height: 4, channels: 3, classNames: ['a', 'b'] },
      {
        train: { pixels: new Uint8Array(4 * 48), labels: null },
        test: { pixels: new Uint8Array(4 * 48), labels: null },
      },
    );
    await expect(finetune(rgb, src, { fraction: 1, seed: 1, imageSize: 16, testSize: 8 })).rejects.toThrow(
      /takes 1 channels, 'RGB' has 3/,
    );
    expect(tf.memory().numTensors).toBe(before);
    src.dispose();
  }, 60_000);
});

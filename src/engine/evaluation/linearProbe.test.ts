import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearProbe, summarise } from './linearProbe';
import { gaussianBlobs, randomLabels } from './testUtils';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const split = (n: number, f: number, k: number, spread: number, seed: number) => {
  const d = gaussianBlobs(n, f, k, spread, seed);
  return { features: tf.tensor2d(d.x, [n, f]), labels: d.y };
};

describe('linearProbe', () => {
  it('separates linearly separable data (full batch and minibatch)', async () => {
    // Offset and scale the features so that the standardisation matters.
    const train = split(300, 10, 3, 2.5, 1);
    const test = split(150, 10, 3, 2.5, 2);
    const scaled = (s: typeof train) => ({
      ...s,
      features: tf.tidy(() => tf.add(tf.mul(s.features, 40), 300) as tf.Tensor2D),
    });
    const [train2, test2] = [scaled(train), scaled(test)];
    const full = await linearProbe(train2, test2, 3, { seed: 1 });
    expect(full.top1).toBeGreaterThan(0.95);
    const mini = await linearProbe(train2, test2, 3, {
      seed: 1,
      epochs: 20,
      batchSize: 32,
      weightDecay: 1e-4,
    });
    expect(mini.top1).toBeGreaterThan(0.95);
    tf.dispose([train.features, test.features, train2.features, test2.features]);
  });

  it('stays near chance on random labels', async () => {
    const n = 400;
    const f = 20;
    const noise = (seed: number) => tf.randomNormal([n, f], 0, 1, 'float32', seed) as tf.Tensor2D;
    const train = { features: noise(3), labels: randomLabels(n, 4, 3) };
    const test = { features: noise(4), labels: randomLabels(n, 4, 4) };
    const r = await linearProbe(train, test, 4, { seed: 2 });
    expect(r.top1).toBeGreaterThan(0.15);
    expect(r.top1).toBeLessThan(0.35);
    tf.dispose([train.features, test.features]);
  });

  it('reports a confusion matrix whose rows sum to the class counts', async () => {
    const train = split(200, 6, 4, 1, 5); // overlapping classes: some mistakes
    const test = split(103, 6, 4, 1, 6);
    const r = await linearProbe(train, test, 4, { seed: 3, epochs: 30 });
    const counts = [0, 0, 0, 0];
    for (const y of test.labels) counts[y] = (counts[y] ?? 0) + 1;
    expect(r.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);
    const diag = r.confusion.reduce((s, row, i) => s + (row[i] ?? 0), 0);
    expect(r.top1).toBeCloseTo(diag / 103, 10);
    r.perClass.forEach((p, c) => expect(p).toBeCloseTo((r.confusion[c]?.[c] ?? 0) / counts[c]!, 10));
    tf.dispose([train.features, test.features]);
  });

  it('summarise counts by hand', () => {
    const r = summarise(Int32Array.from([0, 0, 1, 1, 1]), Int32Array.from([0, 1, 1, 1, 0]), 3);
    expect(r.confusion).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [0, 0, 0],
    ]);
    expect(r.perClass).toEqual([0.5, 2 / 3, 0]);
    expect(r.top1).toBe(0.6);
  });

  it('leaks no tensors over several calls and is reproducible', async () => {
    const train = split(60, 5, 3, 2, 7);
    const test = split(30, 5, 3, 2, 8);
    const before = tf.memory().numTensors;
    const a = await linearProbe(train, test, 3, { seed: 4, epochs: 5 });
    const b = await linearProbe(train, test, 3, { seed: 4, epochs: 5, batchSize: 16 });
    const c = await linearProbe(train, test, 3, { seed: 4, epochs: 5, batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect(c).toEqual(b);
    expect(a.confusion.length).toBe(3);
    tf.dispose([train.features, test.features]);
  });
});

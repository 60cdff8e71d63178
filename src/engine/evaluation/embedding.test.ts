import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../runtime/random';
import { pca, projectFeatures, umap2d } from './embedding';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Points t·a + s·b + centre with a = (.6, .8, 0), b = (0, 0, 1) on a grid (t, s uncorrelated, zero mean):
 * t spreads far more than s, so the first principal axis is a, the second b; (-.8, .6, 0) carries nothing.
 */
function handMade(): { x: number[][]; t: number[]; s: number[] } {
  const x: number[][] = [];
  const t: number[] = [];
  const s: number[] = [];
  for (const ti of [-10, -5, -1, 1, 5, 10])
    for (const si of [-1, 0, 1]) {
      t.push(ti);
      s.push(si);
      x.push([0.6 * ti + 10, 0.8 * ti - 3, si + 2]);
    }
  return { x, t, s };
}

describe('pca', () => {
  it('finds a known principal axis, signed, and projects the centred points on it', async () => {
    const { x, t, s } = handMade();
    const input = tf.tensor2d(x);
    const r = pca(input, 2);
    expect(r.axes.shape).toEqual([3, 2]);
    expect(r.coords.shape).toEqual([18, 2]);
    expect(r.variance.shape).toEqual([2]);
    const axes = (await r.axes.array()) as number[][];
    // Column 0 = (.6, .8, 0); column 1 = (0, 0, 1) (largest entry positive by convention).
    expect(axes[0]![0]).toBeCloseTo(0.6, 3);
    expect(axes[1]![0]).toBeCloseTo(0.8, 3);
    expect(axes[2]![0]).toBeCloseTo(0, 3);
    expect(Math.abs(axes[0]![1]!)).toBeLessThan(1e-3);
    expect(Math.abs(axes[1]![1]!)).toBeLessThan(1e-3);
    expect(axes[2]![1]).toBeCloseTo(1, 3);
    // Coordinates: t and s, centred.
    const coords = (await r.coords.array()) as number[][];
    const mt = t.reduce((a, b) => a + b, 0) / t.length;
    const ms = s.reduce((a, b) => a + b, 0) / s.length;
    coords.forEach(([c0, c1], i) => {
      expect(c0).toBeCloseTo(t[i]! - mt, 2);
      expect(c1).toBeCloseTo(s[i]! - ms, 2);
    });
    // Variances: the sample variances of t and s.
    const [v0, v1] = Array.from(await r.variance.data());
    const varOf = (a: number[], m: number) => a.reduce((acc, v) => acc + (v - m) ** 2, 0) / (a.length - 1);
    expect(v0! / varOf(t, mt)).toBeCloseTo(1, 3);
    expect(v1! / varOf(s, ms)).toBeCloseTo(1, 2);
    [input, r.axes, r.coords, r.variance].forEach((z) => z.dispose());
  });

  it('leaks no tensors, and handles fewer features than components', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([[1], [2], [4]]);
    const r = pca(x, 2);
    expect(r.axes.shape).toEqual([1, 1]);
    expect(r.coords.shape).toEqual([3, 1]);
    [x, r.axes, r.coords, r.variance].forEach((z) => z.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('umap2d / projectFeatures', () => {
  it('is reproducible from the seed and keeps separated classes apart', () => {
    const rng = new Rng(3);
    const rows = Array.from({ length: 60 }, (_, i) =>
      Array.from({ length: 8 }, (_, j) => (j === i % 3 ? 5 : 0) + rng.normal() * 0.2),
    );
    const a = umap2d(rows, 42);
    const b = umap2d(rows, 42);
    expect(a.length).toBe(120);
    expect(Array.from(a)).toEqual(Array.from(b));
    // Mean distance within a class < between classes.
    const d = (i: number, j: number) => Math.hypot(a[2 * i]! - a[2 * j]!, a[2 * i + 1]! - a[2 * j + 1]!);
    let within = 0;
    let between = 0;
    let nw = 0;
    let nb = 0;
    for (let i = 0; i < 60; i++)
      for (let j = i + 1; j < 60; j++)
        if (i % 3 === j % 3) {
          within += d(i, j);
          nw++;
        } else {
          between += d(i, j);
          nb++;
        }
    expect(within / nw).toBeLessThan(between / nb);
    expect(Array.from(umap2d(rows.slice(0, 2), 1))).toEqual([0, 0, 0, 0]);
  });

  it('caps the points, returns both projections and disposes what it made', async () => {
    const x = tf.randomNormal([40, 6], 0, 1, 'float32', 5) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const r = await projectFeatures(x, { seed: 1, maxPoints: 25 });
    expect(r.count).toBe(25);
    expect(r.pca.length).toBe(50);
    expect(r.umap?.length).toBe(50);
    expect(r.pca.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

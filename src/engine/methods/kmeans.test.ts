import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nmi } from '../evaluation/nmi';
import { l2Normalize } from '../evaluation/normalize';
import { Rng } from '../runtime/random';
import { useCpu } from '../testing/fixtures';
import { sphericalKMeans } from './kmeans';

beforeAll(useCpu);

/** Unit rows around the given centres (noise σ per coordinate), shuffled. → x [N, d], truth [N]. */
function blobs(centres: number[][], perCluster: number, sigma: number, seed: number) {
  const rng = new Rng(seed);
  const d = centres[0]!.length;
  const n = centres.length * perCluster;
  const order = rng.permutation(n);
  const values = new Float32Array(n * d);
  const truth = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const c = Math.floor(order[j]! / perCluster);
    truth[j] = c;
    const row = centres[c]!.map((v) => v + sigma * rng.normal());
    const norm = Math.hypot(...row);
    row.forEach((v, t) => (values[j * d + t] = v / norm));
  }
  return { x: tf.tensor2d(values, [n, d]), truth, n, d };
}

const unit = (d: number, i: number) => Array.from({ length: d }, (_, t) => (t === i ? 1 : 0));

describe('sphericalKMeans', () => {
  it('recovers well-separated clusters, and assignments follow the final centroids', async () => {
    const centres = [0, 1, 2, 3].map((i) => unit(8, i));
    const { x, truth, n } = blobs(centres, 25, 0.1, 3);
    // Initial centroids: each centre pushed well off (σ = 0.4) and renormalised.
    const rng = new Rng(5);
    const init = tf.tidy(() =>
      l2Normalize(tf.tensor2d(centres.map((c) => c.map((v) => v + 0.4 * rng.normal())))),
    );
    const before = tf.memory().numTensors;
    const r = await sphericalKMeans(x, init, 10);
    expect(tf.memory().numTensors).toBe(before + 1); // only the returned centroids
    expect(nmi(r.assignments, truth)).toBeCloseTo(1, 10);
    expect(Array.from(r.sizes)).toEqual([25, 25, 25, 25]);
    // Centroid k sits on centre k (each init was nearest its own centre) and has unit norm.
    const c = (await r.centroids.array()) as number[][];
    c.forEach((row, k) => {
      expect(row[k]).toBeGreaterThan(0.98);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    });
    // Each row's cluster is the arg-max of its dot products with the final centroids.
    const xs = (await x.array()) as number[][];
    xs.forEach((row, i) => {
      const dots = c.map((ck) => ck.reduce((s, v, t) => s + v * row[t]!, 0));
      expect(r.assignments[i]).toBe(dots.indexOf(Math.max(...dots)));
    });
    expect(n).toBe(100);
    [x, init, r.centroids].forEach((t) => t.dispose());
  });

  it('keeps the old centroid of an empty cluster', async () => {
    // All rows near e0 or e1; the third centroid e2 has dot ≈ 0 with every row, below ≈ 1 for the others.
    const { x } = blobs([unit(4, 0), unit(4, 1)], 10, 0.05, 7);
    const init = tf.tensor2d([unit(4, 0), unit(4, 1), unit(4, 2)]);
    const r = await sphericalKMeans(x, init, 5);
    expect(r.sizes[2]).toBe(0);
    expect(Array.from(r.sizes.slice(0, 2))).toEqual([10, 10]);
    const c = (await r.centroids.array()) as number[][];
    expect(c[2]).toEqual(unit(4, 2)); // unchanged, exactly
    expect(c[0]![0]).toBeGreaterThan(0.99); // the others moved to their rows' mean direction
    expect(c[0]![0]).toBeLessThan(1);
    [x, init, r.centroids].forEach((t) => t.dispose());
  });

  it('gives the same result in chunks of rows as in one piece', async () => {
    const rng = new Rng(11);
    const x = tf.tidy(() => l2Normalize(tf.randomNormal([103, 6], 0, 1, 'float32', 4) as tf.Tensor2D));
    const pick = rng.permutation(103).slice(0, 5);
    const init = tf.gather(x, tf.tensor1d(pick, 'int32')) as tf.Tensor2D;
    const whole = await sphericalKMeans(x, init, 10);
    const before = tf.memory().numTensors;
    const chunked = await sphericalKMeans(x, init, 10, 10); // 11 chunks, the last of 3 rows
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(chunked.assignments)).toEqual(Array.from(whole.assignments));
    expect(Array.from(chunked.sizes)).toEqual(Array.from(whole.sizes));
    const diff = await tf.max(tf.abs(tf.sub(whole.centroids, chunked.centroids))).data();
    expect(diff[0]).toBeLessThan(1e-6);
    // Several clusters are used (the data are not degenerate) and sizes add up.
    expect(whole.sizes.reduce((a, b) => a + b, 0)).toBe(103);
    expect(whole.sizes.filter((s) => s > 0).length).toBeGreaterThan(2);
    [x, init, whole.centroids, chunked.centroids].forEach((t) => t.dispose());
  });

  it('rejects mismatched dimensions', async () => {
    const x = tf.zeros([4, 3]) as tf.Tensor2D;
    const init = tf.zeros([2, 2]) as tf.Tensor2D;
    await expect(sphericalKMeans(x, init, 1)).rejects.toThrow(/dimensions/);
    [x, init].forEach((t) => t.dispose());
  });
});

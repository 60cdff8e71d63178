import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnlineProbe } from './onlineProbe';
import { Rng } from '../runtime/random';
import { gaussianBlobs } from './testUtils';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const F = 8;
const K = 4;
const pool = gaussianBlobs(2000, F, K, 1.5, 11);

/** A random batch of the separable pool: features [B, F], labels int32 [B]. */
function batch(rng: Rng, size: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const x = new Float32Array(size * F);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const j = rng.int(2000);
    x.set(pool.x.subarray(j * F, (j + 1) * F), i * F);
    y[i] = pool.y[j]!;
  }
  return { x: tf.tensor2d(x, [size, F]), y: tf.tensor1d(y, 'int32') };
}

describe('OnlineProbe', () => {
  it('accuracy rises over 50 SGD steps on separable data', async () => {
    const probe = new OnlineProbe(F, K, { seed: 1, lr: 0.01 });
    const rng = new Rng(2);
    const accs: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s < 50; s++) {
      const { x, y } = batch(rng, 64);
      const { loss, accuracy } = probe.step(x, y);
      accs.push((await accuracy.data())[0]!);
      losses.push((await loss.data())[0]!);
      tf.dispose([x, y, loss, accuracy]);
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(accs[0]).toBeLessThan(0.5); // chance is 0.25
    expect(mean(accs.slice(0, 5))).toBeLessThan(mean(accs.slice(-10)) - 0.1);
    expect(mean(accs.slice(-10))).toBeGreaterThan(0.9);
    expect(losses[0]).toBeCloseTo(Math.log(K), 1); // small init: uniform prediction
    expect(mean(losses.slice(-10))).toBeLessThan(losses[0]! / 2);
    probe.dispose();
  });

  it('does not backpropagate into the features nor change them', async () => {
    const probe = new OnlineProbe(F, K, { seed: 3 });
    const { x, y } = batch(new Rng(4), 16);
    const before = await x.data();
    const g = tf.grad((t: tf.Tensor) => {
      const { loss, accuracy } = probe.step(t as tf.Tensor2D, y);
      accuracy.dispose();
      return loss;
    })(x);
    expect(Array.from(await g.data()).every((v) => v === 0)).toBe(true);
    // The probe's own logits do carry a gradient: the zero above comes from the detach.
    const g2 = tf.grad((t: tf.Tensor) => tf.sum(probe.logits(t as tf.Tensor2D)))(x);
    expect(Array.from(await g2.data()).some((v) => v !== 0)).toBe(true);
    expect(Array.from(await x.data())).toEqual(Array.from(before));
    tf.dispose([x, y, g, g2]);
    probe.dispose();
  });

  it('leaks no tensors across steps, checkpoints and dispose', async () => {
    const start = tf.memory().numTensors;
    const probe = new OnlineProbe(F, K, { seed: 5 });
    const rng = new Rng(6);
    const run = () => {
      const { x, y } = batch(rng, 8);
      const out = probe.step(x, y);
      tf.dispose([x, y, out.loss, out.accuracy]);
    };
    run(); // the first step creates the momentum buffers
    const warm = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) run();
    expect(tf.memory().numTensors).toBe(warm);
    const w = await probe.getWeights();
    probe.setWeights(w);
    run();
    expect(tf.memory().numTensors).toBe(warm);
    probe.dispose();
    expect(tf.memory().numTensors).toBe(start);
    expect(() => run()).toThrow();
  });

  it('round-trips its weights through a checkpoint', async () => {
    const a = new OnlineProbe(F, K, { seed: 7 });
    const rng = new Rng(8);
    for (let i = 0; i < 5; i++) {
      const { x, y } = batch(rng, 32);
      const out = a.step(x, y);
      tf.dispose([x, y, out.loss, out.accuracy]);
    }
    const w = await a.getWeights();
    expect(w.W.length).toBe(F * K);
    expect(w.b.length).toBe(K);
    const b = new OnlineProbe(F, K, { seed: 99 });
    b.setWeights(w);
    const { x } = batch(new Rng(9), 4);
    const [la, lb] = [a.logits(x), b.logits(x)];
    expect(Array.from(await lb.data())).toEqual(Array.from(await la.data()));
    expect(() => b.setWeights({ W: new Float32Array(3), b: w.b })).toThrow();
    tf.dispose([x, la, lb]);
    a.dispose();
    b.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodId } from '../../shared/config';
import { ntXentPerSample } from '../losses/ntXent';
import { l2n, type Encoder } from '../nn/encoder';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { METHODS } from './registry';
import { Simclr, SimclrTask } from './simclr';

beforeAll(useCpu);

const close = async (t: tf.Tensor, want: number[], digits = 5) =>
  Array.from(await t.data()).forEach((v, i) => expect(v, `[${i}]`).toBeCloseTo(want[i]!, digits));

/**
 * An encoder that is the identity on 1×1×2 images: features = embedding = the pixel pair (the head is
 * the identity, the embedding L2-normalised), so the task's logits can be worked out by hand.
 */
const identity = {
  features: (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], 2]) as tf.Tensor2D,
  head: { params: [], state: [], apply: (x: tf.Tensor2D) => x },
  embed: (x: tf.Tensor4D) => l2n(tf.reshape(x, [x.shape[0], 2]) as tf.Tensor2D),
} as unknown as Encoder;

const pixels = (rows: number[][]) => tf.tensor4d(rows.flat(), [rows.length, 1, 1, 2]);
const TRAIN = { training: true };

describe('SimCLR task (hand-computed, B = 2, τ = 1)', () => {
  // views[0]: a0 = (1, 0), a1 = (0, 1); views[1]: b0 = (1, 0), b1 = (0, 1). The batch's 2B embeddings:
  // u = [a0, a1, b0, b1]; the positive of view i is column i + B.
  const setup = () => {
    const v0 = pixels([
      [1, 0],
      [0, 1],
    ]);
    const v1 = pixels([
      [1, 0],
      [0, 1],
    ]);
    return { v0, v1, task: new SimclrTask(identity, [v0, v1], 1) };
  };
  // Hard views: h0 = (0.6, 0.8) (made from view 0 of image 0), h1 = (1, 0) (from view 0 of image 1).
  const hard = () =>
    pixels([
      [0.6, 0.8],
      [1, 0],
    ]);

  it('clean(): NT-Xent over the 2B views; the query is rows 0 … B − 1 with its positive at i + B', async () => {
    const { v0, v1, task } = setup();
    await close(task.ownLabel, [2, 3]);
    const c = task.clean(TRAIN);
    const u = tf.concat([tf.reshape(v0, [2, 2]), tf.reshape(v1, [2, 2])]) as tf.Tensor2D;
    await close(c.loss, Array.from(await ntXentPerSample(u, 1).data()));
    // Row 0: logits [−1e9, 0, 1, 0] → loss log(1 + e + 1) − 1; positive logit 1, rank 0.
    const l0 = Math.log(2 + Math.E) - 1;
    await close(c.loss, [l0, l0, l0, l0]);
    await close(c.query.loss, [l0, l0]);
    await close(c.query.ownLogit, [1, 1]);
    await close(c.query.rank, [0, 0]);
    await close(c.query.argmax, [2, 3]);
    task.dispose();
  });

  it('score(): a hard view against the 2B embeddings, its own clean view masked, target its positive', async () => {
    const { task } = setup();
    const x = hard();
    // Before the tape (no clean() yet): constant embeddings. Row 0: logits [−, 0.8, 0.6, 0.8], target
    // column 2: loss log(2e^0.8 + e^0.6) − 0.6 = 1.23629, rank 2, arg-max column 1. Row 1: logits
    // [1, −, 1, 0], target column 3: loss log(2e + 1) − 0 = 1.86199, rank 2, arg-max column 0.
    const before = task.score(x, { training: false });
    await close(before.loss, [1.2362867, 1.8619948]);
    await close(before.ownLogit, [0.6, 0]);
    await close(before.rank, [2, 2]);
    await close(before.argmax, [1, 0]);
    // After clean() (inside the tape): the same numbers against the taped embeddings.
    task.clean(TRAIN);
    await close(task.score(x, TRAIN).loss, [1.2362867, 1.8619948]);
    task.dispose();
  });

  it('mixedLoss(): λ·own positive + (1 − λ)·partner’s positive, both source views masked', async () => {
    const { task } = setup();
    const x = hard();
    // Row 0 (partner 1, λ 0.75): logits [−, −, 0.6, 0.8], targets 0.75 at column 2, 0.25 at column 3:
    // log(e^0.6 + e^0.8) − (0.75·0.6 + 0.25·0.8) = 0.748139. Row 1 (partner 0, λ 0.5): logits
    // [−, −, 1, 0], targets 0.5 at column 3 and at column 2: log(e + 1) − 0.5 = 0.813262.
    const partner = tf.tensor1d([1, 0], 'int32');
    const lambda = tf.tensor1d([0.75, 0.5]);
    await close(task.mixedLoss(x, partner, lambda, TRAIN), [0.7481389, 0.8132617]);
    // λ = 1 is the plain score with both source columns masked: row 0 log(e^0.6 + e^0.8) − 0.6.
    await close(task.mixedLoss(x, partner, tf.tensor1d([1, 1]), TRAIN), [
      Math.log(Math.exp(0.6) + Math.exp(0.8)) - 0.6,
      Math.log(Math.E + 1),
    ]);
    task.dispose();
  });
});

describe('SimCLR with the lab encoder', () => {
  const cfg = (method: MethodId, over = {}) => tinyConfig({ method, warmupSteps: 0, ...over });

  it('keeps the other view inside the tape: the loss has a gradient with respect to both views', async () => {
    const c = cfg('simclr');
    const base = new Simclr(c, 1, new Rng(3));
    const v0 = fixedImages(8, c.imageSize, 1, 11);
    const v1 = fixedImages(8, c.imageSize, 1, 12);
    const norms = tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const task = base.beginStep(
          {
            views: [a as tf.Tensor4D, b as tf.Tensor4D],
            indices: new Int32Array(8),
            rng: new Rng(1),
            step: 0,
            epoch: 0,
          },
          c,
        );
        const loss = tf.mean(task.clean(TRAIN).loss);
        task.dispose();
        return loss;
      })([v0, v1]);
      return g.map((t) => tf.norm(t).dataSync()[0]!);
    });
    expect(norms[0]).toBeGreaterThan(1e-6);
    expect(norms[1]).toBeGreaterThan(1e-6); // MoCo's key view would have none (constant keys)
    tf.dispose([v0, v1]);
    base.dispose();
  });
});

// Behaviour over many steps, not hand-computed values: on tfjs's WebAssembly backend (testing/wasm.ts;
// float32 like the CPU backend, its sums differ only in the last bits, many times faster in Node). The
// math tests above stay on the CPU backend.
describe('SimCLR training steps on the WebAssembly backend', () => {
  beforeAll(useWasm);
  afterAll(useCpu);

  const cfg = (method: MethodId, over = {}) => tinyConfig({ method, warmupSteps: 0, ...over });

  it.each(['simclr', 'hexa-simclr'] as const)(
    '%s: one step changes every backbone weight; tf.memory() flat over 50 steps; loss falls',
    async (method) => {
      // Small (8 px, width 4, batch 8) so that 50 steps stay quick on a loaded CPU.
      const c = cfg(method, { lr: 0.05, imageSize: 8, width: 4, hiddenDim: 16, embedDim: 8 });
      const def = METHODS[method];
      const base = def.createBase(c, 1, new Rng(c.seed));
      const opt = new Sgd(base.params(), c.sgdMomentum, c.weightDecay);
      const xq = fixedImages(c.batchSize, c.imageSize, 1, 11);
      const xk = tf.tidy(() =>
        tf.clipByValue(tf.add(xq, tf.randomNormal(xq.shape, 0, 0.05, 'float32', 3)), 0, 1),
      ) as tf.Tensor4D;
      const indices = new Int32Array(c.batchSize).map((_, i) => i);
      const rng = new Rng(9);
      const backbone = base.encoder.backbone.params;
      const before = backbone.map((v) => v.dataSync().slice());
      const losses: number[] = [];
      let count = -1;
      for (let i = 0; i < 50; i++) {
        const out = trainStep({
          base,
          generators: def.generatorImpls,
          cfg: c,
          input: { views: [xq, xk], indices, rng, step: i, epoch: 0 },
          lr: c.lr,
          optimizer: opt,
          probe: null,
          labels: null,
          previewCount: i % 10 === 0 ? 2 : 0,
        });
        losses.push((await out.metrics.loss_clean!.data())[0]!);
        if (method === 'hexa-simclr') {
          expect(Number.isFinite((await out.metrics.loss_adv!.data())[0])).toBe(true);
          expect(Number.isFinite((await out.metrics.loss_mix!.data())[0])).toBe(true);
        }
        tf.dispose([...Object.values(out.metrics), ...Object.values(out.previews ?? {})]);
        if (i === 0) {
          const after = backbone.map((v) => v.dataSync());
          after.forEach((a, k) =>
            expect(
              a.some((v, j) => v !== before[k]![j]),
              `variable ${k}`,
            ).toBe(true),
          );
        }
        if (count < 0) count = tf.memory().numTensors;
        else expect(tf.memory().numTensors).toBe(count);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
      expect(mean(losses.slice(40))).toBeLessThan(mean(losses.slice(0, 10)));
      tf.dispose([xq, xk]);
      base.dispose();
      opt.dispose();
    },
    300_000,
  );
});

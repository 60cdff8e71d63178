import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoder, momentumUpdate } from '../nn/encoder';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { KeyQueue, MocoV2, shuffledKeys } from './mocoV2';
import { METHODS } from './registry';

beforeAll(useCpu);

describe('KeyQueue', () => {
  it('puts new keys in front and drops the oldest', async () => {
    const q = new KeyQueue(6, 2, 1);
    const before = (await q.keys.array()) as number[][];
    const k = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    q.enqueue(k);
    const after = (await q.keys.array()) as number[][];
    expect(after.slice(0, 2)).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(after.slice(2)).toEqual(before.slice(0, 4));
    k.dispose();
    q.dispose();
  });

  it('starts with unit-norm random keys', async () => {
    const q = new KeyQueue(8, 4, 3);
    const norms = await tf.norm(q.keys, 'euclidean', 1).data();
    norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
    q.dispose();
  });
});

describe('momentum update', () => {
  it('moves θk to m·θk + (1−m)·θq', async () => {
    const q = [tf.variable(tf.tensor1d([1, 2]))];
    const k = [tf.variable(tf.tensor1d([3, 6]))];
    momentumUpdate(q, k, 0.75);
    // 0.75·3 + 0.25·1 = 2.5; 0.75·6 + 0.25·2 = 5
    expect(Array.from(await k[0]!.data())).toEqual([2.5, 5]);
    [...q, ...k].forEach((v) => v.dispose());
  });
});

describe('shuffled split-BatchNorm keys', () => {
  it('unshuffles: each key stays with its own image', async () => {
    const cfg = tinyConfig();
    const enc = createEncoder({ ...cfg, channels: 1, head: 'mlp' }, new Rng(2));
    const x = fixedImages(8, 16, 1);
    // With one BN group the per-sample result does not depend on the order: shuffled must equal plain.
    const plain = enc.embed(x, { training: true, bnGroups: 1 });
    const shuffled = shuffledKeys(enc, x, 1, new Rng(5));
    const diff = await tf.max(tf.abs(tf.sub(plain, shuffled))).data();
    expect(diff[0]).toBeLessThan(1e-5);
    // With 2 groups, a shuffle changes which images share statistics, so keys differ from plain split.
    const split = enc.embed(x, { training: true, bnGroups: 2 });
    const shuffled2 = shuffledKeys(enc, x, 2, new Rng(5));
    const diff2 = await tf.max(tf.abs(tf.sub(split, shuffled2))).data();
    expect(diff2[0]).toBeGreaterThan(1e-4);
    [x, plain, shuffled, split, shuffled2].forEach((t) => t.dispose());
    enc.dispose();
  });
});

function runSteps(methodId: 'moco-v2' | 'hexa-moco', steps: number, over = {}) {
  const cfg = tinyConfig({ method: methodId, ...over });
  const rng = new Rng(cfg.seed);
  const def = METHODS[methodId];
  const base = def.createBase(cfg, 1, rng);
  const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
  const xq = fixedImages(cfg.batchSize, cfg.imageSize, 1, 11);
  const xk = tf.tidy(() =>
    tf.clipByValue(tf.add(xq, tf.randomNormal(xq.shape, 0, 0.05, 'float32', 3)), 0, 1),
  ) as tf.Tensor4D;
  const indices = new Int32Array(cfg.batchSize).map((_, i) => i);
  return { cfg, rng, def, base, opt, xq, xk, indices, steps };
}

describe('MoCo-v2 training step', () => {
  it('only clean keys enter the queue (HEXA-MoCo: hard views never do)', async () => {
    const s = runSteps('hexa-moco', 1, { queueSize: 16, batchSize: 8 });
    const moco = s.base as MocoV2;
    const enqueued: tf.Tensor2D[] = [];
    const original = moco.queue.enqueue.bind(moco.queue);
    moco.queue.enqueue = (k) => {
      enqueued.push(tf.keep(tf.clone(k)));
      original(k);
    };
    const out = trainStep({
      base: s.base,
      generators: s.def.generatorImpls,
      cfg: s.cfg,
      input: { views: [s.xq, s.xk], indices: s.indices, rng: new Rng(9), step: 0, epoch: 0 },
      lr: 0.05,
      optimizer: s.opt,
      probe: null,
      labels: null,
      previewCount: 0,
    });
    expect(out.metrics.loss_adv).toBeDefined();
    expect(out.metrics.loss_mix).toBeDefined();
    expect(enqueued).toHaveLength(1);
    // The same shuffle (same Rng seed) through the key encoder on the clean key views: training-mode
    // BN uses batch statistics, so the step's later updates to moving statistics do not matter.
    const expected = shuffledKeys(moco.keyEncoder, s.xk, s.cfg.bnGroups, new Rng(9));
    const diff = await tf.max(tf.abs(tf.sub(expected, enqueued[0]!))).data();
    expect(diff[0]).toBeLessThan(1e-5);
    const head = tf.slice(moco.queue.keys, [0, 0], [8, -1]);
    expect((await tf.max(tf.abs(tf.sub(head, expected))).data())[0]).toBeLessThan(1e-5);
    [expected, head, ...enqueued].forEach((t) => t.dispose());
    Object.values(out.metrics).forEach((t) => t.dispose());
    s.base.dispose();
    s.opt.dispose();
  });
});

// Behaviour over many steps, not hand-computed values: on tfjs's WebAssembly backend (testing/wasm.ts;
// float32 like the CPU backend, its sums differ only in the last bits, many times faster in Node). The
// math tests above stay on the CPU backend.
describe('MoCo-v2 training steps on the WebAssembly backend', () => {
  beforeAll(useWasm);
  afterAll(useCpu);

  it('loss falls over 20 steps on a fixed data set, and tensors do not leak', async () => {
    // A fixed pool of 8 batches visited in order; queue K = 2 batches, so the queue never holds
    // keys of the current batch's own images. Compare one full pass before and after training.
    const cfg = tinyConfig({ lr: 0.05, queueSize: 16, batchSize: 8, warmupSteps: 0 });
    const rng = new Rng(cfg.seed);
    const base = METHODS['moco-v2'].createBase(cfg, 1, rng);
    const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
    const pool = Array.from({ length: 8 }, (_, i) => {
      const xq = fixedImages(8, cfg.imageSize, 1, 100 + i);
      const xk = tf.tidy(() =>
        tf.clipByValue(tf.add(xq, tf.randomNormal(xq.shape, 0, 0.05, 'float32', i)), 0, 1),
      );
      return { xq, xk: xk as tf.Tensor4D };
    });
    const indices = new Int32Array(8).map((_, i) => i);
    const losses: number[] = [];
    let count = -1;
    for (let i = 0; i < 2 + 8 + 20 + 8; i++) {
      const { xq, xk } = pool[i % 8]!;
      const out = trainStep({
        base,
        generators: [],
        cfg,
        input: { views: [xq, xk], indices, rng, step: i, epoch: 0 },
        lr: i < 2 ? 0 : cfg.lr, // two warm-up steps fill the queue with real keys
        optimizer: opt,
        probe: null,
        labels: null,
        previewCount: i % 5 === 0 ? 2 : 0,
      });
      losses.push((await out.metrics.loss_clean!.data())[0]!);
      Object.values(out.metrics).forEach((t) => t.dispose());
      Object.values(out.previews ?? {}).forEach((t) => t.dispose());
      if (count < 0) count = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(count);
    }
    const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    const before = mean(losses.slice(2, 10));
    const after = mean(losses.slice(30, 38));
    expect(after).toBeLessThan(before * 0.9);
    pool.forEach((p) => [p.xq, p.xk].forEach((t) => t.dispose()));
    base.dispose();
    opt.dispose();
  });
});

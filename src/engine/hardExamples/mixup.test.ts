import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softCrossEntropyPerSample, mixedTargets } from '../losses/softCrossEntropy';
import type { MocoV2 } from '../methods/mocoV2';
import { METHODS } from '../methods/registry';
import type { PseudoLabelTask } from '../methods/types';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import type { ReadValues } from '../training/readback';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { drawMixup, mixUp, mixupGenerator } from './mixup';

beforeAll(useCpu);

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;

describe('mixUp', () => {
  it('blends each image with its partner by λ, pixel by pixel (hand-computed)', async () => {
    // Two 1×2×1 images x0 = [0, 1], x1 = [0.5, 0.2]; partners swap; λ = [0.25, 0.6].
    // x̃0 = 0.25·[0, 1] + 0.75·[0.5, 0.2] = [0.375, 0.4]; x̃1 = 0.6·[0.5, 0.2] + 0.4·[0, 1] = [0.3, 0.52].
    const x = tf.tensor4d([0, 1, 0.5, 0.2], [2, 1, 2, 1]);
    const partner = tf.tensor1d([1, 0], 'int32');
    const lambda = tf.tensor1d([0.25, 0.6]);
    const before = tf.memory().numTensors;
    const m = mixUp(x, partner, lambda);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(m.shape).toEqual([2, 1, 2, 1]);
    const got = Array.from(await m.data());
    [0.375, 0.4, 0.3, 0.52].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    tf.dispose([x, partner, lambda, m]);
  });

  it('uses one λ per sample in every channel, and λ = 1 or an own partner leaves the view unchanged', async () => {
    const [b, s, c] = [4, 6, 3];
    const x = tf.randomUniform([b, s, s, c], 0, 1, 'float32', 3) as tf.Tensor4D;
    const partner = tf.tensor1d([0, 2, 3, 1], 'int32'); // sample 0 is its own partner
    const lambda = tf.tensor1d([0.3, 1, 0.5, 0.1]);
    const m = mixUp(x, partner, lambda);
    const xs = await x.data();
    const ms = await m.data();
    const p = [0, 2, 3, 1];
    const l = [0.3, 1, 0.5, 0.1];
    const size = s * s * c;
    for (let i = 0; i < b; i++)
      for (let k = 0; k < size; k++)
        expect(ms[i * size + k]).toBeCloseTo(
          l[i]! * xs[i * size + k]! + (1 - l[i]!) * xs[p[i]! * size + k]!,
          6,
        );
    for (let k = 0; k < size; k++) {
      expect(ms[k]).toBeCloseTo(xs[k]!, 6); // own partner
      expect(ms[size + k]).toBeCloseTo(xs[size + k]!, 6); // λ = 1
    }
    tf.dispose([x, partner, lambda, m]);
  });
});

describe('drawMixup: λ ~ Beta(a, a) per sample', () => {
  it('draws a permutation of partners, then one λ per sample, reproducibly from the seed', () => {
    for (const seed of [1, 2, 3]) {
      const d = drawMixup(33, 1, new Rng(seed));
      expect(Array.from(d.partner).sort((p, q) => p - q)).toEqual(Array.from({ length: 33 }, (_, i) => i));
      // The same stream drawn by hand: the permutation first, then Beta(1, 1) per sample.
      const rng = new Rng(seed);
      expect(d.partner).toEqual(rng.permutation(33));
      expect(Array.from(d.lambda)).toEqual(Array.from({ length: 33 }, () => Math.fround(rng.beta(1, 1))));
      expect(drawMixup(33, 1, new Rng(seed))).toEqual(d);
    }
    // Different seeds, different draws.
    expect(drawMixup(16, 1, new Rng(1)).lambda).not.toEqual(drawMixup(16, 1, new Rng(2)).lambda);
  });

  it('follows a: a = 1 uniform, a small near 0 or 1, a large near 0.5 (moments of Beta(a, a))', () => {
    const n = 4000;
    const sd = (v: Float32Array) => Math.sqrt(mean(Array.from(v, (x) => (x - mean(v)) ** 2)));
    for (const [a, seed] of [
      [1, 4],
      [0.2, 5],
      [10, 6],
    ] as const) {
      const l = drawMixup(n, a, new Rng(seed)).lambda;
      for (const x of l) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
      // Beta(a, a): mean 1/2 (standard error at most 0.5/√4000 = 0.008), sd = 1 / (2·√(2a + 1)):
      // a = 1 → 0.289, a = 0.2 → 0.419, a = 10 → 0.109.
      expect(mean(l)).toBeGreaterThan(0.47);
      expect(mean(l)).toBeLessThan(0.53);
      expect(sd(l)).toBeCloseTo(1 / (2 * Math.sqrt(2 * a + 1)), 1);
    }
    // a = 1: a quarter of the draws in each quarter of [0, 1].
    const one = drawMixup(n, 1, new Rng(7)).lambda;
    expect(one.filter((x) => x < 0.25).length / n).toBeCloseTo(0.25, 1);
    // a = 0.2: most draws within 0.1 of 0 or 1 (P = 2·I_0.1(0.2, 0.2) ≈ 0.55); a = 10: none.
    const ends = (v: Float32Array) => v.filter((x) => x < 0.1 || x > 0.9).length / n;
    expect(ends(drawMixup(n, 0.2, new Rng(8)).lambda)).toBeGreaterThan(0.45);
    expect(ends(drawMixup(n, 10, new Rng(8)).lambda)).toBeLessThan(0.01);
  });
});

describe('the mixed loss', () => {
  it('equals λ·CE(own) + (1 − λ)·CE(partner) on a worked case', async () => {
    // logits row 0 = [1, 0, −1], own 0, partner 1, λ = 0.25: lse = ln(e + 1 + 1/e) = 1.407606;
    //   CE(own) = 0.407606, CE(partner) = 1.407606 → 0.25·0.407606 + 0.75·1.407606 = 1.157606.
    // row 1 = [0.5, 2, 0], own 1, partner 0, λ = 0.6: lse = ln(e^0.5 + e^2 + 1) = 2.306356;
    //   CE(own) = 0.306356, CE(partner) = 1.806356 → 0.6·0.306356 + 0.4·1.806356 = 0.906356.
    const loss = tf.tidy(() =>
      softCrossEntropyPerSample(
        tf.tensor2d([1, 0, -1, 0.5, 2, 0], [2, 3]),
        mixedTargets(tf.tensor1d([0, 1], 'int32'), tf.tensor1d([1, 0], 'int32'), tf.tensor1d([0.25, 0.6]), 3),
      ),
    );
    const got = await loss.data();
    expect(got[0]).toBeCloseTo(1.157606, 5);
    expect(got[1]).toBeCloseTo(0.906356, 5);
    loss.dispose();
  });

  it('through the generator and MoCo’s task: the mixed view scored against λ·own key + (1 − λ)·partner’s key', async () => {
    const cfg = tinyConfig({ method: 'hexa-moco', mixup: true });
    const base = METHODS['hexa-moco'].createBase(cfg, 1, new Rng(5)) as MocoV2;
    const xq = fixedImages(8, 16, 1, 11);
    const xk = fixedImages(8, 16, 1, 12);
    const task = base.beginStep(
      { views: [xq, xk], indices: new Int32Array(8), rng: new Rng(9), step: 0, epoch: 0 },
      cfg,
    ) as PseudoLabelTask & { keys: tf.Tensor2D };
    const hard = mixupGenerator.generate(task, xq, cfg, new Rng(6));
    const drawn = drawMixup(8, cfg.mixupAlpha, new Rng(6));
    const mode = { training: false } as const;
    const loss = hard.loss(task, mode).loss;
    // By hand from the logits of the mixed views: column i is sample i's key, then the queue.
    const logits = tf.tidy(() => {
      const q = base.encoder.embed(hard.view, mode);
      return tf.div(tf.matMul(q, tf.concat([task.keys, base.queue.keys], 0), false, true), cfg.temperature);
    });
    const [l, got] = [await logits.data(), await loss.data()];
    const m = logits.shape[1]!;
    for (let i = 0; i < 8; i++) {
      const row = Array.from(l.subarray(i * m, (i + 1) * m));
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      const j = drawn.partner[i]!;
      const lam = drawn.lambda[i]!;
      expect(got[i]).toBeCloseTo(lam * (lse - row[i]!) + (1 - lam) * (lse - row[j]!), 4);
    }
    expect(hard.weight).toBe(cfg.wMixup);
    tf.dispose([loss, logits, xq, xk]);
    hard.dispose();
    task.dispose();
    base.dispose();
  });
});

describe('mixupGenerator', () => {
  it('is off by default (the published HEXA) and on only with the switch on and w_mixup > 0', () => {
    const cfg = tinyConfig();
    expect(mixupGenerator.enabled(cfg)).toBe(false);
    expect(mixupGenerator.enabled({ ...cfg, mixup: true })).toBe(true);
    expect(mixupGenerator.enabled({ ...cfg, mixup: true, wMixup: 0 })).toBe(false);
  });

  it('its previews and metric read back as the panel shows them, and it frees what it made', async () => {
    const cfg = tinyConfig({ mixup: true, mixupAlpha: 0.5 });
    const xq = tf.randomUniform([8, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const task = {} as PseudoLabelTask;
    const before = tf.memory().numTensors;
    const hard = mixupGenerator.generate(task, xq, cfg, new Rng(6));
    const drawn = drawMixup(8, 0.5, new Rng(6));
    const shown = tf.tidy(() => hard.previews({ clean: null!, hard: null, query: xq }, 3));
    const metric = tf.tidy(() => hard.metrics({ clean: null!, hard: null, query: xq }));
    expect((await metric.lambda_mixup!.data())[0]).toBeCloseTo(mean(drawn.lambda), 6);
    const values = Object.fromEntries(
      await Promise.all(
        Object.entries(shown).map(async ([k, t]) => [k, (await t.data()) as ReadValues] as const),
      ),
    );
    const shapes = Object.fromEntries(Object.entries(shown).map(([k, t]) => [k, t.shape]));
    const own = [7, 6, 5, 4, 3, 2, 1, 0];
    const p = mixupGenerator.readPreview(values, shapes, { cfg, query: [], ownLabels: own });
    expect(p.lambda).toEqual(Array.from(drawn.lambda.subarray(0, 3)));
    expect(p.partnerIndex).toEqual(Array.from(drawn.partner.subarray(0, 3)));
    expect(p.ownLabel).toEqual([7, 6, 5]);
    expect(p.partnerLabel).toEqual(p.partnerIndex.map((j) => own[j]));
    expect(p.mixed).toHaveLength(3);
    expect(p.partner).toHaveLength(3);
    tf.dispose([...Object.values(shown), ...Object.values(metric)]);
    hard.dispose();
    expect(tf.memory().numTensors).toBe(before);
    xq.dispose();
  });
});

describe('HEXA-MoCo with only mix-up: 50 training steps', () => {
  // 8-pixel views keep the 51 steps short on the CPU backend.
  const cfg = tinyConfig({
    method: 'hexa-moco',
    adversarial: false,
    cutmix: false,
    mixup: true,
    imageSize: 8,
  });
  let xq: tf.Tensor4D;
  let xk: tf.Tensor4D;
  beforeAll(() => {
    xq = fixedImages(8, 8, 1, 11);
    xk = fixedImages(8, 8, 1, 13);
  });
  afterAll(() => tf.dispose([xq, xk]));

  it('reports loss_mixup and lambda_mixup, changes the backbone, and leaks no tensor', async () => {
    const def = METHODS['hexa-moco'];
    const base = def.createBase(cfg, 1, new Rng(5)) as MocoV2;
    const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
    const step = (i: number) =>
      trainStep({
        base,
        generators: def.generatorImpls,
        cfg,
        input: { views: [xq, xk], indices: new Int32Array(8), rng: new Rng(100 + i), step: i, epoch: 0 },
        lr: 0.05,
        optimizer: opt,
        probe: null,
        labels: null,
        previewCount: i % 10 === 0 ? 4 : 0,
      });
    const first = base.encoder.params[0]!.dataSync().slice();
    const out0 = step(0);
    expect(Object.keys(out0.metrics)).toEqual(expect.arrayContaining(['loss_mixup', 'lambda_mixup']));
    expect(Object.keys(out0.metrics)).not.toContain('loss_mix');
    expect(Object.keys(out0.metrics)).not.toContain('loss_adv');
    expect(Object.keys(out0.previews!)).toEqual(
      expect.arrayContaining(['mixup:view', 'mixup:partner_view', 'mixup:partner', 'mixup:lambda']),
    );
    const [loss, clean, mix] = await Promise.all(
      ['loss', 'loss_clean', 'loss_mixup'].map(async (k) => (await out0.metrics[k]!.data())[0]!),
    );
    // L = L_clean + w_mixup · L_mixup (w_mixup = 1).
    expect(loss).toBeCloseTo(clean! + mix!, 4);
    expect(mix).toBeGreaterThan(0);
    tf.dispose([...Object.values(out0.metrics), ...Object.values(out0.previews ?? {})]);
    expect(Array.from(base.encoder.params[0]!.dataSync())).not.toEqual(Array.from(first));

    const counts: number[] = [];
    for (let i = 1; i <= 50; i++) {
      const out = step(i);
      tf.dispose([...Object.values(out.metrics), ...Object.values(out.previews ?? {})]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[counts.length - 1]).toBe(counts[0]);
    base.dispose();
    opt.dispose();
  });
});

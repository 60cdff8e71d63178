import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHODS } from '../methods/registry';
import type { BaseMethod, PseudoLabelTask } from '../methods/types';
import type { MocoV2 } from '../methods/mocoV2';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { adversarialGenerator, makeAdversarial, pgd, type PgdSettings } from './adversarial';

// A fixed tiny MoCo model (random init, seed 1) and batch: B = 8, 16×16×1, queue K = 16, d = 8.
const cfg = tinyConfig();
let base: BaseMethod;
let task: PseudoLabelTask;
let xq: tf.Tensor4D;
let xk: tf.Tensor4D;

beforeAll(async () => {
  await useCpu();
  base = METHODS['moco-v2'].createBase(cfg, 1, new Rng(1));
  xq = fixedImages(cfg.batchSize, cfg.imageSize, 1, 11);
  xk = tf.tidy(() =>
    tf.clipByValue(tf.add(xq, tf.randomNormal(xq.shape, 0, 0.05, 'float32', 3)), 0, 1),
  ) as tf.Tensor4D;
  const indices = new Int32Array(cfg.batchSize).map((_, i) => i);
  task = base.beginStep({ views: [xq, xk], indices, rng: new Rng(2), step: 0, epoch: 0 }, cfg);
});

afterAll(() => {
  task.dispose();
  base.dispose();
  xq.dispose();
  xk.dispose();
});

const EPS = 4 / 255; // the default budget
const settings = (steps: number, over: Partial<PgdSettings> = {}): PgdSettings => ({
  epsilon: EPS,
  steps,
  stepSize: steps > 1 ? EPS / 2 : EPS, // the defaults (docs/DESIGN-NOTES.md, "HEXA-MoCo"): α = ε for T = 1, ε/2 for T > 1
  ...over,
});

/** Mean pretext loss of the views x + δ (δ = null: clean), inference mode. */
async function meanLoss(x: tf.Tensor4D, delta: tf.Tensor4D | null): Promise<number> {
  const t = tf.tidy(() => tf.mean(task.score(delta ? tf.add(x, delta) : x, { training: false }).loss));
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

async function snapshot(vars: tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
}

/** Max |a − b| over all elements. */
async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const t = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

describe('PGD on the MoCo pretext loss', () => {
  it.each([1, 3])(
    'raises the mean InfoNCE of the queries (T = %i), more than random ±ε noise',
    async (steps) => {
      const clean = await meanLoss(xq, null);
      const delta = pgd(task, xq, settings(steps), new Rng(4));
      const attacked = await meanLoss(xq, delta);
      // Control: random-sign noise of the full budget (a stronger perturbation than PGD's in L2).
      const noise = tf.tidy(() =>
        tf.mul(tf.sign(tf.randomUniform(xq.shape, -1, 1, 'float32', 5)), EPS),
      ) as tf.Tensor4D;
      const noisy = await meanLoss(xq, noise);
      expect(attacked).toBeGreaterThan(clean);
      expect(attacked - clean).toBeGreaterThan(2 * Math.abs(noisy - clean));
      [delta, noise].forEach((t) => t.dispose());
    },
  );

  it('three steps raise the loss at least as much as one', async () => {
    const d1 = pgd(task, xq, settings(1), new Rng(4));
    const d3 = pgd(task, xq, settings(3), new Rng(4));
    expect(await meanLoss(xq, d3)).toBeGreaterThanOrEqual(await meanLoss(xq, d1));
    [d1, d3].forEach((t) => t.dispose());
  });

  it('keeps ‖δ‖∞ ≤ ε and x + δ in [0, 1], clipping at the pixel bounds', async () => {
    // A batch with a third of the pixels exactly 0 and a third exactly 1.
    const x = tf.tidy(() => {
      const u = fixedImages(cfg.batchSize, cfg.imageSize, 1, 21);
      return tf.where(tf.less(u, 0.35), tf.zerosLike(u), tf.where(tf.greater(u, 0.65), tf.onesLike(u), u));
    }) as tf.Tensor4D;
    const eps = 8 / 255;
    for (const steps of [1, 3]) {
      const delta = pgd(
        task,
        x,
        settings(steps, { epsilon: eps, stepSize: steps > 1 ? eps / 2 : eps }),
        new Rng(6),
      );
      const xs = await x.data();
      const ds = await delta.data();
      let atZero = 0;
      let atOne = 0;
      let maxAbs = 0;
      for (let i = 0; i < xs.length; i++) {
        const xi = xs[i]!;
        const di = ds[i]!;
        maxAbs = Math.max(maxAbs, Math.abs(di));
        expect(Math.abs(di)).toBeLessThanOrEqual(eps + 1e-6);
        expect(xi + di).toBeGreaterThanOrEqual(-1e-6);
        expect(xi + di).toBeLessThanOrEqual(1 + 1e-6);
        if (xi === 0) {
          atZero++;
          expect(di).toBeGreaterThanOrEqual(0);
        }
        if (xi === 1) {
          atOne++;
          expect(di).toBeLessThanOrEqual(0);
        }
      }
      // The test is not vacuous: both bounds are present and δ uses (nearly) the whole budget.
      expect(atZero).toBeGreaterThan(xs.length / 10);
      expect(atOne).toBeGreaterThan(xs.length / 10);
      expect(maxAbs).toBeGreaterThan(0.9 * eps);
      delta.dispose();
    }
    x.dispose();
  });

  it('leaves every parameter, BatchNorm statistic and the queue bit-identical', async () => {
    const moco = base as MocoV2;
    const vars = [
      ...moco.encoder.params,
      ...moco.encoder.state,
      ...moco.keyEncoder.params,
      ...moco.keyEncoder.state,
      moco.queue.keys,
    ];
    expect(moco.encoder.state.length).toBeGreaterThan(0);
    const before = await snapshot(vars);
    const delta = pgd(task, xq, settings(3), new Rng(4));
    const after = await snapshot(vars);
    after.forEach((a, i) => expect(a, vars[i]!.name).toEqual(before[i]));
    delta.dispose();

    // Control: a training-mode forward does move the moving statistics, so the check above can fail.
    const s = await snapshot(moco.encoder.state);
    const probe = tf.tidy(() => tf.keep(task.score(xq, { training: true, bnGroups: 2 }).loss));
    const moved = await snapshot(moco.encoder.state);
    expect(moved.some((m, i) => m.some((v, j) => v !== s[i]![j]))).toBe(true);
    probe.dispose();
    // Put the statistics back for the other tests.
    tf.tidy(() => moco.encoder.state.forEach((v, i) => v.assign(tf.tensor(s[i]!, v.shape))));
  });

  it('returns δ = 0 for ε = 0', async () => {
    const delta = pgd(task, xq, { epsilon: 0, steps: 2, stepSize: 4 / 255 }, new Rng(4));
    expect(delta.shape).toEqual(xq.shape);
    const ds = await delta.data();
    expect(ds.every((v) => v === 0)).toBe(true);
    delta.dispose();
  });

  it('is reproducible: the same Rng seed gives the same δ, another seed another δ', async () => {
    const a = pgd(task, xq, settings(3), new Rng(7));
    const b = pgd(task, xq, settings(3), new Rng(7));
    const c = pgd(task, xq, settings(3), new Rng(8));
    expect(await a.data()).toEqual(await b.data());
    expect(await maxAbsDiff(a, c)).toBeGreaterThan(0);
    [a, b, c].forEach((t) => t.dispose());
  });

  it('leaks no tensors: only δ survives', () => {
    const before = tf.memory().numTensors;
    const delta = pgd(task, xq, settings(3), new Rng(4));
    expect(tf.memory().numTensors).toBe(before + 1);
    delta.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('adversarialGenerator', () => {
  it('is enabled only with the switch on, w_adv > 0 and ε > 0', () => {
    expect(adversarialGenerator.enabled(cfg)).toBe(true);
    expect(adversarialGenerator.enabled({ ...cfg, adversarial: false })).toBe(false);
    expect(adversarialGenerator.enabled({ ...cfg, wAdv: 0 })).toBe(false);
    expect(adversarialGenerator.enabled({ ...cfg, epsilon: 0 })).toBe(false);
  });

  it('converts the /255 settings, views = clip(xq + δ) with δ = pgd(…), and disposes all it made', async () => {
    const before = tf.memory().numTensors;
    const hard = makeAdversarial(task, xq, cfg, new Rng(4)); // what adversarialGenerator.generate is
    expect(adversarialGenerator.generate).toBe(makeAdversarial);
    // Same seed, settings in pixel units: ε = 4/255, T = 1, α = 4/255 (tiny preset).
    const expected = pgd(task, xq, { epsilon: 4 / 255, steps: 1, stepSize: 4 / 255 }, new Rng(4));
    expect(await maxAbsDiff(hard.delta, expected)).toBe(0);
    const sum = tf.add(xq, expected);
    expect(await maxAbsDiff(hard.view, sum)).toBeLessThan(1e-6);
    expect(hard.weight).toBe(cfg.wAdv);
    const lossMean = tf.tidy(() => {
      const { loss } = hard.loss(task, { training: false });
      expect(loss.shape).toEqual([cfg.batchSize]);
      return tf.mean(loss);
    });
    expect((await lossMean.data())[0]).toBeCloseTo(await meanLoss(xq, expected), 5);
    [expected, sum, lossMean].forEach((t) => t.dispose());
    hard.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

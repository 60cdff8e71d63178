import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../shared/config';
import { swappedPredictionLoss } from '../losses/swappedPrediction';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { METHODS } from './registry';
import { scoreAgainstCodes, Swav, swappedPerSample, SwavTask } from './swav';

beforeAll(useCpu);

const close = (a: number, b: number, digits = 5) => expect(a).toBeCloseTo(b, digits);

describe('SwAV losses', () => {
  it('scores a view against a soft code: soft cross-entropy, own label = the code’s arg-max', async () => {
    // logits [1, 3] = [2, 0, 0], code [0.5, 0.25, 0.25]: log-softmax = [2, 0, 0] − log(e² + 2)
    const logits = tf.tensor2d([[2, 0, 0]]);
    const codes = tf.tensor2d([[0.5, 0.25, 0.25]]);
    const f = tf.zeros([1, 2]) as tf.Tensor2D;
    const s = scoreAgainstCodes(logits, codes, f, f);
    const lse = Math.log(Math.exp(2) + 2);
    // −(0.5·(2 − lse) + 0.25·(−lse) + 0.25·(−lse)) = lse − 1
    close((await s.loss.data())[0]!, lse - 1);
    expect(Array.from(await s.argmax.data())).toEqual([0]);
    expect(Array.from(await s.ownLogit.data())).toEqual([2]);
    expect(Array.from(await s.rank.data())).toEqual([0]);
    // A code whose arg-max is prototype 1: its logit 0 has one higher column (rank 1).
    const s2 = scoreAgainstCodes(logits, tf.tensor2d([[0.2, 0.7, 0.1]]), f, f);
    expect(Array.from(await s2.ownLogit.data())).toEqual([0]);
    expect(Array.from(await s2.rank.data())).toEqual([1]);
    // −(0.2·(2 − lse) − 0.8·lse) = lse − 0.4
    close((await s2.loss.data())[0]!, lse - 0.4);
  });

  it('per-sample swapped prediction: 2·(V−1)·B terms whose mean is the swapped-prediction loss', async () => {
    const scores = [0, 1, 2, 3].map((i) => tf.randomNormal([5, 4], 0, 1, 'float32', 10 + i) as tf.Tensor2D);
    const codes = [0, 1].map((i) => tf.softmax(tf.randomNormal([5, 4], 0, 1, 'float32', 20 + i))) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    const per = swappedPerSample(scores, codes, 0.1);
    expect(per.shape).toEqual([2 * 3 * 5]);
    const reference = swappedPredictionLoss(scores, codes, 0.1);
    close((await tf.mean(per).data())[0]!, (await reference.data())[0]!);
    // Hand check of the first term: view 1 against code 0, sample 0.
    const s1 = (await scores[1]!.array())[0]!.map((v) => v / 0.1);
    const q0 = (await codes[0].array())[0]!;
    const lse = Math.log(s1.reduce((a, v) => a + Math.exp(v), 0));
    const first = -q0.reduce((a, q, k) => a + q * (s1[k]! - lse), 0);
    close((await per.data())[0]!, first, 3);
  });
});

/** A bare SwAV base and optimiser on fixed images (no trainer). */
function setup(over: Partial<TrainConfig> = {}) {
  const cfg = tinyConfig({ method: 'swav', swavPrototypes: 6, swavSmallCrops: 2, swavSmallSize: 8, ...over });
  const base = new Swav(cfg, 1, new Rng(cfg.seed));
  const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
  const large = fixedImages(cfg.batchSize, cfg.imageSize, 1, 11);
  const views = [
    large,
    tf.tidy(() => tf.clipByValue(tf.add(large, tf.randomNormal(large.shape, 0, 0.05, 'float32', 3)), 0, 1)),
    ...[0, 1].map((i) => fixedImages(cfg.batchSize, cfg.swavSmallSize, 1, 30 + i)),
  ] as tf.Tensor4D[];
  const indices = new Int32Array(cfg.batchSize).map((_, i) => i);
  const step = (epoch: number, generators = METHODS.swav.generatorImpls, rng = new Rng(9)) => {
    const out = trainStep({
      base,
      generators,
      cfg,
      input: { views, indices, rng, step: 0, epoch },
      lr: 0.1,
      optimizer: opt,
      probe: null,
      labels: null,
      previewCount: 0,
    });
    return out;
  };
  const done = () => {
    tf.dispose(views);
    base.dispose();
    opt.dispose();
  };
  return { cfg, base, opt, views, step, done };
}

const values = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));
const moved = (a: Float32Array[], b: Float32Array[]) => a.map((x, i) => x.some((v, j) => v !== b[i]![j]));

describe('SwAV base method', () => {
  it('asks for two large views and V small ones at the small crop scale', () => {
    const cfg = tinyConfig({ swavSmallCrops: 3, swavSmallSize: 8, swavSmallScaleMin: 0.2 });
    const base = new Swav(cfg, 1, new Rng(1));
    expect(base.views(cfg)).toEqual([
      { size: 16 },
      { size: 16 },
      ...Array(3).fill({ size: 8, cropScaleMin: 0.2 }),
    ]);
    expect(base.views({ ...cfg, swavSmallCrops: 0 })).toHaveLength(2);
    base.dispose();
  });

  it('starts with unit prototypes; its params are the encoder’s and the prototypes', async () => {
    const { base, done } = setup();
    const norms = await tf.norm(base.prototypes, 'euclidean', 1).data();
    norms.forEach((n) => close(n, 1));
    expect(base.params()).toEqual([...base.encoder.params, base.prototypes]);
    expect(base.stateVariables()).toContain(base.prototypes);
    done();
  });

  it('first epoch: the backbone moves, the prototypes do not (no gradient, no decay, no momentum)', async () => {
    const s = setup();
    const before = values(s.base.params());
    const out = s.step(0);
    tf.dispose(Object.values(out.metrics));
    const after = values(s.base.params());
    const protoAt = after.length - 1;
    // Every encoder variable moved; the prototypes are bit for bit the same, and so is their velocity.
    expect(moved(before, after).slice(0, protoAt).every(Boolean)).toBe(true);
    expect(moved(before, after)[protoAt]).toBe(false);
    expect(s.opt.velocities[protoAt]!.dataSync().every((v) => v === 0)).toBe(true);
    s.done();
  });

  it('after the freeze the prototypes learn and are L2-normalised after the step', async () => {
    const s = setup({ swavFreezeEpochs: 1 });
    const before = values([s.base.prototypes]);
    tf.dispose(Object.values(s.step(1).metrics));
    expect(moved(before, values([s.base.prototypes]))[0]).toBe(true);
    const norms = await tf.norm(s.base.prototypes, 'euclidean', 1).data();
    norms.forEach((n) => close(n, 1));
    // swavFreezeEpochs 0: learning from the very first step.
    const t = setup({ swavFreezeEpochs: 0 });
    const b0 = values([t.base.prototypes]);
    tf.dispose(Object.values(t.step(0).metrics));
    expect(moved(b0, values([t.base.prototypes]))[0]).toBe(true);
    s.done();
    t.done();
  });

  it('the clean loss is the swapped prediction over all views, codes from Sinkhorn on the large views', async () => {
    const s = setup();
    const cfg = s.cfg;
    const input = { views: s.views, indices: new Int32Array(8), rng: new Rng(1), step: 0, epoch: 1 };
    const mode = { training: false };
    const [loss, expected] = tf.tidy(() => {
      const task = s.base.beginStep(input, cfg);
      const c = task.clean(mode);
      const z = s.views.map((v) => s.base.encoder.embed(v, mode));
      const scores = z.map((e) => tf.matMul(e, s.base.prototypes, false, true) as tf.Tensor2D);
      // Sinkhorn by hand (3 rounds of column then row normalisation of exp(s/ε)), as the reference.
      const codes = [0, 1].map((i) => {
        let q = tf.exp(tf.div(scores[i]!, cfg.swavEpsilon));
        q = tf.div(q, tf.sum(q));
        for (let it = 0; it < cfg.swavSinkhornIters; it++) {
          q = tf.div(q, tf.mul(tf.sum(q, 0, true), 6));
          q = tf.div(q, tf.mul(tf.sum(q, 1, true), 8));
        }
        return tf.mul(q, 8) as tf.Tensor2D;
      });
      const ref = swappedPredictionLoss(scores, codes, cfg.swavTemperature);
      const out = [tf.mean(c.loss), ref];
      task.dispose();
      return out;
    });
    expect(loss!.shape).toEqual([]);
    close((await loss!.data())[0]!, (await expected!.data())[0]!, 4);
    tf.dispose([loss!, expected!]);
    s.done();
  });

  it('mixed targets: λ·q[i] + (1 − λ)·q[partner]; λ = 1 is the plain score', async () => {
    const s = setup();
    const input = { views: s.views, indices: new Int32Array(8), rng: new Rng(1), step: 0, epoch: 1 };
    const mode = { training: false };
    const result = tf.tidy(() => {
      const task = s.base.beginStep(input, s.cfg) as SwavTask;
      const x = s.views[0]!;
      const partner = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 0], 'int32');
      const own = task.score(x, mode).loss;
      const one = task.mixedLoss(x, partner, tf.ones([8]), mode);
      const half = task.mixedLoss(x, partner, tf.fill([8], 0.5), mode);
      // CE is linear in the target: λ = ½ is the mean of the own and the partner's CE.
      const logits = tf.div(
        tf.matMul(s.base.encoder.embed(x, mode), s.base.prototypes, false, true),
        s.cfg.swavTemperature,
      );
      const lsm = tf.logSoftmax(logits);
      const q = task.codes;
      const partnerCe = tf.neg(tf.sum(tf.mul(tf.gather(q, partner), lsm), 1));
      const expectedHalf = tf.div(tf.add(own, partnerCe), 2);
      const out = [tf.max(tf.abs(tf.sub(own, one))), tf.max(tf.abs(tf.sub(half, expectedHalf)))];
      // The codes' rows sum to one (soft assignment); own label = their arg-max.
      out.push(tf.max(tf.abs(tf.sub(tf.sum(q, 1), 1))));
      out.push(tf.sum(tf.abs(tf.sub(task.ownLabel, tf.argMax(q, 1)))));
      task.dispose();
      return out;
    });
    const [d1, d2, rows, labels] = await Promise.all(result.map((t) => t.data()));
    expect(d1![0]).toBeLessThan(1e-5);
    expect(d2![0]).toBeLessThan(1e-5);
    expect(rows![0]).toBeLessThan(1e-5);
    expect(labels![0]).toBe(0);
    tf.dispose(result);
    s.done();
  });

  it('tf.memory() stays flat over 50 steps (HEXA-SwAV: both generators on)', async () => {
    const s = setup({ adversarial: true, cutmix: true, batchSize: 4 });
    let count = -1;
    for (let i = 0; i < 50; i++) {
      const out = s.step(i < 25 ? 0 : 1, METHODS['hexa-swav'].generatorImpls, new Rng(i));
      expect(out.metrics.loss_adv).toBeDefined();
      expect(out.metrics.loss_mix).toBeDefined();
      expect(Number.isFinite((await out.metrics.loss!.data())[0]!)).toBe(true);
      tf.dispose(Object.values(out.metrics));
      if (count < 0) count = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(count);
    }
    s.done();
  });
});

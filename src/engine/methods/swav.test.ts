import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../shared/config';
import { swappedPredictionLoss } from '../losses/swappedPrediction';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { METHODS } from './registry';
import { queuedCodes, scoreAgainstCodes, Swav, swappedPerSample, SwavTask } from './swav';

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

  it('a queue joins Sinkhorn: the batch’s codes are spread together with the queue’s scores', async () => {
    // Prototypes e₀, e₁ (d 2); queue [[1, 0]] (scores [1, 0]); batch score [0, 0]; ε 1, one round.
    // exp: queue [e, 1], batch [1, 1], ÷ (e + 3). Columns to ½ each: queue [e/(2(e+1)), ¼], batch
    // [1/(2(e+1)), ¼]; the batch row to ½ and × 2 samples: [2/(e + 3), (e + 1)/(e + 3)]. The queue
    // already favours prototype 0, so the batch's code leans to prototype 1; alone it would be [½, ½].
    const c = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const settings = { tau: 0.1, epsilon: 1, iterations: 1 };
    const scores = tf.tensor2d([[0, 0]]);
    const withQueue = await queuedCodes(scores, tf.tensor2d([[1, 0]]), c, settings).array();
    const e = Math.E;
    close(withQueue[0]![0]!, 2 / (e + 3));
    close(withQueue[0]![1]!, (e + 1) / (e + 3));
    const alone = await queuedCodes(scores, null, c, settings).array();
    expect(alone[0]![0]).toBeCloseTo(0.5, 6);
    expect(alone[0]![1]).toBeCloseTo(0.5, 6);
  });
});

/** A bare SwAV base and optimiser on fixed images (no trainer). */
function setup(over: Partial<TrainConfig> = {}) {
  const cfg = tinyConfig({
    method: 'swav',
    swavPrototypes: 6,
    swavSmallCrops: 2,
    swavSmallSize: 8,
    swavFreezeEpochs: 1,
    ...over,
  });
  const base = new Swav(cfg, 1, new Rng(cfg.seed));
  const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
  const large = fixedImages(cfg.batchSize, cfg.imageSize, 1, 11);
  const views = [
    large,
    tf.tidy(() => tf.clipByValue(tf.add(large, tf.randomNormal(large.shape, 0, 0.05, 'float32', 3)), 0, 1)),
    ...[0, 1].map((i) => fixedImages(cfg.batchSize, cfg.swavSmallSize, 1, 30 + i)),
  ] as tf.Tensor4D[];
  const indices = new Int32Array(cfg.batchSize).map((_, i) => i);
  const step = (epoch: number, generators = METHODS.swav.generatorImpls, rng = new Rng(9), at = 0) => {
    const out = trainStep({
      base,
      generators,
      cfg,
      input: { views, indices, rng, step: at, epoch },
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

  it('the queue: the large views’ unit embeddings enter newest first; it joins Sinkhorn once full', async () => {
    // Batch 8, queue 12 per large view: not used at steps 0 and 1 (8, 16 … embeddings seen: full after 2).
    const s = setup({ swavQueueSize: 12, swavFreezeEpochs: 0 });
    const q = s.base.queue!;
    expect(q.shape).toEqual([24, s.cfg.embedDim]);
    expect(s.base.stateVariables()).toContain(q);
    expect([0, 1, 2, 3].map((t) => s.base.queueReady(t, 8))).toEqual([false, false, true, true]);
    expect(q.dataSync().every((v) => v === 0)).toBe(true);
    // What step 0 enqueues: the clean pass's embeddings of views 0 and 1 (training mode, before the step).
    const mode = { training: true, bnGroups: s.cfg.bnGroups };
    const expected = tf.tidy(() => s.views.slice(0, 2).map((v) => s.base.encoder.embed(v, mode).arraySync()));
    tf.dispose(Object.values(s.step(0).metrics));
    const rows = (await q.array()) as number[][];
    const d = s.cfg.embedDim;
    // Rows 0–7: view 0's batch, rows 8–11 still zero; rows 12–19 view 1's, 20–23 zero.
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < d; j++) {
        close(rows[i]![j]!, expected[0]![i]![j]!, 4);
        close(rows[12 + i]![j]!, expected[1]![i]![j]!, 4);
      }
    [8, 9, 10, 11, 20, 21, 22, 23].forEach((r) => expect(rows[r]!.every((v) => v === 0)).toBe(true));
    // A second step pushes the first batch back by 8: its first 4 rows are now rows 8–11.
    tf.dispose(Object.values(s.step(0, undefined, undefined, 1).metrics));
    const next = (await q.array()) as number[][];
    for (let i = 0; i < 4; i++) expect(next[8 + i]).toEqual(rows[i]);
    // A task at step 2 scores its batch together with the full queue: its codes differ from the batch's
    // own Sinkhorn (same network and views, the queue left out).
    const input = (step: number) => ({
      views: s.views,
      indices: new Int32Array(8),
      rng: new Rng(1),
      step,
      epoch: 1,
    });
    const diff = tf.tidy(() => {
      const codes = [2, 0].map((step) => {
        const task = s.base.beginStep(input(step), s.cfg) as SwavTask;
        task.clean({ training: false });
        const c = tf.clone(task.codes);
        task.dispose();
        return c;
      });
      return tf.max(tf.abs(tf.sub(codes[0]!, codes[1]!)));
    });
    expect((await diff.data())[0]).toBeGreaterThan(1e-3);
    diff.dispose();
    s.done();
  });
});

// Behaviour over many steps, not hand-computed values: on tfjs's WebAssembly backend (testing/wasm.ts;
// float32 like the CPU backend, its sums differ only in the last bits, many times faster in Node). The
// math tests above stay on the CPU backend.
describe('SwAV training steps on the WebAssembly backend', () => {
  beforeAll(useWasm);
  afterAll(useCpu);

  it('tf.memory() stays flat over 50 steps (HEXA-SwAV: both generators on)', async () => {
    const s = setup({ adversarial: true, cutmix: true, batchSize: 4, swavQueueSize: 8 });
    let count = -1;
    for (let i = 0; i < 50; i++) {
      const out = s.step(i < 25 ? 0 : 1, METHODS['hexa-swav'].generatorImpls, new Rng(i), i);
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

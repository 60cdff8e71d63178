import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATOR_IDS, methodInfo, missingGenerators } from '../../shared/catalog';
import { lejepaPredictiveLoss } from '../losses/lejepa';
import { sigreg } from '../losses/sigreg';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { Lejepa, lejepaPerSample } from './lejepa';
import { METHODS } from './registry';

beforeAll(useCpu);

const snapshot = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));

describe('lejepaPerSample', () => {
  const z0 = () => tf.tensor2d([[0], [2]]);
  const z1 = () => tf.tensor2d([[2], [2]]);
  const dirs = () => tf.tensor2d([[1]]); // d = 1, one slice

  it('λ = 0: the squared distance of each view to the views’ centre, per sample (by hand)', () => {
    // centre = [[1], [2]]: view 0 → (1 − 0)², (2 − 2)²; view 1 → (1 − 2)², (2 − 2)².
    const got = tf.tidy(() => Array.from(lejepaPerSample([z0(), z1()], dirs(), 0).dataSync()));
    expect(got).toEqual([1, 0, 1, 0]);
    const pred = tf.tidy(() => lejepaPredictiveLoss(tf.stack([z0(), z1()]) as tf.Tensor3D).dataSync()[0]!);
    expect(pred).toBeCloseTo(0.5, 6); // its mean is losses/lejepa.ts's predictive loss
  });

  it('λ: (1 − λ)·predictive + λ·(SIGReg of each view, averaged over views)', () => {
    const lambda = 0.3;
    tf.tidy(() => {
      const s0 = sigreg(z0(), dirs()).dataSync()[0]!;
      const s1 = sigreg(z1(), dirs()).dataSync()[0]!;
      expect(s1).toBeGreaterThan(s0); // [2, 2] is further from N(0, 1) than [0, 2]
      const got = Array.from(lejepaPerSample([z0(), z1()], dirs(), lambda).dataSync());
      const reg = (s0 + s1) / 2;
      [1, 0, 1, 0].forEach((p, i) => expect(got[i]).toBeCloseTo(0.7 * p + lambda * reg, 5));
    });
  });
});

function setup(over = {}) {
  const cfg = tinyConfig({ method: 'lejepa', batchSize: 8, lr: 0.05, warmupSteps: 0, ...over });
  const base = METHODS.lejepa.createBase(cfg, 1, new Rng(cfg.seed)) as Lejepa;
  const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
  const x0 = fixedImages(8, cfg.imageSize, 1, 11);
  const x1 = tf.tidy(
    () => tf.clipByValue(tf.add(x0, tf.randomNormal(x0.shape, 0, 0.05, 'float32', 3)), 0, 1) as tf.Tensor4D,
  );
  const indices = new Int32Array(8).map((_, i) => i);
  const step = (i: number, rng = new Rng(9)) =>
    trainStep({
      base,
      generators: [],
      cfg,
      input: { views: [x0, x1], indices, rng, step: i, epoch: 0 },
      lr: cfg.lr,
      optimizer: opt,
      probe: null,
      labels: null,
      previewCount: i % 5 === 0 ? 2 : 0,
    });
  const dispose = () => {
    base.dispose();
    opt.dispose();
    tf.dispose([x0, x1]);
  };
  return { cfg, base, opt, x0, x1, step, dispose };
}

describe('LeJEPA', () => {
  it('is a plain regression method: no capability, no generator, and the UI says why', () => {
    const d = methodInfo('lejepa');
    expect(d.labelKind).toBe('target');
    expect(d.capabilities).toEqual([]);
    expect(d.generators).toEqual([]);
    expect(d.groups).toEqual(['lejepa']);
    expect(missingGenerators(d).map((m) => m.id)).toEqual([...GENERATOR_IDS]);
    expect(d.help).toMatch(/no pseudo-label/);
  });

  it('one step changes every backbone weight', () => {
    const s = setup();
    const before = snapshot(s.base.encoder.backbone.params);
    tf.dispose(Object.values(s.step(0).metrics));
    const after = snapshot(s.base.encoder.backbone.params);
    expect(after.filter((a, i) => a.some((v, j) => v !== before[i]![j])).length).toBe(before.length);
    s.dispose();
  });

  it('its clean loss is (1 − λ)·predictive + λ·SIGReg of the raw embeddings, with fresh directions per step', () => {
    const s = setup({ lejepaLambda: 0.4, lejepaSlices: 5 });
    const input = (seed: number) => ({
      views: [s.x0, s.x1],
      indices: new Int32Array(8),
      rng: new Rng(seed),
      step: 0,
      epoch: 0,
    });
    const mode = { training: false };
    const task = s.base.beginStep(input(1), s.cfg);
    expect(task.directions.shape).toEqual([s.cfg.embedDim, 5]);
    tf.tidy(() => {
      const z = [s.x0, s.x1].map((x) => s.base.encoder.head.apply(s.base.encoder.features(x, mode), mode));
      const pred = lejepaPredictiveLoss(tf.stack(z) as tf.Tensor3D).dataSync()[0]!;
      const reg =
        (sigreg(z[0]!, task.directions).dataSync()[0]! + sigreg(z[1]!, task.directions).dataSync()[0]!) / 2;
      const got = tf.mean(task.clean(mode).loss).dataSync()[0]!;
      expect(got).toBeCloseTo(0.6 * pred + 0.4 * reg, 4);
      // The query's retrieval check: cosine of view 0's embedding with view 1's, in [−1, 1].
      const q = task.score(s.x0, mode);
      q.ownLogit.dataSync().forEach((c) => expect(Math.abs(c)).toBeLessThanOrEqual(1 + 1e-5));
    });
    const other = s.base.beginStep(input(2), s.cfg);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(task.directions, other.directions))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(0);
    task.dispose();
    other.dispose();
    s.dispose();
  });
});

// Behaviour over many steps, not hand-computed values: on tfjs's WebAssembly backend (testing/wasm.ts;
// float32 like the CPU backend, its sums differ only in the last bits, many times faster in Node). The
// math tests above stay on the CPU backend.
describe('LeJEPA training steps on the WebAssembly backend', () => {
  beforeAll(useWasm);
  afterAll(useCpu);

  it('loss falls over 20 steps on a fixed batch, and tf.memory() stays flat over 50 steps', async () => {
    const s = setup();
    const losses: number[] = [];
    let count = -1;
    for (let i = 0; i < 50; i++) {
      const out = s.step(i, new Rng(100 + i));
      losses.push((await out.metrics.loss_clean!.data())[0]!);
      expect(Number.isFinite(losses.at(-1)!)).toBe(true);
      tf.dispose([...Object.values(out.metrics), ...Object.values(out.previews ?? {})]);
      if (count < 0) count = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(count);
    }
    const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    expect(mean(losses.slice(20, 25))).toBeLessThan(mean(losses.slice(0, 5)));
    s.dispose();
  });
});

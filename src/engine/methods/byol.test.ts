import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATOR_IDS, methodInfo, missingGenerators } from '../../shared/catalog';
import { byolLossPerSample } from '../losses/byol';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { Byol, byolTau } from './byol';
import { METHODS } from './registry';

beforeAll(useCpu);

const snapshot = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));

function setup(over = {}) {
  const cfg = tinyConfig({ method: 'byol', batchSize: 8, lr: 0.05, warmupSteps: 0, ...over });
  const base = METHODS.byol.createBase(cfg, 1, new Rng(cfg.seed)) as Byol;
  const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
  const x0 = fixedImages(8, cfg.imageSize, 1, 11);
  const x1 = tf.tidy(
    () => tf.clipByValue(tf.add(x0, tf.randomNormal(x0.shape, 0, 0.05, 'float32', 3)), 0, 1) as tf.Tensor4D,
  );
  const indices = new Int32Array(8).map((_, i) => i);
  const step = (i: number, rng = new Rng(9), totalSteps?: number) =>
    trainStep({
      base,
      generators: [],
      cfg,
      input: { views: [x0, x1], indices, rng, step: i, totalSteps, epoch: 0 },
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

describe('BYOL', () => {
  it('is a plain regression method: no capability, no generator, and the UI says why', () => {
    const d = methodInfo('byol');
    expect(d.labelKind).toBe('target');
    expect(d.capabilities).toEqual([]);
    expect(d.generators).toEqual([]);
    expect(d.groups).toEqual(['byol']);
    const missing = missingGenerators(d);
    expect(missing.map((m) => m.id)).toEqual([...GENERATOR_IDS]);
    missing.forEach((m) => expect(m.why).toMatch(/pseudo-label|mixed/));
    expect(d.help).toMatch(/no pseudo-label/);
  });

  it('trains the online network and predictor (not the target) and changes the backbone in one step', () => {
    const s = setup();
    expect(s.base.params()).toHaveLength(s.base.encoder.params.length + s.base.predictor.params.length);
    for (const v of s.base.target.params) expect(s.base.params()).not.toContain(v);
    const backbone = snapshot(s.base.encoder.backbone.params);
    const predictor = snapshot(s.base.predictor.params);
    tf.dispose(Object.values(s.step(0).metrics));
    const moved = (before: Float32Array[], vs: tf.Variable[]) =>
      snapshot(vs).filter((a, i) => a.some((v, j) => v !== before[i]![j])).length;
    expect(moved(backbone, s.base.encoder.backbone.params)).toBe(backbone.length);
    expect(moved(predictor, s.base.predictor.params)).toBe(predictor.length);
    s.dispose();
  });

  it('moves the target network to τ·ξ + (1 − τ)·θ before each step (hand-computed from snapshots)', () => {
    const s = setup({ byolMomentum: 0.75 });
    const target0 = snapshot(s.base.target.params);
    expect(target0).toEqual(snapshot(s.base.encoder.params)); // the target starts as a copy
    tf.dispose(Object.values(s.step(0).metrics)); // θ moves; ξ = 0.75·ξ + 0.25·ξ: unchanged
    expect(snapshot(s.base.target.params)).toEqual(target0);
    const online1 = snapshot(s.base.encoder.params);
    tf.dispose(Object.values(s.step(1).metrics));
    const target1 = snapshot(s.base.target.params);
    target1.forEach((t, i) =>
      t.forEach((v, j) => expect(v).toBeCloseTo(0.75 * target0[i]![j]! + 0.25 * online1[i]![j]!, 6)),
    );
    s.dispose();
  });

  it('raises τ from byolMomentum to 1 by a cosine over the run when byolMomentumCosine is on (hand values)', () => {
    const cos = tinyConfig({ method: 'byol', byolMomentum: 0.99, byolMomentumCosine: true });
    expect(byolTau(cos, 0, 200)).toBeCloseTo(0.99, 12);
    expect(byolTau(cos, 100, 200)).toBeCloseTo(0.995, 12); // 1 − 0.01·(cos(π/2) + 1)/2
    expect(byolTau(cos, 50, 200)).toBeCloseTo(1 - (0.01 * (Math.SQRT1_2 + 1)) / 2, 12);
    expect(byolTau(cos, 200, 200)).toBeCloseTo(1, 12);
    expect(byolTau(cos, 7, undefined)).toBe(0.99); // a step outside a run: the base τ
    expect(byolTau({ ...cos, byolMomentumCosine: false }, 100, 200)).toBe(0.99);
    // In a step: the target moves by the scheduled τ of that step (k = 1 of K = 4: τ = 1 − 0.25·(cos(π/4) + 1)/2).
    const s = setup({ byolMomentum: 0.5, byolMomentumCosine: true });
    const target0 = snapshot(s.base.target.params);
    tf.dispose(Object.values(s.step(0, new Rng(9), 4).metrics));
    const online1 = snapshot(s.base.encoder.params);
    tf.dispose(Object.values(s.step(1, new Rng(9), 4).metrics));
    const tau = 1 - (0.5 * (Math.SQRT1_2 + 1)) / 2;
    snapshot(s.base.target.params).forEach((t, i) =>
      t.forEach((v, j) => expect(v).toBeCloseTo(tau * target0[i]![j]! + (1 - tau) * online1[i]![j]!, 6)),
    );
    s.dispose();
  });

  it('steps the predictor at byolPredictorLrScale × the lr and the online encoder at the lr', () => {
    // The same init and batch: the first step's gradients agree, so with zero velocities the predictor's
    // move scales with the multiplier and the encoder's does not.
    const a = setup({ byolPredictorLrScale: 1 });
    const b = setup({ byolPredictorLrScale: 3 });
    expect(b.base.lrScales(b.cfg)).toEqual([
      ...b.base.encoder.params.map(() => 1),
      ...b.base.predictor.params.map(() => 3),
    ]);
    const before = snapshot([...a.base.encoder.params, ...a.base.predictor.params]);
    expect(snapshot([...b.base.encoder.params, ...b.base.predictor.params])).toEqual(before);
    tf.dispose(Object.values(a.step(0).metrics));
    tf.dispose(Object.values(b.step(0).metrics));
    const delta = (vs: tf.Variable[], from: Float32Array[]) =>
      snapshot(vs).map((x, i) => x.map((v, j) => v - from[i]![j]!));
    const nE = a.base.encoder.params.length;
    const [eA, eB] = [a, b].map((s) => delta(s.base.encoder.params, before.slice(0, nE)));
    const [pA, pB] = [a, b].map((s) => delta(s.base.predictor.params, before.slice(nE)));
    eA!.forEach((d, i) => d.forEach((v, j) => expect(eB![i]![j]).toBeCloseTo(v, 6)));
    let moved = 0;
    pA!.forEach((d, i) =>
      d.forEach((v, j) => {
        expect(pB![i]![j]).toBeCloseTo(3 * v, 5);
        if (Math.abs(v) > 1e-6) moved++;
      }),
    );
    expect(moved).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });

  it('regresses constant targets: the clean loss is 2 − 2·cos against the target projections, both ways', () => {
    const s = setup();
    const task = s.base.beginStep(
      { views: [s.x0, s.x1], indices: new Int32Array(8), rng: new Rng(1), step: 0, epoch: 0 },
      s.cfg,
    );
    const mode = { training: false };
    // By hand: the online projection, then the predictor, of each view against the other's target.
    const expected = tf.tidy(() => {
      const predict = (x: tf.Tensor4D) =>
        s.base.predictor.apply(s.base.encoder.head.apply(s.base.encoder.features(x, mode), mode), mode);
      return tf.concat([
        byolLossPerSample(predict(s.x0), task.targets[1]),
        byolLossPerSample(predict(s.x1), task.targets[0]),
      ]);
    });
    const { value, grads } = tf.variableGrads(
      () => tf.mean(task.clean(mode).loss) as tf.Scalar,
      s.base.params(),
    );
    const got = tf.tidy(() => tf.mean(expected).dataSync()[0]!);
    expect(value.dataSync()[0]).toBeCloseTo(got, 5);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(4);
    // The targets are constants: no target-network variable is differentiated.
    expect(Object.keys(grads)).toHaveLength(s.base.params().length);
    tf.dispose([value, expected, ...Object.values(grads)]);
    task.dispose();
    s.dispose();
  });
});

// Behaviour over many steps, not hand-computed values: on tfjs's WebAssembly backend (testing/wasm.ts;
// float32 like the CPU backend, its sums differ only in the last bits, many times faster in Node). The
// math tests above stay on the CPU backend.
describe('BYOL training steps on the WebAssembly backend', () => {
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

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATOR_IDS, methodInfo, missingGenerators } from '../../shared/catalog';
import { byolLossPerSample } from '../losses/byol';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { Byol } from './byol';
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

// A method defined in this test file only, added through the public API (registerMethod), proves the
// open contract of docs/ADDING_A_METHOD.md: "predict the other view" with three views of two sizes
// (multi-crop: 2 × 16 px + 1 × 8 px), its targets computed inside the gradient tape (no stop-gradient,
// no momentum encoder: each view's target is the in-batch embedding of the second view), the step and
// epoch seen by beginStep, and HEXA's generators composed with it because its task defines a
// pseudo-label (each view's own image among the batch) that can be scored and mixed.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodInfo, registerMethodDescriptor, type MethodDescriptor } from '../../shared/catalog';
import type { MethodId, TrainConfig } from '../../shared/config';
import type { MetricsPoint, PreviewSet } from '../../shared/trainingTypes';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { mixedTargets, softCrossEntropyPerSample } from '../losses/softCrossEntropy';
import { createEncoder, l2n, type Encoder } from '../nn/encoder';
import type { ForwardMode } from '../nn/layers';
import { Rng } from '../runtime/random';
import { tinyConfig, useCpu } from '../testing/fixtures';
import { Sgd } from '../training/sgd';
import { trainStep } from '../training/step';
import { Trainer } from '../training/trainer';
import { methodDefinition, registerMethod } from './registry';
import { scoreFromLogits } from './scoring';
import type { BaseMethod, CleanLoss, PseudoLabelTask, StepInput, ViewScore, ViewSpec } from './types';

const PLAIN = 'predict-view' as MethodId; // not a built-in id: registered below, for this file only
const HEXA = 'hexa-predict-view' as MethodId;

/** What beginStep saw at each step (the contract's step, epoch and view shapes). */
const seen: { step: number; epoch: number; shapes: number[][] }[] = [];

/** Identity forward, zero gradient (tfjs has no stop-gradient op). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/** Each view must pick out its own image's second view among the batch's: z·k_jᵀ/τ, target j = i. */
class PredictTask implements PseudoLabelTask {
  readonly ownLabel: tf.Tensor1D;
  private taped: tf.Tensor2D | null = null; // the keys made inside the tape (differentiable)

  constructor(
    private readonly encoder: Encoder,
    private readonly views: tf.Tensor4D[],
    private readonly constKeys: tf.Tensor2D, // [B, d] made in beginStep: what the attack scores against
    private readonly tau: number,
    readonly stopGradient: boolean,
  ) {
    this.ownLabel = tf.keep(tf.range(0, views[0]!.shape[0], 1, 'int32') as tf.Tensor1D);
  }

  private get keys(): tf.Tensor2D {
    return this.taped ?? this.constKeys;
  }

  /** Inside the tape: the targets are the second view's embeddings, with their gradient. */
  clean(mode: ForwardMode): CleanLoss {
    const k = l2n(this.encoder.embed(this.views[1]!, mode));
    this.taped = this.stopGradient ? (stopGradient(k) as tf.Tensor2D) : k;
    const query = this.score(this.views[0]!, mode);
    const small = this.score(this.views[2]!, mode); // the 8-px crop predicts the same target
    return { loss: tf.concat([query.loss, small.loss]), query };
  }

  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore {
    const features = this.encoder.features(views, mode);
    const z = l2n(this.encoder.head.apply(features, mode));
    const logits = tf.div(tf.matMul(z, this.keys, false, true), this.tau) as tf.Tensor2D; // [B, B]
    return scoreFromLogits(logits, this.ownLabel, features, z);
  }

  mixedLoss(views: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D, mode: ForwardMode): tf.Tensor1D {
    const z = l2n(this.encoder.embed(views, mode));
    const logits = tf.div(tf.matMul(z, this.keys, false, true), this.tau) as tf.Tensor2D;
    return softCrossEntropyPerSample(logits, mixedTargets(this.ownLabel, partner, lambda, logits.shape[1]));
  }

  dispose(): void {
    this.ownLabel.dispose();
    this.constKeys.dispose();
  }
}

class PredictView implements BaseMethod {
  readonly encoder: Encoder;
  stopGradient = false;

  constructor(cfg: TrainConfig, channels: number, rng: Rng) {
    this.encoder = createEncoder({ ...cfg, channels, head: cfg.headBn ? 'mlp-bn' : 'mlp' }, rng);
  }

  views(cfg: TrainConfig): ViewSpec[] {
    const small = Math.max(8, cfg.imageSize / 2);
    return [{ size: cfg.imageSize }, { size: cfg.imageSize }, { size: small, cropScaleMin: 0.2 }];
  }

  params(): tf.Variable[] {
    return this.encoder.params;
  }

  stateVariables(): tf.Variable[] {
    return [...this.encoder.params, ...this.encoder.state];
  }

  beginStep(input: StepInput, cfg: TrainConfig): PredictTask {
    seen.push({ step: input.step, epoch: input.epoch, shapes: input.views.map((v) => v.shape) });
    // Constant keys for what runs before the tape (the adversarial attack), in inference mode.
    const k = tf.keep(l2n(this.encoder.embed(input.views[1]!, { training: false })));
    return new PredictTask(this.encoder, input.views, k, cfg.temperature, this.stopGradient);
  }

  endStep(): void {}

  dispose(): void {
    this.encoder.dispose();
  }
}

const descriptor = (id: MethodId, label: string, generators: MethodDescriptor['generators']) =>
  ({
    id,
    label,
    help: 'Each view must pick out the second view of its own image among the batch (a test-only method).',
    family: 'predict-view',
    labelKind: 'key',
    capabilities: ['score', 'mixed-target'],
    groups: ['moco'], // it reads the temperature τ
    generators,
    panels: [],
    ablation: [
      { label, patch: { method: PLAIN, adversarial: false, cutmix: false } },
      { label: '+adversarial', patch: { method: HEXA, adversarial: true, cutmix: false } },
    ],
  }) satisfies MethodDescriptor;

const impl = { createBase: (cfg: TrainConfig, c: number, rng: Rng) => new PredictView(cfg, c, rng) };
const unregister: (() => void)[] = [];

beforeAll(async () => {
  await useCpu();
  unregister.push(registerMethod(descriptor(PLAIN, 'Predict-view', []), impl));
  unregister.push(registerMethod(descriptor(HEXA, 'HEXA-Predict-view', ['adversarial', 'cutmix']), impl));
});

afterAll(() => unregister.forEach((u) => u()));

const source = () =>
  createMemorySource(
    { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
    { train: syntheticBars(32, 16, 4, 1), test: syntheticBars(16, 16, 4, 2) },
    10,
  );

const config = (method: MethodId, over: Partial<TrainConfig> = {}) =>
  tinyConfig({
    method,
    trainLimit: 0,
    batchSize: 8,
    epochs: 2,
    readbackEvery: 2,
    probeTrainSize: 32,
    probeTestSize: 16,
    lr: 0.1,
    ...over,
  });

const snapshot = (vs: tf.Variable[]) => vs.map((v) => v.dataSync().slice());

function newTrainer(cfg: TrainConfig, metrics: MetricsPoint[] = [], previews: PreviewSet[] = []) {
  return new Trainer(cfg, source(), {
    metrics: (p) => metrics.push(p),
    preview: (p) => previews.push(p),
    evaluation: () => {},
    status: () => {},
  });
}

describe('a method registered through the public API', () => {
  it('is known to the catalog (the UI half) and to the engine, under one id', () => {
    expect(methodInfo(HEXA).label).toBe('HEXA-Predict-view');
    const def = methodDefinition(HEXA);
    expect(def.generatorImpls.map((g) => g.id)).toEqual(['adversarial', 'cutmix']);
    expect(() => registerMethod(descriptor(PLAIN, 'again', []), impl)).toThrow(/already/);
    expect(() => methodDefinition('no-such-method')).toThrow(/Unknown method "no-such-method"/);
  });

  it('may not list a generator its task cannot serve (a task without mixed targets and cut-mix)', () => {
    const d = { ...descriptor('no-mix' as MethodId, 'No mix', ['cutmix']), capabilities: ['score' as const] };
    expect(() => registerMethodDescriptor(d)).toThrow(/cut-mix needs a target that can be mixed/);
  });

  it('trains on the CPU backend: 3 views of 2 sizes, step and epoch seen, weights change, no leak', async () => {
    seen.length = 0;
    const metrics: MetricsPoint[] = [];
    const trainer = newTrainer(config(PLAIN), metrics);
    const before = snapshot(trainer.base.params());
    await trainer.run();
    expect(trainer.step).toBe(8); // 2 epochs × 32 / 8
    // The views it asked for: 2 × 16 px and 1 × 8 px; the step before each and the batch's epoch.
    expect(seen.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(seen.map((s) => s.epoch)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(seen[0]!.shapes).toEqual([
      [8, 16, 16, 1],
      [8, 16, 16, 1],
      [8, 8, 8, 1],
    ]);
    const after = snapshot(trainer.base.params());
    const changed = after.filter((a, i) => a.some((v, j) => v !== before[i]![j])).length;
    expect(changed).toBe(after.length); // every trainable variable moved
    expect(metrics.every((m) => Number.isFinite(m.values.loss))).toBe(true);
    expect(metrics[0]!.values.loss_adv).toBeUndefined(); // plain: no generator
    // Flat across read-backs after the first evaluation has freed the step-0 copy (as trainer.test.ts).
    expect(new Set(metrics.slice(2).map((m) => m.numTensors)).size).toBe(1);
    trainer.dispose();
  });

  it('composes with the adversarial and cut-mix generators (its task defines a pseudo-label)', async () => {
    const metrics: MetricsPoint[] = [];
    const previews: PreviewSet[] = [];
    const trainer = newTrainer(config(HEXA, { epochs: 1 }), metrics, previews);
    await trainer.run();
    for (const k of ['loss_adv', 'loss_mix', 'flip_rate', 'lambda'])
      expect(Number.isFinite(metrics.at(-1)!.values[k]), k).toBe(true);
    const p = previews.at(-1)!;
    expect(p.labelKind).toBe('key');
    expect(p.adversarial?.adversarial).toHaveLength(4);
    expect(p.cutmix?.mixed).toHaveLength(4);
    const counts = metrics.map((m) => m.numTensors);
    expect(counts[1]).toBe(counts[0]); // no evaluation in between (one epoch): flat from the start
    trainer.dispose();
  });

  it('computes its targets inside the gradient tape (they carry gradient unless it stops them)', () => {
    const trainer = newTrainer(config(PLAIN));
    const base = trainer.base as PredictView;
    const x = tf.tidy(() => tf.randomUniform([8, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D);
    const small = tf.tidy(() => tf.image.resizeBilinear(x, [8, 8]) as tf.Tensor4D);
    const gradNorm = (stop: boolean) => {
      base.stopGradient = stop;
      const input = { views: [x, x, small], indices: new Int32Array(8), rng: trainer.rng, step: 0, epoch: 0 };
      return tf.tidy(() => {
        const task = base.beginStep(input, trainer.cfg);
        const { grads } = tf.variableGrads(
          () => tf.mean(task.clean({ training: false }).loss) as tf.Scalar,
          base.params(),
        );
        task.dispose();
        return Math.sqrt(Object.values(grads).reduce((a, g) => a + tf.sum(tf.square(g)).dataSync()[0]!, 0));
      });
    };
    const before = tf.memory().numTensors;
    const taped = gradNorm(false);
    const stopped = gradNorm(true);
    expect(tf.memory().numTensors).toBe(before);
    // Same loss value either way; the gradient differs only by the path through the targets.
    expect(stopped).toBeGreaterThan(0);
    expect(Math.abs(taped - stopped) / stopped).toBeGreaterThan(1e-3);
    // And trainStep runs clean() inside its tape: one SGD step of two identical models moves them apart.
    const stepped = (stop: boolean) => {
      const m = new PredictView(trainer.cfg, 1, new Rng(5));
      m.stopGradient = stop;
      const opt = new Sgd(m.params(), 0, 0);
      const input = { views: [x, x, small], indices: new Int32Array(8), rng: new Rng(9), step: 0, epoch: 0 };
      const out = trainStep({
        base: m,
        generators: [],
        cfg: trainer.cfg,
        input,
        lr: 0.5,
        optimizer: opt,
        probe: null,
        labels: null,
        previewCount: 0,
      });
      tf.dispose(Object.values(out.metrics));
      const w = snapshot(m.params());
      m.dispose();
      opt.dispose();
      return w;
    };
    const [a, b] = [stepped(false), stepped(true)];
    expect(a.some((w, i) => w.some((v, j) => v !== b[i]![j]))).toBe(true);
    seen.length = 0;
    tf.dispose([x, small]);
    trainer.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../shared/config';
import type { MocoV2 } from '../methods/mocoV2';
import { METHODS } from '../methods/registry';
import { Rng } from '../runtime/random';
import { fixedImages, tinyConfig, useCpu } from '../testing/fixtures';
import { Sgd } from './sgd';
import { embeddingStd, sharedHardPass, trainStep, type StepArgs, type StepOutput } from './step';

// Tiny preset: B = 8, 16×16×1 views, queue K = 16, d = 8, 2 BN groups.
let xq: tf.Tensor4D;
let xk: tf.Tensor4D;
const B = 8;
const indices = new Int32Array(B).map((_, i) => i);

beforeAll(async () => {
  await useCpu();
  xq = fixedImages(B, 16, 1, 11);
  xk = tf.tidy(() =>
    tf.clipByValue(tf.add(xq, tf.randomNormal(xq.shape, 0, 0.05, 'float32', 3)), 0, 1),
  ) as tf.Tensor4D;
});

afterAll(() => {
  xq.dispose();
  xk.dispose();
});

/** A fresh model of `method` from Rng(5) and its optimiser. */
function setup(
  method: 'moco-v2' | 'hexa-moco',
  over: Partial<TrainConfig> = {},
  hardPass: StepArgs['hardPass'] = 'shared',
) {
  const cfg = tinyConfig({ method, ...over });
  const def = METHODS[method];
  const base = def.createBase(cfg, 1, new Rng(5));
  const opt = new Sgd(base.params(), cfg.sgdMomentum, cfg.weightDecay);
  const step = (previewCount = 0): StepOutput =>
    trainStep({
      hardPass,
      base,
      generators: def.generatorImpls,
      cfg,
      input: { views: [xq, xk], indices, rng: new Rng(9), step: 0, epoch: 0 },
      lr: 0.05,
      optimizer: opt,
      probe: null,
      labels: null,
      previewCount,
    });
  const dispose = () => {
    base.dispose();
    opt.dispose();
  };
  return { cfg, base: base as MocoV2, opt, step, dispose };
}

const scalar = async (t: tf.Tensor | undefined): Promise<number> => {
  expect(t).toBeDefined();
  return (await t!.data())[0]!;
};

function disposeOutput(out: StepOutput) {
  Object.values(out.metrics).forEach((t) => t.dispose());
  Object.values(out.previews ?? {}).forEach((t) => t.dispose());
}

async function values(vars: tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
}

/** Everything a step changes: online params, key encoder, BN statistics, the queue, SGD velocities. */
const allState = (s: ReturnType<typeof setup>) => [
  ...s.base.encoder.params,
  ...s.base.encoder.state,
  ...s.base.keyEncoder.params,
  ...s.base.keyEncoder.state,
  s.base.queue.keys,
  ...s.opt.velocities,
];

describe('trainStep: HEXA-MoCo with both generators off is MoCo-v2', () => {
  it('gives exactly the MoCo-v2 loss and the same parameters after the step', async () => {
    const moco = setup('moco-v2');
    const hexa = setup('hexa-moco', { adversarial: false, cutmix: false });
    const a = moco.step();
    const b = hexa.step();
    expect(Object.keys(b.metrics).sort()).toEqual(Object.keys(a.metrics).sort());
    expect(b.metrics.loss_adv).toBeUndefined();
    expect(b.metrics.loss_mix).toBeUndefined();
    const la = await scalar(a.metrics.loss);
    expect(la).toBeGreaterThan(0);
    expect(await scalar(b.metrics.loss)).toBe(la);
    const sa = await values(allState(moco));
    const sb = await values(allState(hexa));
    expect(sb).toHaveLength(sa.length);
    sb.forEach((v, i) => expect(v).toEqual(sa[i]));
    [a, b].forEach(disposeOutput);
    [moco, hexa].forEach((s) => s.dispose());
  });

  it('(control) with the generators on, the loss and the parameters differ; the clean term does not', async () => {
    const moco = setup('moco-v2');
    const hexa = setup('hexa-moco');
    const a = moco.step();
    const b = hexa.step();
    const la = await scalar(a.metrics.loss);
    expect(await scalar(b.metrics.loss)).toBeGreaterThan(la);
    // Hard examples are made after the keys: the clean InfoNCE of the same batch is unchanged.
    expect(await scalar(b.metrics.loss_clean)).toBe(await scalar(a.metrics.loss_clean));
    const pa = await values(moco.base.encoder.params);
    const pb = await values(hexa.base.encoder.params);
    expect(pb.some((v, i) => v.some((x, j) => x !== pa[i]![j]))).toBe(true);
    [a, b].forEach(disposeOutput);
    [moco, hexa].forEach((s) => s.dispose());
  });
});

describe('trainStep: HEXA-MoCo with the generators on', () => {
  it('loss = loss_clean + w_adv·loss_adv + w_mix·loss_mix, flip rate in [0, 1], λ in [0.5, 1]', async () => {
    const s = setup('hexa-moco', { wAdv: 0.7, wMix: 1.3 });
    const out = s.step();
    const m = out.metrics;
    const clean = await scalar(m.loss_clean);
    const adv = await scalar(m.loss_adv);
    const mix = await scalar(m.loss_mix);
    expect(adv).toBeGreaterThan(0);
    expect(mix).toBeGreaterThan(0);
    expect(Math.abs((await scalar(m.loss)) - (clean + 0.7 * adv + 1.3 * mix))).toBeLessThan(1e-5);
    const flip = await scalar(m.flip_rate);
    expect(flip).toBeGreaterThanOrEqual(0);
    expect(flip).toBeLessThanOrEqual(1);
    // flip_rate is a share of B = 8 samples.
    expect(Math.abs(flip * B - Math.round(flip * B))).toBeLessThan(1e-5);
    const lambda = await scalar(m.lambda);
    expect(lambda).toBeGreaterThanOrEqual(0.5);
    expect(lambda).toBeLessThanOrEqual(1);
    for (const k of ['pretext_acc', 'pos_logit', 'emb_std', 'pos_logit_adv'])
      expect(Number.isFinite(await scalar(m[k])), k).toBe(true);
    disposeOutput(out);
    s.dispose();
  });
});

describe('trainStep previews', () => {
  const HEXA_KEYS = [
    'xq',
    'xk',
    'adversarial:view',
    'adversarial:delta',
    'adversarial:rank_before',
    'adversarial:rank_after',
    'adversarial:logit_before',
    'adversarial:logit_after',
    'adversarial:argmax_before',
    'adversarial:argmax_after',
    'own_labels',
    'hard_loss',
    'hard_pos',
    'hard_view',
    'cutmix:view',
    'cutmix:mask',
    'cutmix:partner_view',
    'cutmix:partner',
    'cutmix:lambda',
  ];

  it('come back only when previewCount > 0', () => {
    const s = setup('hexa-moco');
    const out = s.step(0);
    expect(out.previews).toBeNull();
    disposeOutput(out);
    s.dispose();
  });

  it('hold the listed keys with shape [n, …] and consistent contents', async () => {
    const s = setup('hexa-moco');
    const out = s.step(3);
    const p = out.previews!;
    expect(Object.keys(p).sort()).toEqual([...HEXA_KEYS].sort());
    const shapes: Record<string, number[]> = {
      xq: [3, 16, 16, 1],
      xk: [3, 16, 16, 1],
      'adversarial:view': [3, 16, 16, 1],
      'adversarial:delta': [3, 16, 16, 1],
      'adversarial:rank_before': [3],
      'adversarial:rank_after': [3],
      'adversarial:logit_before': [3],
      'adversarial:logit_after': [3],
      'adversarial:argmax_before': [3],
      'adversarial:argmax_after': [3],
      own_labels: [B], // all of the batch: a partner may be any sample
      hard_loss: [3], // the gallery's highest clean losses of the batch
      hard_pos: [3],
      hard_view: [3, 16, 16, 1],
      'cutmix:view': [3, 16, 16, 1],
      'cutmix:mask': [3, 16, 16, 1],
      'cutmix:partner_view': [3, 16, 16, 1],
      'cutmix:partner': [3],
      'cutmix:lambda': [3],
    };
    for (const k of HEXA_KEYS) expect(p[k]!.shape, k).toEqual(shapes[k]);
    // The first three queries; ‖δ‖∞ ≤ ε; the adversarial view is clip(xq + δ); partner views are xq[j].
    const head = tf.slice(xq, 0, 3);
    expect(await p.xq!.data()).toEqual(await head.data());
    const eps = s.cfg.epsilon / 255;
    expect((await p['adversarial:delta']!.data()).every((d) => Math.abs(d) <= eps + 1e-6)).toBe(true);
    const advDiff = tf.tidy(() =>
      tf.max(
        tf.abs(tf.sub(p['adversarial:view']!, tf.clipByValue(tf.add(p.xq!, p['adversarial:delta']!), 0, 1))),
      ),
    );
    expect(await scalar(advDiff)).toBeLessThan(1e-6);
    const partners = Array.from(await p['cutmix:partner']!.data());
    const partnerViews = tf.tidy(() => tf.gather(xq, tf.tensor1d(partners, 'int32')));
    expect(await p['cutmix:partner_view']!.data()).toEqual(await partnerViews.data());
    // λ is the share of own pixels: 1 − (mask pixels) / (16·16).
    const masks = await p['cutmix:mask']!.data();
    const lambdas = await p['cutmix:lambda']!.data();
    for (let i = 0; i < 3; i++) {
      const inBox = Array.from(masks.subarray(i * 256, (i + 1) * 256)).reduce((a, x) => a + x, 0);
      expect(lambdas[i]).toBeCloseTo(1 - inBox / 256, 6);
    }
    tf.dispose([head, advDiff, partnerViews]);
    disposeOutput(out);
    s.dispose();
  });

  it('clip n to the batch size; MoCo-v2 has only the views', async () => {
    const hexa = setup('hexa-moco');
    const big = hexa.step(100);
    expect(big.previews!.xq!.shape[0]).toBe(B);
    expect(big.previews!['cutmix:lambda']!.shape).toEqual([B]);
    const moco = setup('moco-v2');
    const plain = moco.step(2);
    expect(Object.keys(plain.previews!).sort()).toEqual([
      'hard_loss',
      'hard_pos',
      'hard_view',
      'own_labels',
      'xk',
      'xq',
    ]);
    expect(plain.previews!.xk!.shape).toEqual([2, 16, 16, 1]);
    [big, plain].forEach(disposeOutput);
    [hexa, moco].forEach((s) => s.dispose());
  });
});

/** Largest |a − b| over the elements, and the largest |b| (the tensor's scale). */
function maxDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  b.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(a[i]! - v));
    scale = Math.max(scale, Math.abs(v));
  });
  return { diff, scale };
}

describe('trainStep: the hard views in one shared encoder pass (issue 11, item 5)', () => {
  it('is taken for HEXA-MoCo: both generators have lossEncoded, the task encode()', () => {
    const s = setup('hexa-moco');
    const def = METHODS['hexa-moco'];
    tf.tidy(() => {
      const input = { views: [xq, xk], indices, rng: new Rng(9), step: 0, epoch: 0 };
      const task = s.base.beginStep(input, s.cfg);
      const hard = def.generatorImpls.map((g) => g.generate(task, xq, s.cfg, new Rng(3)));
      expect(hard.every((h) => typeof h.lossEncoded === 'function')).toBe(true);
      expect(sharedHardPass(task, hard)).toBe(true);
      expect(sharedHardPass(task, hard.slice(0, 1))).toBe(false); // one generator: nothing to share
      // A generator without lossEncoded (a plug-in's, say) keeps every generator on its own pass.
      expect(sharedHardPass(task, [hard[0]!, { ...hard[1]!, lossEncoded: undefined }])).toBe(false);
      hard.forEach((h) => h.dispose());
      task.dispose();
    });
    s.dispose();
  });

  it.each([
    ['adversarial + cut-mix: 2 segments', {}],
    ['with mix-up: 3 segments', { mixup: true, wMixup: 0.5 }],
  ] as [string, Partial<TrainConfig>][])(
    'gives the separate passes’ loss, gradients and BatchNorm statistics within 1e-5 relative (%s)',
    async (_, extra) => {
      // weightDecay 0: after one step from zero velocity, each SGD velocity is the gradient itself.
      const over = { weightDecay: 0, wAdv: 0.7, wMix: 1.3, ...extra };
      const sep = setup('hexa-moco', over, 'separate');
      const sha = setup('hexa-moco', over, 'shared');
      const a = sep.step();
      const b = sha.step();
      expect(Object.keys(b.metrics).sort()).toEqual(Object.keys(a.metrics).sort());
      for (const k of Object.keys(a.metrics)) {
        const va = await scalar(a.metrics[k]);
        const vb = await scalar(b.metrics[k]);
        expect(Math.abs(vb - va), k).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(va), 1e-3));
      }
      expect(await scalar(a.metrics.loss_adv)).toBeGreaterThan(0);
      expect(await scalar(a.metrics.loss_mix)).toBeGreaterThan(0);
      const groups: [string, (s: ReturnType<typeof setup>) => tf.Variable[]][] = [
        ['gradient', (s) => s.opt.velocities],
        ['parameter after SGD', (s) => s.base.encoder.params],
        ['BatchNorm moving statistic', (s) => s.base.encoder.state],
        [
          'key encoder, queue',
          (s) => [...s.base.keyEncoder.params, ...s.base.keyEncoder.state, s.base.queue.keys],
        ],
      ];
      let worst = 0;
      for (const [what, of] of groups) {
        const va = await values(of(sep));
        const vb = await values(of(sha));
        expect(vb).toHaveLength(va.length);
        expect(va.length).toBeGreaterThan(0);
        // Not vacuous: every group holds non-zero values (a zero tensor must then match exactly).
        expect(
          va.some((x) => x.some((v) => v !== 0)),
          what,
        ).toBe(true);
        va.forEach((x, i) => {
          const { diff, scale } = maxDiff(vb[i]!, x);
          expect(diff, `${what} ${i}: ${diff} at scale ${scale}`).toBeLessThanOrEqual(1e-5 * scale);
          if (scale > 0) worst = Math.max(worst, diff / scale);
        });
      }
      console.log(`shared vs separate hard pass: largest max|Δ| / max|x| over all tensors ${worst}`);
      if (extra.mixup) expect(await scalar(a.metrics.loss_mixup)).toBeGreaterThan(0);
      [a, b].forEach(disposeOutput);
      [sep, sha].forEach((s) => s.dispose());
    },
  );

  it('(control) the moving statistics would differ with one update over all 2·G groups', async () => {
    // What the shared pass must not do: normalise 2B rows in 2G groups but update the moving
    // statistics once with their mean (bnSegments dropped). The statistics then differ.
    const s = setup('hexa-moco');
    const enc = s.base.encoder;
    const both = tf.concat([xq, xk]) as tf.Tensor4D;
    const start = await values(enc.state);
    const reset = () => tf.tidy(() => enc.state.forEach((v, i) => v.assign(tf.tensor(start[i]!, v.shape))));
    const g = s.cfg.bnGroups;
    tf.tidy(() => {
      enc.embed(xq, { training: true, bnGroups: g });
      enc.embed(xk, { training: true, bnGroups: g });
    });
    const separate = await values(enc.state);
    reset();
    tf.tidy(() => void enc.embed(both, { training: true, bnGroups: g, bnSegments: 2 }));
    const segmented = await values(enc.state);
    reset();
    tf.tidy(() => void enc.embed(both, { training: true, bnGroups: 2 * g }));
    const once = await values(enc.state);
    separate.forEach((x, i) => {
      const { diff, scale } = maxDiff(segmented[i]!, x);
      expect(diff, `state ${i}`).toBeLessThanOrEqual(1e-6 * scale);
    });
    expect(separate.some((x, i) => maxDiff(once[i]!, x).diff > 1e-4)).toBe(true);
    both.dispose();
    s.dispose();
  });
});

describe('trainStep memory', () => {
  it.each(['shared', 'separate'] as const)(
    'keeps tf.memory().numTensors flat over 5 HEXA steps once outputs are disposed (%s hard pass)',
    (hardPass) => {
      const s = setup('hexa-moco', { attackSteps: 2, attackStepSize: 2 }, hardPass);
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        const out = s.step(i % 2 === 0 ? 2 : 0);
        expect(Object.keys(out.metrics).length).toBeGreaterThan(5);
        disposeOutput(out);
        counts.push(tf.memory().numTensors);
      }
      expect(counts).toEqual([before, before, before, before, before]);
      s.dispose();
    },
  );
});

describe('embeddingStd', () => {
  it('is 0 for identical rows (collapse)', async () => {
    const row = tf.tidy(() => tf.div(tf.tensor2d([[0.3, -0.2, 0.7, 0.1, 0.5]]), Math.sqrt(0.88)));
    const z = tf.tile(row, [64, 1]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const std = embeddingStd(z);
    expect(std.shape).toEqual([]);
    expect(await scalar(std)).toBeLessThan(1e-6);
    std.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([row, z]);
  });

  it('is about 1/√d for random unit rows', async () => {
    for (const d of [4, 16, 64]) {
      // Isotropic Gaussian rows, L2-normalised: each coordinate has variance 1/d → std 1/√d.
      const z = tf.tidy(() => {
        const g = tf.randomNormal([2048, d], 0, 1, 'float32', d);
        return tf.div(g, tf.norm(g, 'euclidean', 1, true));
      }) as tf.Tensor2D;
      const std = embeddingStd(z);
      const v = await scalar(std);
      expect(v, `d = ${d}`).toBeGreaterThan(0.7 / Math.sqrt(d));
      expect(v, `d = ${d}`).toBeLessThan(1.3 / Math.sqrt(d));
      tf.dispose([z, std]);
    }
  });
});

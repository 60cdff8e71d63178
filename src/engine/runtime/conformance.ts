// The conformance check (issue 11, item 8): a one-command numerical health check of an adapter. Every
// own kernel (runtime/kernels/fused.ts) runs on random inputs of awkward shapes (odd sizes, one
// channel, single elements) with the own WGSL path, and is compared with the same op through tfjs's
// stock kernels on the same adapter and through the tfjs CPU backend; then whole HEXA-MoCo training
// steps (tiny preset, synthetic data) run with own kernels and with stock kernels from the same seed
// (loss, every gradient and every parameter after step 1; the loss curve after `curveSteps`), and step 1
// against the CPU backend. `npm run conformance` and the backend panel's "Check this GPU" run it.
import * as tf from '@tensorflow/tfjs';
import { PRESETS, type TrainConfig } from '../../shared/config';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { l2Normalize } from '../evaluation/normalize';
import { mixedSoftCrossEntropy } from '../losses/softCrossEntropy';
import { scoreFromLogits } from '../methods/scoring';
import { batchNorm } from '../nn/layers';
import { Trainer, type TrainerEvents } from '../training/trainer';
import {
  countsSince,
  gpuErrorCount,
  gpuErrorsSince,
  installCounters,
  readCounts,
  watchGpuErrors,
} from './counters';
import {
  accumulateInPlace,
  bnRunningStats,
  emaUpdate,
  ownKernelsActive,
  ownKernelsEnabled,
  setOwnKernels,
  sgdUpdate,
} from './kernels/fused';
import { setFlags } from './flags';
import { clipAdd, cutMixViews, normaliseInput, pgdProject } from './kernels/pixels';
import { Rng } from './random';
import type { CheckResult, ConformanceReport, Tolerance } from '../../shared/backendTypes';
import type { Reference } from '../../shared/backendTypes';

export const KERNEL_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/**
 * The fused BatchNorm sums its statistics in another order than tfjs (a loop per channel against a
 * tree reduction), and dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)) cancels terms of size ~1: its
 * absolute errors are a few float32 ulps of 1 where the result is near 0.
 */
export const BN_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-5 };
export const STEP_STOCK_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/** Against the CPU backend the forward and backward sums run in another order (convolutions, matMuls). */
export const STEP_CPU_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-5 };
export const CURVE_TOLERANCE = 1e-3;

export function compare(
  name: string,
  what: string,
  against: Reference,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
): CheckResult {
  let maxAbs = 0;
  let maxRel = 0;
  let pass = got.length === want.length;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const a = got[i]!;
    const b = want[i]!;
    const d = Math.abs(a - b);
    if (!(d <= tol.atol + tol.rtol * Math.abs(b))) pass = false; // NaN fails too
    maxAbs = Math.max(maxAbs, d);
    if (Math.abs(b) >= 1e-3) maxRel = Math.max(maxRel, d / Math.abs(b));
  }
  return {
    name,
    case: what,
    against,
    elements: want.length,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    tolerance: tol,
    pass,
  };
}

const randn = (rng: Rng, n: number, scale = 1) =>
  Float32Array.from({ length: n }, () => rng.normal() * scale);

/** Runs `body` on fresh variables made from `init` and returns their values afterwards (all read at once). */
export async function runOn(
  init: { shape: number[]; data: Float32Array }[],
  body: (vs: tf.Variable[]) => void,
) {
  // In a tidy: tf.variable keeps its initial tensor alive (sharing its buffer) otherwise.
  const vs = init.map((x) => tf.tidy(() => tf.variable(tf.tensor(x.data, x.shape), true)));
  try {
    body(vs);
    return await Promise.all(vs.map(async (v) => (await v.data()) as Float32Array));
  } finally {
    vs.forEach((v) => v.dispose());
  }
}

export interface KernelCase {
  name: string;
  what: string;
  init: { shape: number[]; data: Float32Array }[]; // the variables the op updates (and reads)
  op: (vs: tf.Variable[]) => void;
  tolerance?: Tolerance; // KERNEL_TOLERANCE unless given
}

export function kernelCases(): KernelCase[] {
  const rng = new Rng(11);
  const cases: KernelCase[] = [];
  // SGD: parameter shapes of one layer each, plus odd and single-element ones; 3 steps so that the
  // velocity is not zero; the gradients are constants of the case.
  const shapes = [[1], [7], [3, 3, 1, 5], [13, 17], [1, 1, 1, 1], [5, 3, 3, 2], [301]];
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const grads = sizes.map((n) => [0, 1, 2].map(() => randn(rng, n, 0.1)));
  cases.push({
    name: 'sgdUpdate',
    what: `params ${shapes.map((s) => `[${s}]`).join(' ')}, 3 steps, lr 0.037, μ 0.9, wd 5e-4`,
    init: [
      ...shapes.map((s, i) => ({ shape: s, data: randn(rng, sizes[i]!) })),
      ...shapes.map((s, i) => ({ shape: s, data: randn(rng, sizes[i]!, 0.01) })),
    ],
    op: (vs) => {
      const k = shapes.length;
      for (let step = 0; step < 3; step++)
        tf.tidy(() => {
          const g = grads.map((gs, i) => tf.tensor(gs[step]!, shapes[i]));
          sgdUpdate(vs.slice(0, k), g, vs.slice(k), 0.037, 0.9, 5e-4);
        });
    },
  });
  const online = sizes.map((n) => randn(rng, n));
  cases.push({
    name: 'emaUpdate',
    what: `params ${shapes.map((s) => `[${s}]`).join(' ')}, 2 updates, m 0.99`,
    init: shapes.map((s, i) => ({ shape: s, data: randn(rng, sizes[i]!) })),
    op: (vs) =>
      tf.tidy(() => {
        const q = online.map((d, i) => tf.tensor(d, shapes[i]));
        emaUpdate(q, vs, 0.99);
        emaUpdate(q, vs, 0.99);
      }),
  });
  for (const [g, c, n] of [
    [1, 1, 9],
    [2, 5, 49],
    [3, 16, 1],
    [4, 3, 6],
  ] as const) {
    const mean = randn(rng, g * c);
    const variance = Float32Array.from(randn(rng, g * c), (x) => Math.abs(x) + 0.1);
    cases.push({
      name: 'bnRunningStats',
      what: `G ${g} groups × C ${c} channels, n ${n} per channel and group, momentum 0.9`,
      init: [
        { shape: [c], data: randn(rng, c) },
        { shape: [c], data: Float32Array.from(randn(rng, c), (x) => Math.abs(x) + 0.5) },
      ],
      op: (vs) =>
        tf.tidy(() =>
          bnRunningStats(
            vs[0]!,
            vs[1]!,
            tf.tensor(mean, [g, 1, 1, c]),
            tf.tensor(variance, [g, 1, 1, c]),
            0.9,
            n,
          ),
        ),
    });
  }
  // Training-mode BatchNorm (fused statistics, normalise, gradient, moving statistics): y, the
  // gradients of Σ y·w in x, γ and β, and the moving statistics after two calls.
  for (const [shape, g] of [
    [[4, 3, 3, 1], 2],
    [[6, 5], 3],
    [[1, 1, 1, 1], 1],
    [[2, 5, 7, 3], 1],
    [[8, 4, 4, 16], 2],
  ] as [number[], number][]) {
    const c = shape[shape.length - 1]!;
    const size = shape.reduce((a, b) => a * b, 1);
    cases.push({
      name: 'batchNorm (training)',
      tolerance: BN_TOLERANCE,
      what: `x [${shape}], ${g} group${g > 1 ? 's' : ''}: y, ∂/∂x, ∂/∂γ, ∂/∂β of Σ y·w, moving statistics`,
      init: [
        { shape, data: randn(rng, size, 2) },
        { shape: [c], data: randn(rng, c) },
        { shape: [c], data: randn(rng, c) },
        { shape, data: randn(rng, size) },
        { shape, data: new Float32Array(size) },
        { shape, data: new Float32Array(size) },
        { shape: [c], data: new Float32Array(c) },
        { shape: [c], data: new Float32Array(c) },
        { shape: [c], data: new Float32Array(c) },
        { shape: [c], data: new Float32Array(c) },
      ],
      op: (vs) => {
        const [x, gamma, beta, w, yOut, dxOut, dgOut, dbOut, mmOut, mvOut] = vs as [
          tf.Variable,
          ...tf.Variable[],
        ];
        const layer = batchNorm(c);
        try {
          const [lg, lb] = layer.params as [tf.Variable, tf.Variable];
          lg.assign(gamma!);
          lb.assign(beta!);
          const mode = { training: true, bnGroups: g };
          tf.tidy(() => {
            const { grads } = tf.variableGrads(
              () => tf.sum(tf.mul(layer.apply(x, mode), w!)) as tf.Scalar,
              [x, lg, lb],
            );
            yOut!.assign(layer.apply(x, mode));
            dxOut!.assign(grads[x.name]!);
            dgOut!.assign(grads[lg.name]!);
            dbOut!.assign(grads[lb.name]!);
            mmOut!.assign(tf.add(layer.state[0]!, 0));
            mvOut!.assign(tf.add(layer.state[1]!, 0));
          });
        } finally {
          [...layer.params, ...layer.state].forEach((v) => v.dispose());
        }
      },
    });
  }
  // Cross-entropy scoring (kernels/crossEntropy.ts via scoreFromLogits): loss, own logit, rank,
  // arg-max and ∂/∂logits of Σ loss·w; M = 1025 is MoCo's 1 + K on the tiny preset.
  for (const [b, m] of [
    [1, 2],
    [1, 5],
    [7, 13],
    [3, 1025],
    [32, 10],
  ] as const) {
    const target = Int32Array.from({ length: b }, () => rng.int(m));
    const zeros = (n: number) => ({ shape: [n], data: new Float32Array(n) });
    cases.push({
      name: 'crossEntropyScore',
      what: `logits [${b}, ${m}]: loss, own logit, rank, arg-max, ∂/∂logits of Σ loss·w`,
      init: [
        { shape: [b, m], data: randn(rng, b * m, 3) },
        { shape: [b], data: randn(rng, b) },
        zeros(b),
        zeros(b),
        zeros(b),
        zeros(b),
        { shape: [b, m], data: new Float32Array(b * m) },
      ],
      op: (vs) => {
        const [logits, w, lossOut, ownOut, rankOut, argOut, dOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const t = tf.tensor1d(target, 'int32');
          const feats = tf.zeros([b, 1]) as tf.Tensor2D;
          const { grads } = tf.variableGrads(() => {
            const sc = scoreFromLogits(logits as tf.Variable<tf.Rank.R2>, t, feats, feats);
            lossOut!.assign(sc.loss);
            ownOut!.assign(sc.ownLogit);
            rankOut!.assign(sc.rank);
            argOut!.assign(tf.cast(sc.argmax, 'float32'));
            return tf.sum(tf.mul(sc.loss, w!)) as tf.Scalar;
          }, [logits!]);
          dOut!.assign(grads[logits!.name]!);
        });
      },
    });
  }
  // Row-wise L2 normalisation (kernels/l2normalize.ts): y and ∂/∂x of Σ y·w; one all-zero row (ε).
  for (const [n, d] of [
    [1, 1],
    [5, 3],
    [32, 64],
    [2, 7],
  ] as const) {
    const x = randn(rng, n * d);
    if (n === 2) x.fill(0, 0, d); // an all-zero row: the ε branch
    cases.push({
      name: 'l2Normalize',
      what: `x [${n}, ${d}]${n === 2 ? ' (row 0 all zeros)' : ''}: y, ∂/∂x of Σ y·w`,
      init: [
        { shape: [n, d], data: x },
        { shape: [n, d], data: randn(rng, n * d) },
        { shape: [n, d], data: new Float32Array(n * d) },
        { shape: [n, d], data: new Float32Array(n * d) },
      ],
      op: (vs) => {
        const [xv, w, yOut, dOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const y = l2Normalize(xv as tf.Variable<tf.Rank.R2>);
            yOut!.assign(y);
            return tf.sum(tf.mul(y, w!)) as tf.Scalar;
          }, [xv!]);
          dOut!.assign(grads[xv!.name]!);
        });
      },
    });
  }
  // Sum and Mean gradients (kernels/gradients.ts: the upstream gradient broadcast on the device; Mean's
  // divided and broadcast in one kernel). Rank ≤ 4: tfjs's stock Tile reads a rank-5 tensor back
  // synchronously on WebGPU (readSync), which lost the SwiftShader device in this check.
  for (const [shape, axes] of [
    [[3, 5, 2], [1]],
    [
      [4, 1, 3, 16],
      [1, 2],
    ],
    [[7], [0]],
    [
      [5, 3, 3, 2],
      [1, 2],
    ],
    [
      [3, 4, 5, 6],
      [0, 2],
    ],
    [
      [1, 1, 1, 1],
      [1, 2],
    ],
  ] as [number[], number[]][]) {
    const size = shape.reduce((a, b) => a * b, 1);
    cases.push({
      name: 'sum/mean gradients',
      what: `x [${shape}], axes [${axes}]: ∂/∂x of Σ sum(x)·w₁ + Σ mean(x)·w₂ (upstream dy)`,
      init: [
        { shape, data: randn(rng, size) },
        { shape: [size], data: new Float32Array(size) },
      ],
      op: (vs) => {
        const [xv, dOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const outShape = shape.filter((_, i) => !axes.includes(i));
          const n = outShape.reduce((a, b) => a * b, 1);
          const w1 = tf.tensor(randnFixed(n, 1), outShape);
          const w2 = tf.tensor(randnFixed(n, 2), outShape);
          const { grads } = tf.variableGrads(
            () =>
              tf.add(
                tf.sum(tf.mul(tf.sum(xv!, axes), w1)),
                tf.sum(tf.mul(tf.mean(xv!, axes), w2)),
              ) as tf.Scalar,
            [xv!],
          );
          dOut!.assign(tf.reshape(grads[xv!.name]!, [-1]));
        });
      },
    });
  }
  // ReLU's gradient (gradients.ts: one kernel): ∂/∂x of Σ relu(x)·w, zeros among the inputs.
  for (const shape of [[1], [3, 5, 7, 2], [301]]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = randn(rng, size);
    x[0] = 0; // relu'(0) = 0, as tfjs's step
    cases.push({
      name: 'relu gradient',
      what: `x [${shape}] (x₀ = 0): ∂/∂x of Σ relu(x)·w`,
      init: [
        { shape, data: x },
        { shape, data: randn(rng, size) },
        { shape, data: new Float32Array(size) },
      ],
      op: (vs) => {
        const [xv, w, dOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.relu(xv!), w!)) as tf.Scalar, [xv!]);
          dOut!.assign(grads[xv!.name]!);
        });
      },
    });
  }
  // Inference-mode BatchNorm's gradient (gradients.ts: x's, γ's and β's one own kernel each):
  // ∂/∂x, ∂/∂γ, ∂/∂β of Σ batchNorm(x, moving μ, moving σ², β, γ)·w, and y.
  for (const shape of [
    [1, 1, 1, 1],
    [3, 5, 7, 2],
    [2, 4, 4, 16],
    [6, 5],
  ]) {
    const c = shape[shape.length - 1]!;
    const size = shape.reduce((a, b) => a * b, 1);
    cases.push({
      name: 'batchNorm (inference) gradient',
      tolerance: BN_TOLERANCE, // ∂/∂γ, ∂/∂β: per-channel sums in another order than tfjs's Sum
      what: `x [${shape}]: y, ∂/∂x, ∂/∂γ, ∂/∂β of Σ batchNorm(x)·w (moving statistics)`,
      init: [
        { shape, data: randn(rng, size, 2) },
        { shape: [c], data: randn(rng, c) },
        { shape: [c], data: Float32Array.from(randn(rng, c), (x) => Math.abs(x) + 0.05) },
        { shape: [c], data: randn(rng, c) },
        { shape: [c], data: randn(rng, c) },
        { shape, data: randn(rng, size) },
        { shape, data: new Float32Array(size) },
        { shape, data: new Float32Array(size) },
        { shape: [c], data: new Float32Array(c) },
        { shape: [c], data: new Float32Array(c) },
      ],
      op: (vs) => {
        const [x, mean, variance, gamma, beta, w, yOut, dxOut, dgOut, dbOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const f = () => tf.batchNorm(x!, mean!, variance!, beta!, gamma!, 1e-5);
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(), w!)) as tf.Scalar, [x!, gamma!, beta!]);
          yOut!.assign(f());
          dxOut!.assign(grads[x!.name]!);
          dgOut!.assign(grads[gamma!.name]!);
          dbOut!.assign(grads[beta!.name]!);
        });
      },
    });
  }
  // Mixed-target soft cross-entropy (kernels/crossEntropy.ts via mixedSoftCrossEntropy, a cut-mix's
  // loss): loss and ∂/∂logits of Σ loss·w; rows whose partner is their own column among them. M = 1056
  // is MoCo's B + K on the tiny preset.
  for (const [b, m] of [
    [1, 2],
    [7, 13],
    [3, 1025],
    [32, 1056],
  ] as const) {
    const own = Int32Array.from({ length: b }, () => rng.int(m));
    const partner = Int32Array.from({ length: b }, (_, i) => (i % 3 === 0 ? own[i]! : rng.int(m)));
    const lambda = Float32Array.from({ length: b }, () => 0.5 + 0.5 * rng.next());
    cases.push({
      name: 'mixedSoftCrossEntropy',
      what: `logits [${b}, ${m}], λ in [0.5, 1), every third row partner = own: loss, ∂/∂logits of Σ loss·w`,
      init: [
        { shape: [b, m], data: randn(rng, b * m, 3) },
        { shape: [b], data: randn(rng, b) },
        { shape: [b], data: new Float32Array(b) },
        { shape: [b, m], data: new Float32Array(b * m) },
      ],
      op: (vs) => {
        const [logits, w, lossOut, dOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const o = tf.tensor1d(own, 'int32');
          const p = tf.tensor1d(partner, 'int32');
          const l = tf.tensor1d(lambda);
          const { grads } = tf.variableGrads(() => {
            const loss = mixedSoftCrossEntropy(logits as tf.Variable<tf.Rank.R2>, o, p, l);
            lossOut!.assign(loss);
            return tf.sum(tf.mul(loss, w!)) as tf.Scalar;
          }, [logits!]);
          dOut!.assign(grads[logits!.name]!);
        });
      },
    });
  }
  // Input normalisation (kernels/pixels.ts): y = (x − 0.5) / 0.25 and ∂/∂x of Σ y·w.
  for (const shape of [
    [1, 1, 1, 1],
    [3, 5, 5, 1],
    [2, 7, 7, 3],
  ]) {
    const size = shape.reduce((a, b) => a * b, 1);
    cases.push({
      name: 'normaliseInput',
      what: `x [${shape}]: (x − 0.5) / 0.25, ∂/∂x of Σ y·w`,
      init: [
        { shape, data: Float32Array.from({ length: size }, () => rng.next()) },
        { shape, data: randn(rng, size) },
        { shape, data: new Float32Array(size) },
        { shape, data: new Float32Array(size) },
      ],
      op: (vs) => {
        const [x, w, yOut, dOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const y = normaliseInput(x!, 0.5, 0.25);
            yOut!.assign(y);
            return tf.sum(tf.mul(y, w!)) as tf.Scalar;
          }, [x!]);
          dOut!.assign(grads[x!.name]!);
        });
      },
    });
  }
  // PGD's projection (kernels/pixels.ts): the random start's, a step's (zeros in g: sign 0), and the
  // view clip(x + δ, 0, 1); pixels at 0 and 1 and perturbations past ε among the inputs.
  for (const shape of [
    [1, 1, 1, 1],
    [5, 7, 7, 1],
    [3, 4, 4, 3],
  ]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const eps = 4 / 255;
    const x = Float32Array.from({ length: size }, (_, i) => (i % 5 === 1 ? 0 : i % 5 === 2 ? 1 : rng.next()));
    const g = randn(rng, size);
    g.forEach((_, i) => i % 7 === 3 && (g[i] = 0));
    cases.push({
      name: 'pgdProject',
      what: `x [${shape}] (0s and 1s among it), ε 4/255, α 3/255: start, step, view`,
      init: [
        { shape, data: x },
        { shape, data: randn(rng, size, eps) },
        { shape, data: g },
        { shape, data: new Float32Array(size) },
        { shape, data: new Float32Array(size) },
        { shape, data: new Float32Array(size) },
      ],
      op: (vs) => {
        const [xv, d, gv, startOut, stepOut, viewOut] = vs as tf.Variable[];
        tf.tidy(() => {
          const start = pgdProject(xv!, d!, null, 0, eps);
          const step = pgdProject(xv!, start, gv!, 3 / 255, eps);
          startOut!.assign(start);
          stepOut!.assign(step);
          viewOut!.assign(clipAdd(xv!, step));
        });
      },
    });
  }
  // Cut-mix (kernels/pixels.ts cutMixViews): (1 − M)·x + M·x[partner] with a 0/1 mask and a
  // permutation of the batch (an image may be its own partner).
  for (const shape of [
    [1, 1, 1, 1],
    [5, 7, 7, 1],
    [4, 3, 5, 3],
  ] as [number, number, number, number][]) {
    const [b, h, w] = shape;
    const size = shape.reduce((a, x) => a * x, 1);
    const partner = Int32Array.from(rng.permutation(b));
    const mask = Float32Array.from({ length: b * h * w }, () => (rng.next() < 0.4 ? 1 : 0));
    cases.push({
      name: 'cutMixViews',
      what: `x [${shape}], mask [${b}, ${h}, ${w}, 1] of 0s and 1s, partner a permutation: the mixed views`,
      init: [
        { shape, data: Float32Array.from({ length: size }, () => rng.next()) },
        { shape: [b, h, w, 1], data: mask },
        { shape, data: new Float32Array(size) },
      ],
      op: (vs) => {
        const [x, m, out] = vs as tf.Variable[];
        tf.tidy(() => {
          const p = tf.tensor1d(partner, 'int32');
          out!.assign(cutMixViews(x as tf.Variable<tf.Rank.R4>, m as tf.Variable<tf.Rank.R4>, p));
        });
      },
    });
  }
  // Running sums (fused.ts accumulateInPlace, the trainer's metric sums): 3 additions to 9 scalars.
  const addends = [0, 1, 2].map(() => randn(rng, 9));
  cases.push({
    name: 'accumulateInPlace',
    what: '9 scalar sums (two dispatches of ≤ 4 pairs each under the 8-buffer limit), 3 additions',
    init: Array.from({ length: 9 }, () => ({ shape: [], data: randn(rng, 1) })),
    op: (vs) => {
      for (const a of addends)
        tf.tidy(() => {
          const values = vs.map((_, i) => tf.scalar(a[i]!));
          const done = accumulateInPlace(vs, values);
          vs.forEach((v, i) => {
            if (!done[i]) v.assign(tf.add(v, values[i]!));
          });
        });
    },
  });
  return cases;
}

/** Deterministic weights for a case's loss (the same on every path). */
function randnFixed(n: number, seed: number): Float32Array {
  return randn(new Rng(seed), n);
}

/** Runs `fn` with the tfjs CPU backend, then switches back to `back`. */
async function onCpu<T>(back: string, fn: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend(back);
  }
}

const SILENT: TrainerEvents = { metrics() {}, preview() {}, evaluation() {}, status() {} };

function stepConfig(): TrainConfig {
  // The augmentation is pinned to MoCo-v2's usual colour jitter and blur (MNIST's defaults turned them
  // off): the check's data, and so its measured errors, stay what the tolerances were set on.
  return {
    ...PRESETS.tiny.config,
    method: 'hexa-moco',
    epochs: 1000,
    trainLimit: 64,
    jitterProb: 0.8,
    blurProb: 0.2,
  };
}

/** A trainer on synthetic data that records the gradients its optimiser gets (read at the first step). */
function makeTrainer(cfg: TrainConfig) {
  const source = createMemorySource(
    {
      id: 'conformance',
      name: 'conformance bars',
      width: 16,
      height: 16,
      channels: 1,
      classNames: ['a', 'b', 'c', 'd'],
    },
    { train: syntheticBars(64, 16, 4, 3), test: syntheticBars(8, 16, 4, 4) },
  );
  const trainer = new Trainer({ ...cfg, imageSize: 16 }, source, SILENT);
  let grads: tf.Tensor[] | null = null;
  const apply = trainer.optimizer.apply.bind(trainer.optimizer);
  trainer.optimizer.apply = (g, lr) => {
    if (!grads) grads = trainer.base.params().map((p) => tf.keep(tf.add(g[p.name]!, 0)));
    apply(g, lr);
  };
  return { trainer, takeGrads: () => grads };
}

interface StepResult {
  loss: number;
  grads: Float32Array[];
  params: Float32Array[];
  curve: number[];
  tensors: number[];
  gpuBytes: number[];
}

async function runSteps(cfg: TrainConfig, steps: number): Promise<StepResult> {
  const { trainer, takeGrads } = makeTrainer(cfg);
  try {
    const curve: number[] = [];
    const tensors: number[] = [];
    const gpuBytes: number[] = [];
    let loss = NaN;
    let grads: Float32Array[] = [];
    let params: Float32Array[] = [];
    for (let s = 0; s < steps; s++) {
      trainer.stepOnce(await trainer.sampler.next(), false);
      const { values } = await trainer.readMetrics();
      curve.push(values.loss!);
      tensors.push(tf.memory().numTensors);
      gpuBytes.push((tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? 0);
      if (s === 0) {
        loss = values.loss!;
        const g = takeGrads() ?? [];
        grads = await Promise.all(g.map(async (t) => (await t.data()) as Float32Array));
        g.forEach((t) => t.dispose());
        params = await Promise.all(trainer.base.params().map(async (p) => (await p.data()) as Float32Array));
      }
    }
    return { loss, grads, params, curve, tensors, gpuBytes };
  } finally {
    trainer.dispose();
  }
}

const concat = (xs: Float32Array[]) => {
  const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};

function stepChecks(own: StepResult, ref: StepResult, against: Reference, tol: Tolerance): CheckResult[] {
  const what = 'HEXA-MoCo tiny preset, 16×16 synthetic bars, step 1';
  return [
    compare('step loss', what, against, [own.loss], [ref.loss], tol),
    compare('step gradients (all parameters)', what, against, concat(own.grads), concat(ref.grads), tol),
    compare('step parameters after SGD', what, against, concat(own.params), concat(ref.params), tol),
  ];
}

export interface ConformanceOptions {
  /** Steps of the own-vs-stock loss curve (0: none). The issue's check is 50. */
  curveSteps?: number;
  /** Also compare with the tfjs CPU backend (default true). */
  cpu?: boolean;
  log?: (message: string) => void;
}

/** Runs the check on the current backend. Must not run while a trainer is training. */
export async function runConformance(opts: ConformanceOptions = {}): Promise<ConformanceReport> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const backend = tf.getBackend();
  const curveSteps = opts.curveSteps ?? 5;
  const withCpu = (opts.cpu ?? true) && backend !== 'cpu';
  watchGpuErrors();
  const errorsBefore = gpuErrorCount();
  const checks: CheckResult[] = [];
  const own = ownKernelsActive();
  const wasEnabled = ownKernelsEnabled();
  try {
    const counting = installCounters();
    // Small CPU-resident inputs would make tfjs run its stock kernels on the CPU (WEBGPU_CPU_FORWARD).
    const flagsBefore = backend === 'webgpu' ? setFlags({ WEBGPU_CPU_FORWARD: false }) : {};
    for (const c of kernelCases()) {
      const counted = (body: (vs: tf.Variable[]) => void) => (vs: tf.Variable[]) => {
        const before = readCounts();
        body(vs);
        dispatches = countsSince(before).dispatches;
      };
      let dispatches = 0;
      setOwnKernels(true);
      const got = concat(await runOn(c.init, counted(c.op)));
      const ownDispatches = dispatches;
      setOwnKernels(false);
      const stock = concat(await runOn(c.init, counted(c.op)));
      checks.push({
        ...compare(c.name, c.what, 'stock', got, stock, c.tolerance ?? KERNEL_TOLERANCE),
        ...(counting ? { dispatches: { own: ownDispatches, stock: dispatches } } : {}),
      });
      if (withCpu) {
        const cpu = concat(await onCpu(backend, () => runOn(c.init, c.op)));
        checks.push(compare(c.name, c.what, 'cpu', got, cpu, c.tolerance ?? KERNEL_TOLERANCE));
      }
      log(`${c.name} (${c.what}): ${checks.slice(-2).every((r) => r.pass) ? 'pass' : 'FAIL'}`);
    }
    setFlags(flagsBefore);
    const cfg = stepConfig();
    setOwnKernels(true);
    const ownRun = await runSteps(cfg, Math.max(1, curveSteps));
    setOwnKernels(false);
    const stockRun = await runSteps(cfg, Math.max(1, curveSteps));
    checks.push(...stepChecks(ownRun, stockRun, 'stock', STEP_STOCK_TOLERANCE));
    log(`training step vs stock kernels: ${checks.slice(-3).every((r) => r.pass) ? 'pass' : 'FAIL'}`);
    if (withCpu) {
      const cpuRun = await onCpu(backend, () => runSteps(cfg, 1));
      checks.push(...stepChecks(ownRun, cpuRun, 'cpu', STEP_CPU_TOLERANCE));
      log(`training step vs CPU backend: ${checks.slice(-3).every((r) => r.pass) ? 'pass' : 'FAIL'}`);
    }
    let curve: ConformanceReport['curve'] = null;
    if (curveSteps > 1) {
      const rel = ownRun.curve.map(
        (l, i) => Math.abs(l - stockRun.curve[i]!) / Math.max(Math.abs(stockRun.curve[i]!), 1e-6),
      );
      const maxRel = Math.max(...rel);
      curve = {
        steps: curveSteps,
        own: ownRun.curve,
        stock: stockRun.curve,
        maxRelError: maxRel,
        tolerance: CURVE_TOLERANCE,
        pass: maxRel <= CURVE_TOLERANCE,
      };
      log(`loss curve over ${curveSteps} steps: max relative difference ${maxRel.toExponential(2)}`);
    }
    const gpuErrors = gpuErrorsSince(errorsBefore);
    const tensors = ownRun.tensors;
    const flat = tensors.length < 3 || tensors[tensors.length - 1] === tensors[1];
    return {
      backend,
      ownKernels: own,
      checks,
      curve,
      tensorsAfterStep: tensors,
      gpuBytesAfterStep: ownRun.gpuBytes,
      gpuErrors,
      pass: checks.every((c) => c.pass) && (curve?.pass ?? true) && gpuErrors.length === 0 && flat,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      tolerances: `kernels and step vs stock: |a−b| ≤ ${KERNEL_TOLERANCE.atol} + ${KERNEL_TOLERANCE.rtol}·|b| per element (fused BatchNorm: ${BN_TOLERANCE.atol} + ${BN_TOLERANCE.rtol}·|b|, other summation order); step vs CPU backend: ≤ ${STEP_CPU_TOLERANCE.atol} + ${STEP_CPU_TOLERANCE.rtol}·|b| (other summation order in convolutions and matMuls); loss curve: relative ≤ ${CURVE_TOLERANCE}; tensors flat from step 2 on; no WebGPU errors`,
    };
  } finally {
    setOwnKernels(wasEnabled);
  }
}

// The conformance check's kernel cases (conformance.ts runs them): every own kernel on random inputs
// of awkward shapes (odd sizes, one channel, single elements), each with its tolerance.
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../evaluation/normalize';
import { mixedSoftCrossEntropy } from '../losses/softCrossEntropy';
import { scoreFromLogits } from '../methods/scoring';
import { batchNorm } from '../nn/layers';
import { accumulateInPlace, bnRunningStats, emaUpdate, sgdUpdate } from './kernels/fused';
import { clipAdd, cutMixViews, normaliseInput, pgdProject } from './kernels/pixels';
import { Rng } from './random';
import type { Tolerance } from '../../shared/backendTypes';

export const KERNEL_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/**
 * The fused BatchNorm sums its statistics in another order than tfjs (a loop per channel against a
 * tree reduction), and dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)) cancels terms of size ~1: its
 * absolute errors are a few float32 ulps of 1 where the result is near 0.
 */
export const BN_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-5 };
const randn = (rng: Rng, n: number, scale = 1) =>
  Float32Array.from({ length: n }, () => rng.normal() * scale);

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
  // gradients of Σ y·w in x, γ and β, and the moving statistics after two calls. S > 1: the batch is
  // S stacked segments of G groups each, one moving update per segment (trainStep's shared hard pass).
  for (const [shape, g, segments] of [
    [[4, 3, 3, 1], 2, 1],
    [[6, 5], 3, 1],
    [[1, 1, 1, 1], 1, 1],
    [[2, 5, 7, 3], 1, 1],
    [[8, 4, 4, 16], 2, 1],
    [[12, 3, 3, 5], 3, 2],
    [[6, 7], 1, 3],
  ] as [number[], number, number][]) {
    const c = shape[shape.length - 1]!;
    const size = shape.reduce((a, b) => a * b, 1);
    cases.push({
      name: 'batchNorm (training)',
      tolerance: BN_TOLERANCE,
      what: `x [${shape}], ${g} group${g > 1 ? 's' : ''}${segments > 1 ? ` × ${segments} segments` : ''}: y, ∂/∂x, ∂/∂γ, ∂/∂β of Σ y·w, moving statistics`,
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
          const mode = { training: true, bnGroups: g, bnSegments: segments };
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
  // Software adapters' barrier-free Conv2D (software.ts; tfjs's on other adapters): the Tiny
  // network's first convolution, strides, valid padding, dilation, single elements.
  for (const [xs, ws, stride, pad, dilation] of [
    [[4, 16, 16, 1], [3, 3, 1, 8], 1, 'same', 1],
    [[3, 5, 7, 3], [3, 3, 3, 5], 1, 'same', 1],
    [[2, 9, 8, 4], [3, 3, 4, 6], 2, 'valid', 1],
    [[2, 9, 9, 2], [3, 3, 2, 3], 1, 'same', 2],
    [[2, 7, 6, 5], [1, 1, 5, 7], 2, 'same', 1],
    [[1, 1, 1, 1], [1, 1, 1, 1], 1, 'valid', 1],
  ] as [number[], number[], number, 'same' | 'valid', number][]) {
    const xSize = xs.reduce((a, x) => a * x, 1);
    const wSize = ws.reduce((a, x) => a * x, 1);
    const outShape = tf.backend_util.computeConv2DInfo(
      xs as [number, number, number, number],
      ws as [number, number, number, number],
      stride,
      dilation,
      pad,
    ).outShape;
    cases.push({
      name: 'conv2d (software adapters)',
      what: `x [${xs}], w [${ws}], stride ${stride}, ${pad}, dilation ${dilation}: y`,
      init: [
        { shape: xs, data: randn(rng, xSize) },
        { shape: ws, data: randn(rng, wSize, 0.3) },
        { shape: outShape, data: new Float32Array(outShape.reduce((a, x) => a * x, 1)) },
      ],
      op: (vs) => {
        const [x, w, out] = vs as tf.Variable[];
        tf.tidy(() => {
          out!.assign(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad, 'NHWC', dilation));
        });
      },
    });
  }
  // Software adapters' barrier-free Mean (software.ts): the global average pool, other contiguous
  // blocks of axes, keepDims, more than 64 reduced values (strided partial sums); 4,100 reduced values
  // and axes that are not one block (tfjs's kernel then).
  for (const [shape, axes, keepDims] of [
    [[32, 4, 4, 32], [1, 2], false],
    [[3, 5, 7, 2], [1, 2], false],
    [[301], [0], false],
    [[6, 5], [1], true],
    [[2, 3, 4], [0, 1], false],
    [[2, 70, 3], [1], false],
    [[2, 4100], [1], false],
    [[3, 4, 5], [0, 2], false],
    [[1, 1, 1, 1], [1, 2], true],
  ] as [number[], number[], boolean][]) {
    const size = shape.reduce((a, x) => a * x, 1);
    const reduced = tf.backend_util.computeOutAndReduceShapes(shape, axes)[0];
    const outShape = keepDims ? tf.backend_util.expandShapeToKeepDim(reduced, axes) : reduced;
    cases.push({
      name: 'mean (software adapters)',
      what: `x [${shape}], axes [${axes}]${keepDims ? ', keepDims' : ''}: y`,
      init: [
        { shape, data: randn(rng, size) },
        { shape: outShape, data: new Float32Array(outShape.reduce((a, x) => a * x, 1)) },
      ],
      op: (vs) => {
        const [x, out] = vs as tf.Variable[];
        tf.tidy(() => {
          out!.assign(tf.mean(x!, axes, keepDims));
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

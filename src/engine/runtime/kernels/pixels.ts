// Per-pixel chains on the input images (issue 11), each in ONE dispatch on WebGPU with the own kernels,
// with the plain-tfjs chain as the reference path (CPU, WebGL, WebGPU with setOwnKernels(false)):
//
//   normaliseInput   y = (x − mean) / std          the backbones' first "layer" (tfjs: Sub, RealDiv);
//                    gradient dx = dy / std         (tfjs: RealDiv; Sub's is the identity)
//   pgdProject       δ' = clip(x + clip(δ + α·sign(g), −ε, ε), 0, 1) − x   (the PGD step and its
//                    projection, adversarial.ts; tfjs: Sign, Multiply, Add, two ClipByValues, Add, Sub;
//                    without g the random start's projection: four)
//   clipAdd          clip(x + δ, 0, 1)              (the adversarial view; tfjs: Add, ClipByValue)
//   cutMixViews      (1 − M)·x + M·x[partner]       (the cut-mixed view; tfjs: Sub, 2 Multiply, GatherV2, Add)
//
// The same float32 operations in the same order as tfjs's kernels, so the same values. ClipByValue
// passes NaN through (tfjs's kernel does); WGSL's clamp need not, hence the select.
import * as tf from '@tensorflow/tfjs';
import { output } from './batchNorm';
import { ownKernelsActive } from './fused';
import { declareBindings, dispatchInPlace, FLAT_INDEX, MAIN_SIGNATURE, packUniforms } from './inPlace';

const CLIP = `fn clip_nan(v: f32, lo: f32, hi: f32) -> f32 { return select(clamp(v, lo, hi), v, v != v); }`;

const usable = (...ts: tf.Tensor[]) => ownKernelsActive() && ts.every((t) => t.dtype === 'float32');

// x → (x − mean) / std
const NORMALISE =
  () => `${declareBindings([{ write: false }, { write: true }], 'n: u32, shift: f32, scale: f32,')}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  b1[i] = (b0[i] - u.shift) / u.scale;
}`;

// dy → dy / std
const NORMALISE_GRAD =
  () => `${declareBindings([{ write: false }, { write: true }], 'n: u32, shift: f32, scale: f32,')}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  b1[i] = b0[i] / u.scale;
}`;

/** (x − mean) / std, differentiable in x; one dispatch forward and one backward on WebGPU. */
export function normaliseInput<T extends tf.Tensor>(x: T, mean: number, std: number): T {
  if (!usable(x)) return tf.tidy(() => tf.div(tf.sub(x, mean), std));
  const u = packUniforms([{ u32: x.size }, { f32: mean }, { f32: std }]);
  const f = tf.customGrad((xIn) => {
    const xs = xIn as tf.Tensor;
    const y = output(xs.shape);
    dispatchInPlace(
      'hexa-normalise',
      NORMALISE,
      [
        { tensor: xs, write: false },
        { tensor: y, write: true },
      ],
      u,
      xs.size,
    );
    return {
      value: y,
      gradFunc: (dy: tf.Tensor) => {
        const dx = output(dy.shape);
        dispatchInPlace(
          'hexa-normalise-grad',
          NORMALISE_GRAD,
          [
            { tensor: dy, write: false },
            { tensor: dx, write: true },
          ],
          u,
          dy.size,
        );
        return dx;
      },
    };
  });
  return f(x) as T;
}

const PGD_U = 'n: u32, step: f32, eps: f32,';

// x, δ, g → clip(x + clip(δ + step·sign(g), −ε, ε), 0, 1) − x
const PGD_STEP =
  () => `${declareBindings([{ write: false }, { write: false }, { write: false }, { write: true }], PGD_U)}
${CLIP}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let x = b0[i];
  let d = b1[i] + sign(b2[i]) * u.step;
  b3[i] = clip_nan(x + clip_nan(d, -u.eps, u.eps), 0.0, 1.0) - x;
}`;

// x, δ → clip(x + clip(δ, −ε, ε), 0, 1) − x
const PGD_START = () => `${declareBindings([{ write: false }, { write: false }, { write: true }], PGD_U)}
${CLIP}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let x = b0[i];
  b2[i] = clip_nan(x + clip_nan(b1[i], -u.eps, u.eps), 0.0, 1.0) - x;
}`;

// x, δ → clip(x + δ, 0, 1)
const CLIP_ADD = () => `${declareBindings([{ write: false }, { write: false }, { write: true }], 'n: u32,')}
${CLIP}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  b2[i] = clip_nan(b0[i] + b1[i], 0.0, 1.0);
}`;

/**
 * PGD's projected step of x's perturbation δ (same shapes): with a gradient g,
 * clip(x + clip(δ + stepSize·sign(g), −ε, ε), 0, 1) − x; without (g null), the projection of δ alone.
 * Not differentiable (the attack never differentiates through it).
 */
export function pgdProject<T extends tf.Tensor>(
  x: T,
  delta: tf.Tensor,
  g: tf.Tensor | null,
  stepSize: number,
  epsilon: number,
): T {
  const sameShape = delta.size === x.size && (g === null || g.size === x.size);
  if (!sameShape || !usable(x, delta, ...(g ? [g] : []))) {
    return tf.tidy(() => {
      const d = g ? tf.add(delta, tf.mul(tf.sign(g), stepSize)) : delta;
      return tf.sub(tf.clipByValue(tf.add(x, tf.clipByValue(d, -epsilon, epsilon)), 0, 1), x) as T;
    });
  }
  const out = output(x.shape);
  const u = packUniforms([{ u32: x.size }, { f32: stepSize }, { f32: epsilon }]);
  if (g)
    dispatchInPlace(
      'hexa-pgd-step',
      PGD_STEP,
      [
        { tensor: x, write: false },
        { tensor: delta, write: false },
        { tensor: g, write: false },
        { tensor: out, write: true },
      ],
      u,
      x.size,
    );
  else
    dispatchInPlace(
      'hexa-pgd-start',
      PGD_START,
      [
        { tensor: x, write: false },
        { tensor: delta, write: false },
        { tensor: out, write: true },
      ],
      u,
      x.size,
    );
  return out as T;
}

/** clip(x + δ, 0, 1) (same shapes); not differentiable. */
export function clipAdd<T extends tf.Tensor>(x: T, delta: tf.Tensor): T {
  if (delta.size !== x.size || !usable(x, delta))
    return tf.tidy(() => tf.clipByValue(tf.add(x, delta), 0, 1) as T);
  const out = output(x.shape);
  dispatchInPlace(
    'hexa-clip-add',
    CLIP_ADD,
    [
      { tensor: x, write: false },
      { tensor: delta, write: false },
      { tensor: out, write: true },
    ],
    packUniforms([{ u32: x.size }]),
    x.size,
  );
  return out as T;
}

// x, mask, partner (int32 bits) → (1 − m)·x + m·x[partner]
const CUT_MIX = () => `${declareBindings(
  [{ write: false }, { write: false }, { write: false }, { write: true }],
  'n: u32, image: u32, channels: u32,',
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.n) { return; }
  let b = i / u.image;
  let p = u32(bitcast<i32>(b2[b]));
  let m = b1[i / u.channels];
  b3[i] = (1.0 - m) * b0[i] + m * b0[p * u.image + i % u.image];
}`;

/**
 * Cut-mix (hardExamples/cutmix.ts): (1 − M) ⊙ x + M ⊙ x[partner], x [B, H, W, C], mask [B, H, W, 1],
 * partner int32 [B]; one dispatch on WebGPU (tfjs: Sub, two Multiplies, GatherV2, Add). Not
 * differentiable (the mixed view is an input of the step).
 */
export function cutMixViews(x: tf.Tensor4D, mask: tf.Tensor4D, partner: tf.Tensor1D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const fits = mask.size === b * h * w && partner.size === b && partner.dtype === 'int32';
  if (!fits || !usable(x, mask))
    return tf.tidy(
      () => tf.add(tf.mul(tf.sub(1, mask), x), tf.mul(mask, tf.gather(x, partner))) as tf.Tensor4D,
    );
  const out = output(x.shape);
  dispatchInPlace(
    'hexa-cutmix',
    CUT_MIX,
    [
      { tensor: x, write: false },
      { tensor: mask, write: false },
      { tensor: partner, write: false },
      { tensor: out, write: true },
    ],
    packUniforms([{ u32: x.size }, { u32: h * w * c }, { u32: c }]),
    x.size,
  );
  return out as tf.Tensor4D;
}

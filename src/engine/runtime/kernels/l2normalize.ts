// Fused row-wise L2 normalisation (issue 11): y = x · rsqrt(max(Σ_j x_j², ε²)), as
// evaluation/normalize.ts's l2Normalize, in ONE dispatch (a thread per row) instead of tfjs's five
// (square, sum, maximum, rsqrt, mul), and its gradient in one more instead of about eight:
//   dx = dy·r − x·r³·Σ_j dy_j x_j   where Σ x² ≥ ε² (tf.maximum passes the gradient to x then),
//   dx = dy·r                        otherwise (r = 1/ε there, a constant).
// WebGPU only (ownKernelsActive); the reference is l2Normalize's plain tfjs path. The row sums run in
// column order (tfjs's reduction in another: a few ulps apart).
import * as tf from '@tensorflow/tfjs';
import { output } from './batchNorm';
import { declareBindings, dispatchInPlace, FLAT_INDEX, MAIN_SIGNATURE, packUniforms } from './inPlace';

const U = 'rows: u32, cols: u32, eps2: f32,';

// x → y, r (the row's rsqrt(max(Σx², ε²)))
const FORWARD = () => `${declareBindings([{ write: false }, { write: true }, { write: true }], U)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.rows) { return; }
  let base = i * u.cols;
  var s = 0.0;
  for (var j = 0u; j < u.cols; j = j + 1u) { let v = b0[base + j]; s = s + v * v; }
  let r = inverseSqrt(max(s, u.eps2));
  for (var j = 0u; j < u.cols; j = j + 1u) { b1[base + j] = b0[base + j] * r; }
  b2[i] = r;
}`;

// x, r, dy → dx
const BACKWARD = () => `${declareBindings(
  [{ write: false }, { write: false }, { write: false }, { write: true }],
  U,
)}
${MAIN_SIGNATURE} {
  ${FLAT_INDEX}
  if (i >= u.rows) { return; }
  let base = i * u.cols;
  let r = b1[i];
  var s = 0.0;
  var dot = 0.0;
  for (var j = 0u; j < u.cols; j = j + 1u) {
    let v = b0[base + j];
    s = s + v * v;
    dot = dot + b2[base + j] * v;
  }
  var k = 0.0;
  if (s >= u.eps2) { k = r * r * r * dot; }
  for (var j = 0u; j < u.cols; j = j + 1u) { b3[base + j] = b2[base + j] * r - b0[base + j] * k; }
}`;

/** l2Normalize(x, eps) of x [N, D] (float32) on WebGPU: one dispatch forward, one backward. */
export function fusedL2Normalize(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  const [rows, cols] = x.shape;
  const u = packUniforms([{ u32: rows }, { u32: cols }, { f32: eps * eps }]);
  const f = tf.customGrad((xIn, save) => {
    const xs = xIn as tf.Tensor;
    const y = output([rows, cols]);
    const r = output([rows]);
    dispatchInPlace(
      'hexa-l2n-fwd',
      FORWARD,
      [
        { tensor: xs, write: false },
        { tensor: y, write: true },
        { tensor: r, write: true },
      ],
      u,
      rows,
    );
    (save as tf.GradSaveFunc)([xs, r]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [x2, r2] = saved as [tf.Tensor, tf.Tensor];
        const dx = output([rows, cols]);
        dispatchInPlace(
          'hexa-l2n-grad',
          BACKWARD,
          [
            { tensor: x2, write: false },
            { tensor: r2, write: false },
            { tensor: dy, write: false },
            { tensor: dx, write: true },
          ],
          u,
          rows,
        );
        return dx;
      },
    };
  });
  return f(x) as tf.Tensor2D;
}

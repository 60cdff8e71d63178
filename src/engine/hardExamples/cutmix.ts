// Cut-mixed views: a box of a partner view (a permutation of the batch) pasted into each view; the
// pseudo-label is mixed by the pasted area. λ0 ~ Beta(a, a), λ0 = max(λ0, 1 − λ0), one box per image
// at a uniform centre, clipped to the image; λ is recomputed from the clipped box (docs/DESIGN-NOTES.md, "HEXA-MoCo").
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { CutMixPreview } from '../../shared/trainingTypes';
import type { EncodedViews, HardExampleGenerator, HardExamples, PseudoLabelTask } from '../methods/types';
import { splitRows, toImages } from '../training/previewImages';
import { cutMixViews } from '../runtime/kernels/pixels';
import type { Rng } from '../runtime/random';

export interface CutMixBoxes {
  partner: Int32Array; // [B] j for each i
  boxes: Int32Array; // [B, 4] y1, x1, y2, x2 (half-open, clipped)
  lambda: Float32Array; // [B] share of the own image's pixels kept
}

/** Draws boxes, partners and exact λ on the CPU (B numbers each; no GPU read-back needed). */
export function drawCutMix(b: number, h: number, w: number, a: number, rng: Rng): CutMixBoxes {
  const partner = rng.permutation(b);
  const boxes = new Int32Array(4 * b);
  const lambda = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const l0raw = rng.beta(a, a);
    const l0 = Math.max(l0raw, 1 - l0raw);
    const r = Math.sqrt(1 - l0);
    const ch = Math.round(h * r);
    const cw = Math.round(w * r);
    const cy = rng.int(h);
    const cx = rng.int(w);
    const y1 = Math.max(0, cy - Math.floor(ch / 2));
    const y2 = Math.min(h, cy + Math.ceil(ch / 2));
    const x1 = Math.max(0, cx - Math.floor(cw / 2));
    const x2 = Math.min(w, cx + Math.ceil(cw / 2));
    boxes.set([y1, x1, y2, x2], 4 * i);
    lambda[i] = 1 - ((y2 - y1) * (x2 - x1)) / (h * w);
  }
  return { partner, boxes, lambda };
}

/** Box masks [B, H, W, 1] as values: 1 inside the pasted box (partner pixels), 0 outside. */
export function boxMaskValues(boxes: Int32Array, b: number, h: number, w: number): Float32Array {
  const m = new Float32Array(b * h * w);
  for (let i = 0; i < b; i++) {
    const [y1, x1, y2, x2] = boxes.subarray(4 * i, 4 * i + 4) as unknown as [number, number, number, number];
    for (let y = y1; y < y2; y++) m.fill(1, (i * h + y) * w + x1, (i * h + y) * w + x2);
  }
  return m;
}

/**
 * Box masks [B, H, W, 1]: 1 inside the pasted box (partner pixels), 0 outside. Made on the CPU (0s and
 * 1s: exactly what comparisons on the GPU gave) and uploaded once, instead of four small index and
 * comparison tensors uploaded for a GPU logicalAnd.
 */
export function boxMask(boxes: Int32Array, b: number, h: number, w: number): tf.Tensor4D {
  return tf.tensor4d(boxMaskValues(boxes, b, h, w), [b, h, w, 1]);
}

/**
 * The mask [B, H, W, 1] and λ [B] from ONE upload ([B, H·W + 1] rows: the mask's pixels, then λ),
 * sliced apart on the device: per-image parameters travel together (issue 11, item 3).
 */
export function maskAndLambda(
  drawn: CutMixBoxes,
  b: number,
  h: number,
  w: number,
): { mask: tf.Tensor4D; lambda: tf.Tensor1D } {
  const row = h * w + 1;
  const values = new Float32Array(b * row);
  const mask = boxMaskValues(drawn.boxes, b, h, w);
  for (let i = 0; i < b; i++) {
    values.set(mask.subarray(i * h * w, (i + 1) * h * w), i * row);
    values[i * row + h * w] = drawn.lambda[i]!;
  }
  return tf.tidy(() => {
    const packed = tf.tensor2d(values, [b, row]);
    return {
      mask: tf.reshape(tf.slice(packed, [0, 0], [b, h * w]), [b, h, w, 1]) as tf.Tensor4D,
      lambda: tf.reshape(tf.slice(packed, [0, h * w], [b, 1]), [b]) as tf.Tensor1D,
    };
  });
}

/** x_mix = (1 − M) ⊙ x_i + M ⊙ x_partner(i). x [B, H, W, C], mask [B, H, W, 1]. */
export function cutMix(x: tf.Tensor4D, mask: tf.Tensor4D, partner: tf.Tensor1D): tf.Tensor4D {
  return cutMixViews(x, mask, partner); // one dispatch on WebGPU (runtime/kernels/pixels.ts)
}

export const cutMixGenerator: HardExampleGenerator<CutMixPreview> = {
  id: 'cutmix',
  enabled: (cfg) => cfg.cutmix && cfg.wMix > 0,
  generate(task: PseudoLabelTask, xq: tf.Tensor4D, cfg: TrainConfig, rng: Rng): HardExamples {
    const [b, h, w] = xq.shape;
    const drawn = drawCutMix(b, h, w, cfg.mixBeta, rng);
    const partner = tf.tensor1d(drawn.partner, 'int32');
    const { mask, lambda } = maskAndLambda(drawn, b, h, w);
    const view = cutMix(xq, mask, partner);
    const head = <T extends tf.Tensor>(t: T, n: number) => tf.slice(t, 0, n) as T;
    return {
      weight: cfg.wMix,
      view,
      loss: (t, mode) => {
        if (!t.mixedLoss) throw new Error('Cut-mix: this method has no mixed targets (mixedLoss).');
        return { loss: t.mixedLoss(view, partner, lambda, mode) };
      },
      // Its rows of an encoder pass shared with other generators' views (trainStep).
      ...(task.mixedLossEncoded && {
        lossEncoded: (t: PseudoLabelTask, encoded: EncodedViews) => ({
          loss: t.mixedLossEncoded!(encoded, partner, lambda),
        }),
      }),
      metrics: () => ({ lambda: tf.mean(lambda) as tf.Scalar }),
      previews: ({ query }, n) => ({
        view: head(view, n),
        mask: head(mask, n),
        partner_view: head(tf.gather(query, partner), n),
        partner: head(partner, n),
        lambda: head(lambda, n),
      }),
      dispose() {
        [partner, lambda, mask, view].forEach((x) => x.dispose());
      },
    };
  },
  readPreview(d, shapes, ctx): CutMixPreview {
    const n = shapes.view![0]!;
    const partner = Array.from(d.partner!);
    return {
      own: ctx.query,
      partner: toImages(d.partner_view!, shapes.partner_view!),
      mixed: toImages(d.view!, shapes.view!),
      masks: splitRows(d.mask!, n).map((m) => Uint8Array.from(m)),
      lambda: Array.from(d.lambda!),
      partnerIndex: partner,
      ownLabel: ctx.ownLabels.slice(0, n),
      partnerLabel: partner.map((j) => ctx.ownLabels[j]!),
    };
  },
};

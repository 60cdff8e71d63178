// Small previews for the panels, read back from the GPU only on read-back steps. Plain typed arrays
// so they cross the worker boundary cheaply (transferable buffers).
import type * as tf from '@tensorflow/tfjs';
import { readTogether, type ReadValues } from './readback';
import type { PreviewImage, PreviewMeta, PreviewSet } from '../../shared/trainingTypes';

function toImages(data: Float32Array | Int32Array | Uint8Array, shape: number[]): PreviewImage[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const size = h * w * c;
  return Array.from({ length: n }, (_, i) => {
    const pixels = new Uint8Array(size);
    for (let j = 0; j < size; j++)
      pixels[j] = Math.round(Math.min(1, Math.max(0, data[i * size + j]!)) * 255);
    return { width: w, height: h, channels: c, pixels };
  });
}

function split(data: Float32Array | Int32Array | Uint8Array, n: number): Float32Array[] {
  const size = data.length / n;
  return Array.from({ length: n }, (_, i) => Float32Array.from(data.subarray(i * size, (i + 1) * size)));
}

/** Reads the step's preview tensors (one read-back for all) and disposes them. */
export async function readPreviews(
  t: Record<string, tf.Tensor>,
  meta: PreviewMeta,
  batchIndices?: Int32Array, // dataset indices of the batch, to name the samples
): Promise<PreviewSet> {
  try {
    return previewsFromValues(await readTogether(t), shapesOf(t), meta, batchIndices);
  } finally {
    Object.values(t).forEach((x) => x.dispose());
  }
}

export const shapesOf = (t: Record<string, tf.Tensor>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(t).map(([k, x]) => [k, x.shape]));

/** The preview set from read-back values (see readPreviews) and the tensors' shapes. */
export function previewsFromValues(
  d: Record<string, ReadValues>,
  shapes: Record<string, number[]>,
  meta: PreviewMeta,
  batchIndices?: Int32Array,
): PreviewSet {
  const shape = (k: string) => shapes[k]!;
  const nums = (k: string) => Array.from(d[k]!);
  const out: PreviewSet = {
    ...meta,
    views: { query: toImages(d.xq!, shape('xq')), key: toImages(d.xk!, shape('xk')) },
    adversarial: null,
    cutmix: null,
  };
  if (d.adv_view && d.adv_delta) {
    const n = shape('adv_view')[0]!;
    const perturbation = split(d.adv_delta, n);
    out.adversarial = {
      clean: out.views.query,
      adversarial: toImages(d.adv_view, shape('adv_view')),
      perturbation,
      scale: perturbation.reduce((m, p) => p.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0),
      epsilon: meta.epsilon,
      rankBefore: nums('rank_before'),
      rankAfter: nums('rank_after'),
      logitBefore: nums('logit_before'),
      logitAfter: nums('logit_after'),
      ownLabel: nums('own_labels').slice(0, n),
      argmaxBefore: nums('argmax_before'),
      argmaxAfter: nums('argmax_after'),
    };
  }
  if (d.mix_view && d.mix_mask) {
    const n = shape('mix_view')[0]!;
    out.cutmix = {
      own: out.views.query,
      partner: toImages(d.mix_partner_view!, shape('mix_partner_view')),
      mixed: toImages(d.mix_view, shape('mix_view')),
      masks: split(d.mix_mask, n).map((m) => Uint8Array.from(m)),
      lambda: nums('mix_lambda'),
      partnerIndex: nums('mix_partner'),
      ownLabel: nums('own_labels').slice(0, n),
      partnerLabel: nums('mix_partner').map((j) => d.own_labels![j]!),
    };
  }
  if (batchIndices) out.indices = Array.from(batchIndices.subarray(0, out.views.query.length));
  if (d.hard_view && d.hard_loss && d.hard_pos) {
    const positions = nums('hard_pos');
    out.hardest = {
      images: toImages(d.hard_view, shape('hard_view')),
      losses: nums('hard_loss'),
      positions,
      indices: positions.map((j) => batchIndices?.[j] ?? -1),
    };
  }
  return out;
}

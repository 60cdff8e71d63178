// Small previews for the panels, read back from the GPU only on read-back steps. Plain typed arrays
// so they cross the worker boundary cheaply (transferable buffers). The step's own previews (views,
// pseudo-labels, the gallery's hardest samples) are read here; each hard-example generator reads its
// own (keys `<generator id>:<key>`) with its readPreview.
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import { GENERATOR_IDS } from '../../shared/catalog';
import { GENERATORS } from '../methods/registry';
import { readTogether, type ReadValues } from './readback';
import { toImages } from './previewImages';
import type { PreviewMeta, PreviewSet } from '../../shared/trainingTypes';

/** Reads the step's preview tensors (one read-back for all) and disposes them. */
export async function readPreviews(
  t: Record<string, tf.Tensor>,
  meta: PreviewMeta,
  cfg: TrainConfig, // the settings the step was made with (e.g. the adversarial budget shown)
  batchIndices?: Int32Array, // dataset indices of the batch, to name the samples
): Promise<PreviewSet> {
  try {
    return previewsFromValues(await readTogether(t), shapesOf(t), meta, cfg, batchIndices);
  } finally {
    Object.values(t).forEach((x) => x.dispose());
  }
}

export const shapesOf = (t: Record<string, tf.Tensor>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(t).map(([k, x]) => [k, x.shape]));

/** The values and shapes under `<prefix>:`, with the prefix removed. */
function scoped<T>(all: Record<string, T>, prefix: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(all))
    if (k.startsWith(`${prefix}:`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

/** The preview set from read-back values (see readPreviews) and the tensors' shapes. */
export function previewsFromValues(
  d: Record<string, ReadValues>,
  shapes: Record<string, number[]>,
  meta: PreviewMeta,
  cfg: TrainConfig,
  batchIndices?: Int32Array,
): PreviewSet {
  const shape = (k: string) => shapes[k]!;
  const nums = (k: string) => Array.from(d[k]!);
  const query = toImages(d.xq!, shape('xq'));
  const ownLabels = d.own_labels ? Array.from(d.own_labels) : [];
  const out = { ...meta, views: { query, key: toImages(d.xk!, shape('xk')) } } as PreviewSet;
  for (const id of GENERATOR_IDS) {
    const values = scoped(d, id);
    (out as unknown as Record<string, unknown>)[id] =
      Object.keys(values).length > 0
        ? GENERATORS[id].readPreview(values, scoped(shapes, id), { cfg, query, ownLabels })
        : null;
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

// One GPU→CPU read-back for many tensors: flattened (int32/bool cast to float32, exact below 2^24),
// concatenated into one float32 tensor and read with a single data(). Used for the metric sums and
// the previews of a read-back window (issue 11: one read-back per window).
import * as tf from '@tensorflow/tfjs';

export type ReadValues = Float32Array | Int32Array;

export interface PackedEntry {
  key: string;
  shape: number[];
  dtype: tf.DataType;
  offset: number;
  size: number;
}

/** Packs the tensors (not disposed) into one float32 tensor [total] and its layout. */
export function packTensors(t: Record<string, tf.Tensor>): { packed: tf.Tensor1D; layout: PackedEntry[] } {
  const layout: PackedEntry[] = [];
  let offset = 0;
  for (const [key, x] of Object.entries(t)) {
    layout.push({ key, shape: x.shape, dtype: x.dtype, offset, size: x.size });
    offset += x.size;
  }
  const packed = tf.tidy(() => {
    const parts = layout.map(({ key }) => {
      const x = t[key]!;
      return tf.reshape(x.dtype === 'float32' ? x : tf.cast(x, 'float32'), [-1]);
    });
    if (parts.length === 0) return tf.zeros([0]) as tf.Tensor1D;
    return (parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts)) as tf.Tensor1D;
  });
  return { packed, layout };
}

/** Splits the read values back by key: float32 entries as Float32Array views, integer ones as Int32Array. */
export function unpack(data: Float32Array, layout: PackedEntry[]): Record<string, ReadValues> {
  const out: Record<string, ReadValues> = {};
  for (const e of layout) {
    const view = data.subarray(e.offset, e.offset + e.size);
    out[e.key] = e.dtype === 'float32' ? view : Int32Array.from(view);
  }
  return out;
}

/** Reads every tensor with ONE data() call (the tensors are not disposed). */
export async function readTogether(t: Record<string, tf.Tensor>): Promise<Record<string, ReadValues>> {
  const { packed, layout } = packTensors(t);
  try {
    if (layout.length === 0) return {};
    return unpack((await packed.data()) as Float32Array, layout);
  } finally {
    packed.dispose();
  }
}

// Shared by the kernels the lab adds to tfjs-backend-wasm (wasmConvFilterGrad.ts, wasmSegmentSum.ts):
// a kernel made of the backend's own kernels, whose intermediate results are freed when it returns.
import * as tf from '@tensorflow/tfjs';

type Backend = Parameters<tf.KernelFunc>[0]['backend'];

/** Runs the wasm backend's kernel `name` (throws if the backend has none). */
type Run = (name: string, inputs: Record<string, tf.TensorInfo>, attrs: object) => tf.TensorInfo;

/**
 * Calls `body` with a `run` for the backend's kernels and a `temp` that marks a result as an
 * intermediate; every intermediate is disposed after `body` returns (or throws). The returned
 * TensorInfo is the kernel's output and must not be marked.
 */
export function composeWasm(
  backend: Backend,
  body: (run: Run, temp: (t: tf.TensorInfo) => tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const run: Run = (name, inputs, attrs) => {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new Error(`The wasm backend has no ${name} kernel.`);
    return config.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  };
  const temps: tf.TensorInfo[] = [];
  try {
    return body(run, (t) => (temps.push(t), t));
  } finally {
    const b = backend as unknown as { disposeData(dataId: object): boolean };
    for (const t of temps) b.disposeData(t.dataId);
  }
}

// UnsortedSegmentSum for the WebAssembly backend, which tfjs-backend-wasm 4.22 does not have: it is
// the gradient of a gather (tf.gather's backward pass; HEXA-SwAV gathers its views), so training that
// gathers failed on wasm with "kernel not registered". It is the backend's own ScatterNd, which sums
// rows scattered to the same index: out[s, …] = Σ_{i : ids[i] = s} x[i, …]. Ids outside
// [0, numSegments) are not expected here (a gather's gradient never makes them). The unit test
// compares it with the CPU backend's kernel.
import * as tf from '@tensorflow/tfjs';
import { composeWasm } from './wasmComposite';

type KernelArgs = Parameters<tf.KernelFunc>[0];

function segmentSum(args: KernelArgs): tf.TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as { numSegments: number };
  const n = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(segmentIds.shape.length);
  return composeWasm(backend, (run, temp) => {
    const indices = temp(run('Reshape', { x: segmentIds }, { shape: [n, 1] })); // [N, 1]
    const updates = temp(run('Reshape', { x }, { shape: [n, ...rest] })); // [N, …]
    return run('ScatterNd', { indices, updates }, { shape: [numSegments, ...rest] });
  });
}

/** Registers UnsortedSegmentSum for the wasm backend (idempotent; call once wasm is registered). */
export function installWasmSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  if (!tf.getKernel('ScatterNd', 'wasm')) return; // no wasm backend in this bundle
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: segmentSum });
}

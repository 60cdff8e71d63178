// Scalar constants resident on the GPU (issue 11, item 3). tfjs turns every number in an op
// (tf.mul(x, 0.9), tf.div(x, tau), tf.equal(rank, 0)…) into a new one-element tensor on the CPU and
// uploads it (a staging buffer and a copy) the first time a GPU kernel reads it: 131 of 158 uploads
// of a MoCo-v2 step were such constants. Installed on the WebGPU backend, this gives each distinct
// (dtype, value) one GPU buffer, written once and shared by every later scalar with that value (marked
// `external`, so tfjs never returns it to its pool or writes it). Values past CACHE_LIMIT distinct
// ones upload as before. Nothing about the ops changes: they read the same 4 bytes. Part of the own
// kernels: off with setOwnKernels(false) (the stock path the bench and the conformance check compare).
import * as tf from '@tensorflow/tfjs';
import { ownKernelsEnabled } from './fused';

const CACHE_LIMIT = 512;

interface TensorData {
  values: ArrayLike<number> | null;
  dtype: tf.DataType;
  shape: number[];
  resource: unknown;
  external?: boolean;
}
interface Backend {
  device: GPUDevice;
  tensorMap: { get(id: object): TensorData | undefined };
  uploadToGPU(dataId: object): void;
}

const installed = new WeakSet<object>();
const uncached = new WeakMap<object, (dataId: object) => void>();

/**
 * Uploads without the cache: for a tensor a kernel is about to write in place (a one-element variable
 * initialised from a number must get a buffer of its own, never the shared constant).
 */
export function uploadUncached(dataId: object): void {
  const b = tf.backend() as unknown as Backend;
  (uncached.get(b) ?? b.uploadToGPU.bind(b))(dataId);
}
const constantBuffers = new WeakSet<object>();

/** True for a buffer of the constant cache (the bench's upload counter does not count those). */
export function isConstantBuffer(resource: unknown): boolean {
  return typeof resource === 'object' && resource !== null && constantBuffers.has(resource);
}

/** Installs the cache on the current backend if it is WebGPU (idempotent). */
export function installConstantCache(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const b = tf.backend() as unknown as Backend;
  if (installed.has(b)) return true;
  installed.add(b);
  const cache = new Map<string, GPUBuffer>();
  const upload = b.uploadToGPU.bind(b);
  uncached.set(b, upload);
  b.uploadToGPU = (dataId) => {
    const d = b.tensorMap.get(dataId);
    if (!ownKernelsEnabled() || !d || d.resource != null || !d.values || d.values.length !== 1)
      return upload(dataId);
    if (d.dtype !== 'float32' && d.dtype !== 'int32' && d.dtype !== 'bool') return upload(dataId);
    const key = `${d.dtype}:${d.values[0]}`;
    let buffer = cache.get(key);
    if (!buffer) {
      if (cache.size >= CACHE_LIMIT) return upload(dataId);
      buffer = b.device.createBuffer({
        size: 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        mappedAtCreation: true,
        label: `hexa-constant ${key}`,
      });
      const range = buffer.getMappedRange();
      if (d.dtype === 'float32') new Float32Array(range)[0] = d.values[0]!;
      else new Int32Array(range)[0] = d.values[0]!;
      buffer.unmap();
      cache.set(key, buffer);
      constantBuffers.add(buffer);
    }
    d.resource = buffer;
    d.external = true; // tfjs's disposal then drops the reference without pooling the buffer
    d.values = null;
  };
  return true;
}

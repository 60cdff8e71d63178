// In-place multi-tensor WGSL dispatches inside tfjs-backend-webgpu 4.22: one compute dispatch that reads
// and writes the GPU buffers of several tensors (e.g. every parameter, velocity and gradient of two
// layers), recorded on the backend's own command encoder and compute pass, so it is ordered with
// tfjs's work and submitted with it. tfjs's program runner (runWebGPUProgram) has one output tensor
// per dispatch and allocates it; an optimiser wants to update many existing variables in place, so
// this uses the backend's internals directly (pinned to tfjs 4.22: see docs/ARCHITECTURE.md "Kernels").
//
// Rules that keep tfjs consistent:
// - a written tensor must own its buffer (backend refCount 1: no reshape/clone/assign sharing it),
//   else the caller takes the reference path (canWriteInPlace);
// - its CPU copy, if tfjs cached one after a read, is dropped (values = null) so data() reads the GPU;
// - every buffer used is marked as owned by the pending command buffer (commandQueueOwnedIds), so a
//   tensor disposed before the submit keeps its buffer until then, as tfjs does for its own programs.
import * as tf from '@tensorflow/tfjs';
import { uploadUncached } from './constants';
import { withKernelLabel } from '../kernelLabel';

interface TensorData {
  values: unknown;
  resource: GPUBuffer | GPUTexture | null;
  refCount: number;
  dtype: tf.DataType;
  external?: boolean;
}

/** The parts of tfjs-backend-webgpu 4.22's WebGPUBackend used here (internal API). */
interface WebGpuInternals {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: object): TensorData | undefined };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
  uniformPendingDisposal: GPUBuffer[];
  activeTimers?: unknown;
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export const WORKGROUP_SIZE = 64;

function internals(): WebGpuInternals {
  if (tf.getBackend() !== 'webgpu') throw new Error('In-place kernels need the webgpu backend');
  return tf.backend() as unknown as WebGpuInternals;
}

/** Storage buffers one dispatch may bind on this device (WebGPU's default limit is 8). */
export function maxStorageBuffers(): number {
  return internals().device.limits.maxStorageBuffersPerShaderStage;
}

/** True when `t` can be written in place: float32, alone on its buffer (no other tensor shares it). */
export function canWriteInPlace(t: tf.Tensor): boolean {
  return t.dtype === 'float32' && ownsBuffer(t);
}

/**
 * True when `t` (float32 or int32: 4 bytes an element) is alone on a buffer of its own. A kernel that
 * writes an int32 output stores the integer's bits (bitcast<f32>(i32)) in its f32 binding.
 */
export function ownsBuffer(t: tf.Tensor): boolean {
  if ((t.dtype !== 'float32' && t.dtype !== 'int32') || t.isDisposed) return false;
  const d = internals().tensorMap.get(t.dataId);
  // Never a shared constant (constants.ts) or an imported external buffer.
  return d !== undefined && d.refCount === 1 && !d.external && !(d.resource instanceof GPUTexture);
}

export interface Binding {
  tensor: tf.Tensor;
  write: boolean;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipelineFor(b: WebGpuInternals, key: string, code: () => string): GPUComputePipeline {
  let cache = pipelines.get(b.device);
  if (!cache) pipelines.set(b.device, (cache = new Map()));
  let p = cache.get(key);
  if (!p) {
    const module = b.device.createShaderModule({ code: code(), label: key });
    p = b.device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
      label: key,
    });
    cache.set(key, p);
  }
  return p;
}

/** WGSL declarations for `bindings` (names b0, b1, …) and the uniform block `u` after them. */
export function declareBindings(bindings: { write: boolean }[], uniformStruct: string): string {
  const lines = bindings.map(
    (x, i) => `@group(0) @binding(${i}) var<storage, ${x.write ? 'read_write' : 'read'}> b${i}: array<f32>;`,
  );
  lines.push(`struct Uniforms { ${uniformStruct} };`);
  lines.push(`@group(0) @binding(${bindings.length}) var<uniform> u: Uniforms;`);
  return lines.join('\n');
}

/** The flat thread index for a dispatch of `dispatchFor(n)` workgroups (2-D beyond 65,535 groups). */
export const FLAT_INDEX = `let i = gid.x + gid.y * nwg.x * ${WORKGROUP_SIZE}u;`;
export const MAIN_SIGNATURE = `@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;

/**
 * Records one dispatch of the WGSL `code` (entry point `main`, cached by `key`) over `threads`
 * threads, bound to the tensors' buffers in order, then the uniform buffer `uniforms` (a std140-like
 * layout the caller packs). Written tensors must pass canWriteInPlace.
 */
export function dispatchInPlace(
  key: string,
  code: () => string,
  bindings: Binding[],
  uniforms: ArrayBuffer,
  threads: number,
): void {
  withKernelLabel(key, () => record(key, code, bindings, uniforms, threads));
}

function record(
  key: string,
  code: () => string,
  bindings: Binding[],
  uniforms: ArrayBuffer,
  threads: number,
) {
  const b = internals();
  for (const { tensor, write } of bindings) {
    if (write && !ownsBuffer(tensor)) throw new Error(`${key}: a written tensor shares its buffer`);
    if (write)
      uploadUncached(tensor.dataId); // never onto a shared constant (constants.ts)
    else b.uploadToGPU(tensor.dataId);
  }
  const pipeline = pipelineFor(b, key, code);
  const uniformBuffer = b.bufferManager.acquireBuffer(
    uniforms.byteLength,
    GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM,
  );
  b.queue.writeBuffer(uniformBuffer, 0, uniforms);
  b.uniformPendingDisposal.push(uniformBuffer); // released by tfjs at the next submit
  const entries: GPUBindGroupEntry[] = bindings.map(({ tensor }, i) => ({
    binding: i,
    resource: { buffer: b.tensorMap.get(tensor.dataId)!.resource as GPUBuffer, size: tensor.size * 4 },
  }));
  entries.push({ binding: bindings.length, resource: { buffer: uniformBuffer } });
  const bindGroup = b.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  for (const { tensor, write } of bindings) {
    b.commandQueueOwnedIds.add(tensor.dataId);
    if (write) b.tensorMap.get(tensor.dataId)!.values = null; // a cached CPU copy is now stale
  }
  b.ensureCommandEncoderReady();
  if (b.activeTimers != null) b.endComputePassEncoder(); // tf.profile: tfjs times its own passes
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder!.beginComputePass({});
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP_SIZE));
  const x = Math.min(groups, 65_535);
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(x, Math.ceil(groups / x), 1);
  b.dispatchCountInPass++;
  if (
    b.activeTimers != null ||
    (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= b.dispatchCountInPass
  ) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
}

/** Packs uniform values: f32 and u32 scalars, each 4 bytes, in order, padded to 16 bytes. */
export function packUniforms(values: { f32?: number; u32?: number }[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((values.length * 4) / 16) * 16));
  const f = new Float32Array(buf);
  const u = new Uint32Array(buf);
  values.forEach((v, i) => {
    if (v.f32 !== undefined) f[i] = v.f32;
    else u[i] = v.u32 ?? 0;
  });
  return buf;
}

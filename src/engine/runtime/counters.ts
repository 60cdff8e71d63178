// Counts what a training step costs the backend, from the backend's own entry points: GPU dispatches
// (every WebGPU compute dispatch, tfjs's and ours alike: GPUComputePassEncoder.dispatchWorkgroups;
// WebGL: runWebGLProgram), CPU→GPU tensor uploads (uploadToGPU of data that lives on the CPU, e.g. a
// scalar constant made by tf.mul(x, 0.9)) and GPU→CPU read-backs (read/readSync of data not already on
// the CPU). Installed once per backend instance by the bench and the conformance check; costs one
// counter increment per call.
import * as tf from '@tensorflow/tfjs';
import { isConstantBuffer } from './kernels/constants';
import { currentKernelLabel, withKernelLabel } from './kernelLabel';

export interface GpuCounts {
  dispatches: number;
  uploads: number;
  readbacks: number;
}

const counts: GpuCounts = { dispatches: 0, uploads: 0, readbacks: 0 };
const uploadLog: string[] = []; // "dtype[shape] @kernel" of each counted upload
const dispatchLog: string[] = []; // the kernel of each counted dispatch (kernelLabel.ts)
const LOG_LIMIT = 200_000;
let traceSites = false;
const siteLog: string[] = []; // with traceSites: "kernel ← engine function (file:line)" of each dispatch
const uploadSiteLog: string[] = [];

/**
 * Also records where in the engine each dispatch and upload comes from (the innermost stack frame in
 * src/engine outside runtime/, or in bench/): a stack trace per dispatch, so for breakdowns only
 * (npm run breakdown), never in timed runs.
 */
export function setTraceSites(on: boolean): void {
  traceSites = on;
  // tfjs's own frames fill V8's default 10 before an engine frame comes.
  if (on) Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 80);
}

function site(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  for (const f of frames) {
    const m = /at (?:(\S+) \()?.*?\/(src\/engine\/[^?:]+|bench\/[^?:]+)(?:\?[^:]*)?:(\d+)/.exec(f);
    if (m && !m[2]!.startsWith('src/engine/runtime/')) return `${m[1] ?? '?'} (${m[2]}:${m[3]})`;
  }
  return '(no engine frame)';
}
const patched = new WeakSet<object>();
let passPatched = false;

interface TensorDataLike {
  values?: unknown;
  resource?: unknown;
  texture?: unknown;
}
interface CountedBackend {
  tensorMap?: { get(id: object): TensorDataLike | undefined };
  texData?: { get(id: object): TensorDataLike | undefined };
  uploadToGPU?(dataId: object): void;
  read?(dataId: object): Promise<unknown>;
  readSync?(dataId: object): unknown;
  runWebGLProgram?(...args: unknown[]): unknown;
}

function dataOf(b: CountedBackend, dataId: object): TensorDataLike | undefined {
  return (b.tensorMap ?? b.texData)?.get(dataId);
}
const onGpuOnly = (d: TensorDataLike | undefined) => d != null && d.values == null;
const onCpuOnly = (d: TensorDataLike | undefined) =>
  d != null && d.values != null && d.resource == null && d.texture == null;

/** Installs the counters on the current tfjs backend (idempotent). Returns false on the CPU backend. */
export function installCounters(): boolean {
  const name = tf.getBackend();
  const b = tf.backend() as unknown as CountedBackend;
  if (name !== 'webgpu' && name !== 'webgl') return false;
  if (patched.has(b)) return true;
  patched.add(b);
  if (b.uploadToGPU) {
    const upload = b.uploadToGPU.bind(b);
    b.uploadToGPU = (dataId) => {
      const wasOnCpu = onCpuOnly(dataOf(b, dataId));
      upload(dataId);
      // A scalar served from the GPU-resident constant cache is not a transfer.
      const d = dataOf(b, dataId) as (TensorDataLike & { shape?: number[]; dtype?: string }) | undefined;
      if (wasOnCpu && !isConstantBuffer(d?.resource)) {
        counts.uploads++;
        if (uploadLog.length < LOG_LIMIT)
          uploadLog.push(`${d?.dtype ?? '?'}[${(d?.shape ?? []).join(',')}] @${label()}`);
        if (traceSites && uploadSiteLog.length < LOG_LIMIT)
          uploadSiteLog.push(`${d?.dtype ?? '?'}[${(d?.shape ?? []).join(',')}] @${label()} ← ${site()}`);
      }
    };
  }
  if (b.read) {
    const read = b.read.bind(b);
    b.read = (dataId) => {
      if (onGpuOnly(dataOf(b, dataId))) counts.readbacks++;
      return read(dataId);
    };
  }
  if (b.readSync) {
    const readSync = b.readSync.bind(b);
    b.readSync = (dataId) => {
      if (onGpuOnly(dataOf(b, dataId))) counts.readbacks++;
      return readSync(dataId);
    };
  }
  if (name === 'webgl' && b.runWebGLProgram) {
    const run = b.runWebGLProgram.bind(b);
    b.runWebGLProgram = (...args) => {
      counts.dispatches++;
      if (dispatchLog.length < LOG_LIMIT) dispatchLog.push(label());
      return run(...args);
    };
  }
  const Pass = (globalThis as { GPUComputePassEncoder?: { prototype: GPUComputePassEncoder } })
    .GPUComputePassEncoder;
  if (name === 'webgpu' && Pass && !passPatched) {
    passPatched = true;
    const dispatch = Pass.prototype.dispatchWorkgroups;
    Pass.prototype.dispatchWorkgroups = function (this: GPUComputePassEncoder, x, y, z) {
      counts.dispatches++;
      if (dispatchLog.length < LOG_LIMIT) dispatchLog.push(label());
      if (traceSites && siteLog.length < LOG_LIMIT) siteLog.push(`${label()} ← ${site()}`);
      return dispatch.call(this, x, y, z);
    };
  }
  labelKernels(name);
  return true;
}

const label = () => currentKernelLabel() ?? '(outside kernels)';
const labelled = new Set<string>();

/**
 * Wraps every kernel registered for `backendName` so that what it dispatches and uploads is
 * attributed to it (the registry keeps the config objects the engine runs, so this changes nothing
 * else: the same function runs with the same arguments).
 */
function labelKernels(backendName: string): void {
  if (labelled.has(backendName)) return;
  labelled.add(backendName);
  for (const config of tf.getKernelsForBackend(backendName)) {
    const run = config.kernelFunc;
    const name = config.kernelName;
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (params) =>
      withKernelLabel(name, () => run(params));
  }
}

/** The counts so far (take two and subtract for a span). */
export function readCounts(): GpuCounts {
  return { ...counts };
}

export function countsSince(before: GpuCounts): GpuCounts {
  return {
    dispatches: counts.dispatches - before.dispatches,
    uploads: counts.uploads - before.uploads,
    readbacks: counts.readbacks - before.readbacks,
  };
}

const gpuErrorLog: string[] = [];
const watchedDevices = new WeakSet<object>();

/**
 * Starts collecting the WebGPU device's uncaptured errors (an invalid shader or pipeline makes the
 * dispatches that use it do nothing, silently: results are then wrong, not slow). No-op off WebGPU.
 */
export function watchGpuErrors(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  device.addEventListener('uncapturederror', (e) => {
    const msg = (e as GPUUncapturedErrorEvent).error.message.split('\n')[0] ?? 'unknown';
    if (gpuErrorLog.length < 1000) gpuErrorLog.push(msg);
  });
}

/** Uncaptured WebGPU errors collected so far (the first line of each). */
export function gpuErrorCount(): number {
  return gpuErrorLog.length;
}

export function gpuErrorsSince(count: number): string[] {
  return gpuErrorLog.slice(count);
}

function tally(log: string[], n: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const k of log.slice(Math.max(0, log.length - n))) kinds[k] = (kinds[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(kinds).sort((a, b) => b[1] - a[1]));
}

/**
 * What the uploads since `before` were: "dtype[shape] @kernel" → count, most frequent first (the
 * kernel is the one that first read the tensor on the GPU, which is when tfjs uploads it).
 */
export function uploadKindsSince(before: GpuCounts): Record<string, number> {
  return tally(uploadLog, counts.uploads - before.uploads);
}

/**
 * The dispatches since `before` by kernel: tfjs kernel names ("Mul", "Conv2DBackpropFilter") and
 * own kernel keys ("hexa-sgd-2"), most frequent first.
 */
export function dispatchKindsSince(before: GpuCounts): Record<string, number> {
  return tally(dispatchLog, counts.dispatches - before.dispatches);
}

/** With setTraceSites(true): the dispatches and uploads recorded since then by site, then clears them. */
export function takeSites(): { dispatchSites: Record<string, number>; uploadSites: Record<string, number> } {
  const r = {
    dispatchSites: tally(siteLog, siteLog.length),
    uploadSites: tally(uploadSiteLog, uploadSiteLog.length),
  };
  siteLog.length = 0;
  uploadSiteLog.length = 0;
  return r;
}

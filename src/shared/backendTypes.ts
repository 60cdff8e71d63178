// The compute backends and what the page is told about them (tf-free).

/** A tfjs flag's value. */
export type FlagValue = number | boolean;

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKENDS)[number];

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean; // a software adapter such as SwiftShader
}

export interface BackendReport {
  name: BackendName;
  adapter: AdapterInfo | null; // WebGPU only
  warning: string | null; // e.g. a software fallback adapter
  /** tfjs settings applied for this adapter (software fallbacks only: measured faster there), {} if none. */
  flags: Record<string, FlagValue>;
  /** tfjs kernels replaced by own ones for this adapter (software fallbacks only: measured faster there). */
  kernels?: string[];
}

export interface Tolerance {
  rtol: number; // |a − b| ≤ atol + rtol·|b| for every element (numpy's allclose)
  atol: number;
}

/** What an own kernel is checked against: tfjs's stock kernels on the same adapter, or the CPU backend. */
export type Reference = 'stock' | 'cpu';

export interface CheckResult {
  name: string; // kernel or step quantity
  case: string; // shapes / what was run
  against: Reference; // tfjs stock kernels on this adapter, or the tfjs CPU backend
  elements: number;
  maxAbsError: number;
  maxRelError: number; // over elements with |reference| ≥ 1e-3
  tolerance: Tolerance;
  pass: boolean;
  /** GPU dispatches of the checked op with own kernels and with stock ones (kernel checks, GPU backends). */
  dispatches?: { own: number; stock: number };
}

export interface ConformanceReport {
  backend: string;
  ownKernels: boolean; // false when the backend is not WebGPU: then nothing of ours runs
  checks: CheckResult[];
  curve: {
    steps: number;
    own: number[];
    stock: number[];
    maxRelError: number;
    tolerance: number;
    pass: boolean;
  } | null;
  tensorsAfterStep: number[]; // tf.memory().numTensors after each own-kernel curve step (flat = no growth)
  gpuBytesAfterStep: number[]; // tf.memory().numBytesInGPU after each (WebGPU: buffers in use)
  gpuErrors: string[];
  pass: boolean;
  seconds: number;
  tolerances: string;
}

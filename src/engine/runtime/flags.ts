// tfjs settings (environment flags) for WebGPU adapters that are software fallbacks (SwiftShader: the
// GPU emulated on the CPU, what CI and GPU-less machines get). Which ones are applied is decided by
// measurement: `npm run bench` times the step with each candidate against tfjs's defaults on the adapter
// at hand (bench/README.md, "fallbackFlags"); FALLBACK_FLAGS holds those it measured faster there.
// Kernels replaced on such adapters (Conv2D, Mean: measured by `npm run kernels`) are kernels/software.ts.
import * as tf from '@tensorflow/tfjs';
import type { FlagValue } from '../../shared/backendTypes';

/** The candidates the bench measures, with tfjs 4.22's default and the value tried. */
export const FLAG_CANDIDATES: Record<string, { default: FlagValue; tried: FlagValue; what: string }> = {
  WEBGPU_MATMUL_PROGRAM_TYPE: {
    default: -1,
    tried: 3,
    what: 'matMul always as the packed (tiled) program instead of choosing by shape',
  },
  WEBGPU_USE_NAIVE_CONV2D_DEBUG: {
    default: false,
    tried: true,
    what: 'Conv2D as one thread per output value instead of an implicit matMul',
  },
  WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: {
    default: 15,
    tried: 1_000_000,
    what: 'submit the command buffer only when something is read back, not every 15 dispatches',
  },
  WEBGPU_CPU_FORWARD: {
    default: true,
    tried: false,
    what: 'small ops on CPU-resident inputs run on the GPU too',
  },
};

/**
 * Applied on a software fallback adapter: the candidates `npm run bench` measured faster and correct
 * on SwiftShader (2 CPU cores, Chromium 156, tfjs 4.22; figures in bench/README.md). Not applied: the
 * naive Conv2D (its shader does not compile there: the convolutions silently do nothing), deferred
 * submission and GPU-only small ops (both measured slower there).
 */
export const FALLBACK_FLAGS: Record<string, FlagValue> = {
  WEBGPU_MATMUL_PROGRAM_TYPE: 3,
};

export interface AdapterKind {
  isFallbackAdapter: boolean;
  architecture: string;
}

/** A software adapter: flagged as a fallback by the browser, or SwiftShader by name. */
export function isSoftwareAdapter(a: AdapterKind | null): boolean {
  return Boolean(a && (a.isFallbackAdapter || a.architecture.toLowerCase() === 'swiftshader'));
}

/** Sets tfjs flags; returns the values they had, to restore them with the same function. */
export function setFlags(flags: Record<string, FlagValue>): Record<string, FlagValue> {
  const before: Record<string, FlagValue> = {};
  for (const [k, v] of Object.entries(flags)) {
    before[k] = tf.env().get(k) as FlagValue;
    tf.env().set(k, v);
  }
  return before;
}

/** The candidates at tfjs's defaults (what a fresh page has). */
export function defaultFlags(): Record<string, FlagValue> {
  return Object.fromEntries(Object.entries(FLAG_CANDIDATES).map(([k, c]) => [k, c.default]));
}

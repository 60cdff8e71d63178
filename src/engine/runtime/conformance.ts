// The conformance check (issue 11, item 8): a one-command numerical health check of an adapter. Every
// own kernel (runtime/kernels/fused.ts) runs on random inputs of awkward shapes (odd sizes, one
// channel, single elements) with the own WGSL path, and is compared with the same op through tfjs's
// stock kernels on the same adapter and through the tfjs CPU backend; then whole HEXA-MoCo training
// steps (tiny preset, synthetic data) run with own kernels and with stock kernels from the same seed
// (loss, every gradient and every parameter after step 1; the loss curve after `curveSteps`), and step 1
// against the CPU backend. `npm run conformance` and the backend panel's "Check this GPU" run it.
import * as tf from '@tensorflow/tfjs';
import { PRESETS, type TrainConfig } from '../../shared/config';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { Trainer, type TrainerEvents } from '../training/trainer';
import {
  countsSince,
  gpuErrorCount,
  gpuErrorsSince,
  installCounters,
  readCounts,
  watchGpuErrors,
} from './counters';
import { BN_TOLERANCE, KERNEL_TOLERANCE, kernelCases } from './conformanceCases';
import { ownKernelsActive, ownKernelsEnabled, setOwnKernels } from './kernels/fused';
import { setFlags } from './flags';
import type { CheckResult, ConformanceReport, Tolerance } from '../../shared/backendTypes';
import type { Reference } from '../../shared/backendTypes';

export const STEP_STOCK_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/** Against the CPU backend the forward and backward sums run in another order (convolutions, matMuls). */
export const STEP_CPU_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-5 };
export const CURVE_TOLERANCE = 1e-3;

export function compare(
  name: string,
  what: string,
  against: Reference,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
): CheckResult {
  let maxAbs = 0;
  let maxRel = 0;
  let pass = got.length === want.length;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const a = got[i]!;
    const b = want[i]!;
    const d = Math.abs(a - b);
    if (!(d <= tol.atol + tol.rtol * Math.abs(b))) pass = false; // NaN fails too
    maxAbs = Math.max(maxAbs, d);
    if (Math.abs(b) >= 1e-3) maxRel = Math.max(maxRel, d / Math.abs(b));
  }
  return {
    name,
    case: what,
    against,
    elements: want.length,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    tolerance: tol,
    pass,
  };
}

/** Runs `body` on fresh variables made from `init` and returns their values afterwards (all read at once). */
export async function runOn(
  init: { shape: number[]; data: Float32Array }[],
  body: (vs: tf.Variable[]) => void,
) {
  // In a tidy: tf.variable keeps its initial tensor alive (sharing its buffer) otherwise.
  const vs = init.map((x) => tf.tidy(() => tf.variable(tf.tensor(x.data, x.shape), true)));
  try {
    body(vs);
    return await Promise.all(vs.map(async (v) => (await v.data()) as Float32Array));
  } finally {
    vs.forEach((v) => v.dispose());
  }
}

/** Runs `fn` with the tfjs CPU backend, then switches back to `back`. */
async function onCpu<T>(back: string, fn: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend(back);
  }
}

const SILENT: TrainerEvents = { metrics() {}, preview() {}, evaluation() {}, status() {} };

function stepConfig(): TrainConfig {
  // The augmentation is pinned to MoCo-v2's usual colour jitter and blur (MNIST's defaults turned them
  // off): the check's data, and so its measured errors, stay what the tolerances were set on.
  return {
    ...PRESETS.tiny.config,
    method: 'hexa-moco',
    epochs: 1000,
    trainLimit: 64,
    jitterProb: 0.8,
    blurProb: 0.2,
  };
}

/** A trainer on synthetic data that records the gradients its optimiser gets (read at the first step). */
function makeTrainer(cfg: TrainConfig) {
  const source = createMemorySource(
    {
      id: 'conformance',
      name: 'conformance bars',
      width: 16,
      height: 16,
      channels: 1,
      classNames: ['a', 'b', 'c', 'd'],
    },
    { train: syntheticBars(64, 16, 4, 3), test: syntheticBars(8, 16, 4, 4) },
  );
  const trainer = new Trainer({ ...cfg, imageSize: 16 }, source, SILENT);
  let grads: tf.Tensor[] | null = null;
  const apply = trainer.optimizer.apply.bind(trainer.optimizer);
  trainer.optimizer.apply = (g, lr) => {
    if (!grads) grads = trainer.base.params().map((p) => tf.keep(tf.add(g[p.name]!, 0)));
    apply(g, lr);
  };
  return { trainer, takeGrads: () => grads };
}

interface StepResult {
  loss: number;
  grads: Float32Array[];
  params: Float32Array[];
  curve: number[];
  tensors: number[];
  gpuBytes: number[];
}

async function runSteps(cfg: TrainConfig, steps: number): Promise<StepResult> {
  const { trainer, takeGrads } = makeTrainer(cfg);
  try {
    const curve: number[] = [];
    const tensors: number[] = [];
    const gpuBytes: number[] = [];
    let loss = NaN;
    let grads: Float32Array[] = [];
    let params: Float32Array[] = [];
    for (let s = 0; s < steps; s++) {
      trainer.stepOnce(await trainer.sampler.next(), false);
      const { values } = await trainer.readMetrics();
      curve.push(values.loss!);
      tensors.push(tf.memory().numTensors);
      gpuBytes.push((tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? 0);
      if (s === 0) {
        loss = values.loss!;
        const g = takeGrads() ?? [];
        grads = await Promise.all(g.map(async (t) => (await t.data()) as Float32Array));
        g.forEach((t) => t.dispose());
        params = await Promise.all(trainer.base.params().map(async (p) => (await p.data()) as Float32Array));
      }
    }
    return { loss, grads, params, curve, tensors, gpuBytes };
  } finally {
    trainer.dispose();
  }
}

const concat = (xs: Float32Array[]) => {
  const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};

function stepChecks(own: StepResult, ref: StepResult, against: Reference, tol: Tolerance): CheckResult[] {
  const what = 'HEXA-MoCo tiny preset, 16×16 synthetic bars, step 1';
  return [
    compare('step loss', what, against, [own.loss], [ref.loss], tol),
    compare('step gradients (all parameters)', what, against, concat(own.grads), concat(ref.grads), tol),
    compare('step parameters after SGD', what, against, concat(own.params), concat(ref.params), tol),
  ];
}

export interface ConformanceOptions {
  /** Steps of the own-vs-stock loss curve (0: none). The check is 50. */
  curveSteps?: number;
  /** Also compare with the tfjs CPU backend (default true). */
  cpu?: boolean;
  log?: (message: string) => void;
}

/** Runs the check on the current backend. Must not run while a trainer is training. */
export async function runConformance(opts: ConformanceOptions = {}): Promise<ConformanceReport> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const backend = tf.getBackend();
  const curveSteps = opts.curveSteps ?? 5;
  const withCpu = (opts.cpu ?? true) && backend !== 'cpu';
  watchGpuErrors();
  const errorsBefore = gpuErrorCount();
  const checks: CheckResult[] = [];
  const own = ownKernelsActive();
  const wasEnabled = ownKernelsEnabled();
  try {
    const counting = installCounters();
    // Small CPU-resident inputs would make tfjs run its stock kernels on the CPU (WEBGPU_CPU_FORWARD).
    const flagsBefore = backend === 'webgpu' ? setFlags({ WEBGPU_CPU_FORWARD: false }) : {};
    for (const c of kernelCases()) {
      const counted = (body: (vs: tf.Variable[]) => void) => (vs: tf.Variable[]) => {
        const before = readCounts();
        body(vs);
        dispatches = countsSince(before).dispatches;
      };
      let dispatches = 0;
      setOwnKernels(true);
      const got = concat(await runOn(c.init, counted(c.op)));
      const ownDispatches = dispatches;
      setOwnKernels(false);
      const stock = concat(await runOn(c.init, counted(c.op)));
      checks.push({
        ...compare(c.name, c.what, 'stock', got, stock, c.tolerance ?? KERNEL_TOLERANCE),
        ...(counting ? { dispatches: { own: ownDispatches, stock: dispatches } } : {}),
      });
      if (withCpu) {
        const cpu = concat(await onCpu(backend, () => runOn(c.init, c.op)));
        checks.push(compare(c.name, c.what, 'cpu', got, cpu, c.tolerance ?? KERNEL_TOLERANCE));
      }
      log(`${c.name} (${c.what}): ${checks.slice(-2).every((r) => r.pass) ? 'pass' : 'FAIL'}`);
    }
    setFlags(flagsBefore);
    const cfg = stepConfig();
    setOwnKernels(true);
    const ownRun = await runSteps(cfg, Math.max(1, curveSteps));
    setOwnKernels(false);
    const stockRun = await runSteps(cfg, Math.max(1, curveSteps));
    checks.push(...stepChecks(ownRun, stockRun, 'stock', STEP_STOCK_TOLERANCE));
    log(`training step vs stock kernels: ${checks.slice(-3).every((r) => r.pass) ? 'pass' : 'FAIL'}`);
    if (withCpu) {
      const cpuRun = await onCpu(backend, () => runSteps(cfg, 1));
      checks.push(...stepChecks(ownRun, cpuRun, 'cpu', STEP_CPU_TOLERANCE));
      log(`training step vs CPU backend: ${checks.slice(-3).every((r) => r.pass) ? 'pass' : 'FAIL'}`);
    }
    let curve: ConformanceReport['curve'] = null;
    if (curveSteps > 1) {
      const rel = ownRun.curve.map(
        (l, i) => Math.abs(l - stockRun.curve[i]!) / Math.max(Math.abs(stockRun.curve[i]!), 1e-6),
      );
      const maxRel = Math.max(...rel);
      curve = {
        steps: curveSteps,
        own: ownRun.curve,
        stock: stockRun.curve,
        maxRelError: maxRel,
        tolerance: CURVE_TOLERANCE,
        pass: maxRel <= CURVE_TOLERANCE,
      };
      log(`loss curve over ${curveSteps} steps: max relative difference ${maxRel.toExponential(2)}`);
    }
    const gpuErrors = gpuErrorsSince(errorsBefore);
    const tensors = ownRun.tensors;
    const flat = tensors.length < 3 || tensors[tensors.length - 1] === tensors[1];
    return {
      backend,
      ownKernels: own,
      checks,
      curve,
      tensorsAfterStep: tensors,
      gpuBytesAfterStep: ownRun.gpuBytes,
      gpuErrors,
      pass: checks.every((c) => c.pass) && (curve?.pass ?? true) && gpuErrors.length === 0 && flat,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      tolerances: `kernels and step vs stock: |a−b| ≤ ${KERNEL_TOLERANCE.atol} + ${KERNEL_TOLERANCE.rtol}·|b| per element (fused BatchNorm: ${BN_TOLERANCE.atol} + ${BN_TOLERANCE.rtol}·|b|, other summation order); step vs CPU backend: ≤ ${STEP_CPU_TOLERANCE.atol} + ${STEP_CPU_TOLERANCE.rtol}·|b| (other summation order in convolutions and matMuls); loss curve: relative ≤ ${CURVE_TOLERANCE}; tensors flat from step 2 on; no WebGPU errors`,
    };
  } finally {
    setOwnKernels(wasEnabled);
  }
}

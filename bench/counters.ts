// Per-step backend counts for the bench (see bench/README.md, "counters"): GPU dispatches, CPU→GPU
// uploads and JavaScript enqueue time per step, GPU→CPU read-backs per read-back window.
import * as tf from '@tensorflow/tfjs';
import { countsSince, installCounters, readCounts, uploadKindsSince } from '../src/engine/runtime/counters';
import { setFlags } from '../src/engine/runtime/flags';
import { ownKernelsActive, setOwnKernels } from '../src/engine/runtime/kernels/fused';
import { median, round, timeBlock, type Rig } from './rig';

export interface StepCounts {
  dispatchesPerStep: number | null; // null on the CPU backend (no GPU)
  uploadsPerStep: number | null;
  readbacksPerWindow: number | null;
  enqueueMsPerStep: number;
  countedSteps: number;
  /** What was uploaded over the counted steps: "dtype[shape]" → count. */
  uploadKinds: Record<string, number> | null;
}

/**
 * `steps` steps of the rig as it is set (warm: call after its timed blocks), each counted and its
 * synchronous JavaScript time (Trainer.stepOnce, which only enqueues GPU work) summed; on WebGPU the
 * command buffer is submitted only at the read-back (WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE raised for the
 * span), so that enqueue time excludes submission. Then one more step with previews and the window's
 * read-back as Trainer.run does it (Trainer.readMetrics with the previews as extra): its GPU→CPU
 * read-backs.
 */
export async function countSteps(rig: Rig, steps: number): Promise<StepCounts> {
  const counting = installCounters();
  const webgpu = tf.getBackend() === 'webgpu';
  const restore = webgpu ? setFlags({ WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 1e9 }) : {};
  try {
    await rig.trainer.readMetrics(); // start from an empty window and an idle queue
    const before = readCounts();
    let enqueueMs = 0;
    for (let i = 0; i < steps; i++) {
      const batch = await rig.trainer.sampler.next();
      const t = performance.now();
      rig.trainer.stepOnce(batch, false);
      enqueueMs += performance.now() - t;
    }
    const perStep = countsSince(before);
    const uploadKinds = uploadKindsSince(before);
    await rig.readMetrics(); // also submits the deferred command buffer
    const prev = (await rig.step(true)) ?? {};
    const beforeRead = readCounts();
    // As Trainer.run's read-back: the metric sums and the previews in one read (readMetrics' extra).
    try {
      await rig.trainer.readMetrics(prev);
    } finally {
      Object.values(prev).forEach((t) => t.dispose());
    }
    const read = countsSince(beforeRead);
    return {
      dispatchesPerStep: counting ? round(perStep.dispatches / steps, 1) : null,
      uploadsPerStep: counting ? round(perStep.uploads / steps, 1) : null,
      readbacksPerWindow: counting ? read.readbacks : null,
      enqueueMsPerStep: round(enqueueMs / steps, 2),
      countedSteps: steps,
      uploadKinds: counting ? uploadKinds : null,
    };
  } finally {
    setFlags(restore);
  }
}

/** The counts with the own kernels (the default) and with tfjs's stock kernels, same rig, same settings. */
export async function countOwnAndStock(rig: Rig, steps: number) {
  const own = await countSteps(rig, steps);
  if (!ownKernelsActive()) return { ...own, stock: null, ownOverStock: null };
  setOwnKernels(false);
  let stock: StepCounts;
  try {
    stock = await countSteps(rig, steps);
  } finally {
    setOwnKernels(true);
  }
  const ratio = (a: number | null, b: number | null) => (a !== null && b ? round(a / b, 3) : null);
  return {
    ...own,
    stock,
    ownOverStock: {
      dispatches: ratio(own.dispatchesPerStep, stock.dispatchesPerStep),
      uploads: ratio(own.uploadsPerStep, stock.uploadsPerStep),
      enqueueMs: ratio(own.enqueueMsPerStep, stock.enqueueMsPerStep),
    },
  };
}

/**
 * Step time with own kernels against stock kernels on this adapter, interleaved: blocks own, stock,
 * stock, own, … of `steps` steps each (one read-back per block). Null off WebGPU (nothing of ours runs).
 */
export async function timeOwnVsStock(rig: Rig, steps: number, blocks: number) {
  if (!ownKernelsActive()) return null;
  const secs = { own: [] as number[], stock: [] as number[] };
  try {
    for (let b = 0; b < blocks; b++) {
      const stock = b % 4 === 1 || b % 4 === 2;
      setOwnKernels(!stock);
      await rig.step(false); // the switch's first step (not timed)
      await rig.readMetrics();
      secs[stock ? 'stock' : 'own'].push((await timeBlock(rig, steps)).meanStepSeconds);
    }
  } finally {
    setOwnKernels(true);
  }
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  return {
    stepsPerBlock: steps,
    ownMeanStepSeconds: secs.own.map((x) => round(x, 4)),
    stockMeanStepSeconds: secs.stock.map((x) => round(x, 4)),
    ownOverStock: round(mean(secs.own) / mean(secs.stock), 3),
    medianOwnOverStock: round(median(secs.own) / median(secs.stock), 3),
  };
}

// Per-step backend counts for the bench (see bench/README.md, "counters"), measured through
// Trainer.run(), the loop the app runs: GPU dispatches, CPU→GPU uploads and JavaScript enqueue time per
// step, GPU→CPU read-backs per read-back window, wall-clock ms per step and the images/s the app shows.
import {
  countsSince,
  dispatchKindsSince,
  installCounters,
  readCounts,
  uploadKindsSince,
} from '../src/engine/runtime/counters';
import { ownKernelsActive, setOwnKernels } from '../src/engine/runtime/kernels/fused';
import { captureCheckpoint } from '../src/engine/training/checkpoint';
import { Trainer } from '../src/engine/training/trainer';
import type { MetricsPoint } from '../src/shared/trainingTypes';
import { median, round, SILENT, timeBlock, type Rig } from './rig';

export interface StepCounts {
  /** How it was measured: Trainer.run() read-back windows (see countSteps). */
  via: string;
  dispatchesPerStep: number | null; // null on the CPU backend (no GPU)
  uploadsPerStep: number | null;
  readbacksPerWindow: number | null;
  /** Synchronous JavaScript time of Trainer.stepOnce per step (it enqueues the step's GPU work). */
  enqueueMsPerStep: number;
  /** Wall-clock time per step over the counted windows: steps, read-backs, yields, as the app. */
  msPerStep: number;
  /** The app's own figure: MetricsPoint.imagesPerSec of the counted windows, their mean. */
  imagesPerSec: number;
  countedSteps: number;
  windowSteps: number;
  /** Windows left out because an epoch started in them (re-clustering, evaluation are not step costs). */
  windowsLeftOut: number;
  /** What was uploaded over the counted windows, per step: "dtype[shape] @kernel" → count. */
  uploadKinds: Record<string, number> | null;
  /** The dispatches over the counted windows by kernel (tfjs kernel name or own kernel key), per step. */
  dispatchKinds: Record<string, number> | null;
}

/** The highest probeEveryEpochs the settings allow: no evaluation inside the counted windows. */
const NO_EVALUATION = 1000;

/**
 * The rig's training as the app trains, counted: a Trainer resumed from a checkpoint of the rig's
 * trainer (the app's resume path: no step-0 copy, no second memory-bank fill), with the rig's settings
 * and read-back windows of `windowSteps` steps, runs Trainer.run(); every read-back (a metrics point)
 * ends a window. The first window is a warm-up; the next `windows` windows are counted from the end
 * of one read-back to the end of the next: sampler, yields, the steps (previews on each window's last
 * step, as readbackEvery makes them), the window's one packed read-back and its conversion. Windows in
 * which an epoch starts (DeepCluster re-clusters; the probe would evaluate) are left out and counted in
 * `windowsLeftOut`. Then the trainer is stopped (no final evaluation) and freed. stepOnce is wrapped
 * to time its synchronous part (enqueue ms); tfjs submits its command buffers as it does in the app.
 */
export async function countSteps(rig: Rig, windowSteps: number, windows = 1): Promise<StepCounts> {
  const counting = installCounters();
  const cfg = { ...rig.cfg, readbackEvery: windowSteps, probeEveryEpochs: NO_EVALUATION };
  const checkpoint = await captureCheckpoint(rig.trainer);
  const spe = rig.trainer.sampler.stepsPerEpoch;
  const crossesEpoch = (endStep: number) =>
    Math.floor((endStep - 1) / spe) !== Math.floor((endStep - windowSteps - 1) / spe);

  let before = readCounts();
  let windowStart = 0;
  let enqueueMs = 0;
  let counted = { dispatches: 0, uploads: 0, readbacks: 0, ms: 0, enqueueMs: 0, steps: 0 };
  const kinds: Record<string, number> = {};
  const dKinds: Record<string, number> = {};
  const imagesPerSec: number[] = [];
  let seen = 0;
  let leftOut = 0;
  let t: Trainer | null = null;
  const onWindowEnd = (p: MetricsPoint) => {
    const now = performance.now();
    const c = countsSince(before);
    const k = uploadKindsSince(before);
    const dk = dispatchKindsSince(before);
    if (seen > 0 && crossesEpoch(p.step)) leftOut++;
    else if (seen > 0) {
      counted = {
        dispatches: counted.dispatches + c.dispatches,
        uploads: counted.uploads + c.uploads,
        readbacks: counted.readbacks + c.readbacks,
        ms: counted.ms + (now - windowStart),
        enqueueMs: counted.enqueueMs + enqueueMs,
        steps: counted.steps + windowSteps,
      };
      Object.entries(k).forEach(([kind, n]) => (kinds[kind] = (kinds[kind] ?? 0) + n));
      Object.entries(dk).forEach(([kind, n]) => (dKinds[kind] = (dKinds[kind] ?? 0) + n));
      imagesPerSec.push(p.imagesPerSec);
    }
    seen++;
    if (imagesPerSec.length >= windows || seen > 2 * windows + 2) t?.stop();
    before = readCounts();
    enqueueMs = 0;
    windowStart = performance.now();
  };
  t = new Trainer(cfg, rig.trainer.source, { ...SILENT, metrics: onWindowEnd }, { resumeFrom: checkpoint });
  try {
    const step = t.stepOnce.bind(t);
    t.stepOnce = (...args: Parameters<Trainer['stepOnce']>) => {
      const t0 = performance.now();
      const r = step(...args);
      enqueueMs += performance.now() - t0;
      return r;
    };
    await t.run();
  } finally {
    t.dispose();
  }
  if (counted.steps === 0) throw new Error(`countSteps: no window without an epoch start in ${seen} windows`);
  const n = counted.steps;
  const w = n / windowSteps;
  return {
    via: 'Trainer.run() resumed from a checkpoint of the rig, read-back windows of windowSteps steps',
    dispatchesPerStep: counting ? round(counted.dispatches / n, 1) : null,
    uploadsPerStep: counting ? round(counted.uploads / n, 1) : null,
    readbacksPerWindow: counting ? round(counted.readbacks / w, 2) : null,
    enqueueMsPerStep: round(counted.enqueueMs / n, 2),
    msPerStep: round(counted.ms / n, 1),
    imagesPerSec: round(imagesPerSec.reduce((a, x) => a + x, 0) / imagesPerSec.length, 2),
    countedSteps: n,
    windowSteps,
    windowsLeftOut: leftOut,
    uploadKinds: counting ? perStep(kinds, n) : null,
    dispatchKinds: counting ? perStep(dKinds, n) : null,
  };
}

/** Counts over n steps → per step, most frequent first. */
function perStep(kinds: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(kinds)
      .sort((a, b) => b[1] - a[1])
      .map(([k, c]) => [k, round(c / n, 2)]),
  );
}

/** The counts with the own kernels (the default) and with tfjs's stock kernels, same rig, same settings. */
export async function countOwnAndStock(rig: Rig, windowSteps: number, windows = 1) {
  const own = await countSteps(rig, windowSteps, windows);
  if (!ownKernelsActive()) return { ...own, stock: null, ownOverStock: null };
  setOwnKernels(false);
  let stock: StepCounts;
  try {
    stock = await countSteps(rig, windowSteps, windows);
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
      msPerStep: ratio(own.msPerStep, stock.msPerStep),
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

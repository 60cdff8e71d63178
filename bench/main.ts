// The benchmark page, driven by scripts/bench.mjs: times the engine's own training step (as
// Trainer.run does it: bytes → floats, two augmented views, trainStep with the online probe, SGD,
// metric sums kept on the GPU) for MoCo-v2 and HEXA-MoCo, with and without panel previews, on each
// backend; and the IndexedDB data pipeline (store writes, StreamingSampler reads). Progress and the
// result are exposed on window.__bench.
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, toFloatImages } from '../src/engine/augment/augment';
import { PRESET_IDS, PRESETS, type PresetId, type TrainConfig } from '../src/engine/config';
import { createStoreSource, openImageStore } from '../src/engine/data/imageStore';
import { createMemorySource, syntheticBars } from '../src/engine/data/memorySource';
import { StreamingSampler } from '../src/engine/data/sampler';
import { STORE_SCHEMA_VERSION, type Chunk, type DatasetManifest } from '../src/engine/data/types';
import { OnlineProbe } from '../src/engine/evaluation/onlineProbe';
import { METHODS } from '../src/engine/methods/registry';
import type { BaseMethod, HardExampleGenerator } from '../src/engine/methods/types';
import { BACKENDS, initBackend, probeWebGpu, type BackendName } from '../src/engine/runtime/backend';
import { Rng } from '../src/engine/runtime/random';
import { readPreviews, type PreviewSet } from '../src/engine/training/previews';
import { cosineLr } from '../src/engine/training/schedule';
import { Sgd } from '../src/engine/training/sgd';
import { trainStep } from '../src/engine/training/step';

interface BenchState {
  log: string[];
  result: Record<string, unknown> | null;
  error: string | null;
}

declare global {
  interface Window {
    __bench: BenchState;
  }
}

const state: BenchState = { log: [], result: null, error: null };
window.__bench = state;
const started = performance.now();
const logEl = document.getElementById('log');

function log(message: string): void {
  const line = `[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`;
  state.log.push(line);
  if (logEl) logEl.textContent += `${line}\n`;
}

// ---- options (set by scripts/bench.mjs from its command line) -------------------------------------

const params = new URLSearchParams(location.search);
const QUICK = params.get('quick') === '1';
const BENCH_BACKENDS = (params.get('backends') ?? 'webgpu,webgl').split(',').filter(Boolean);
const BENCH_PRESETS = (params.get('presets') ?? (QUICK ? 'tiny' : 'tiny,small-gpu'))
  .split(',')
  .filter(Boolean) as PresetId[];
const STEPS_OVERRIDE = params.has('steps') ? Number(params.get('steps')) : null;
const SKIP_DATA = params.get('skipData') === '1';

/**
 * Steps per measurement. The default preset is slow on a CPU-emulated adapter (a HEXA-MoCo step took
 * 54–90 s on SwiftShader WebGPU here), so it gets few steps and no A/B test of the panels.
 */
interface Plan {
  warmup: number; // untimed steps first (the first one compiles shaders)
  timed: number; // steps per timed block, one read-back at its end
  panelWindows: number; // A/B read-back windows for the panels cost (off, on, on, off, …); 0 = none
}

function planFor(preset: PresetId, backend: BackendName): Plan {
  const p: Plan =
    preset === 'tiny'
      ? { warmup: 2, timed: 6, panelWindows: backend === 'webgpu' ? 12 : 16 }
      : { warmup: 1, timed: backend === 'webgpu' ? 2 : 3, panelWindows: 0 };
  if (STEPS_OVERRIDE !== null && STEPS_OVERRIDE > 0) p.timed = STEPS_OVERRIDE;
  return p;
}

// ---- synthetic training data -----------------------------------------------------------------------

const SIDE = 28; // MNIST-sized, one channel
const CLASSES = 10;
const CLASS_NAMES = Array.from({ length: CLASSES }, (_, i) => String(i));
const PREVIEW_COUNT = 4; // as the Trainer
const PIPELINE_IMAGES = 60_000; // the size of MNIST's train split
const DATA_NOTE =
  'synthetic: syntheticBars 28×28×1 images (10 classes, bright bar on a noisy background) streamed by ' +
  'StreamingSampler from createMemorySource (no IndexedDB in the step timings); the dataset is 1024 ' +
  'images (the tiny preset uses its trainLimit of 64)';

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** One model + optimiser + probe + sampler, stepped exactly as Trainer.run steps. */
class Rig {
  readonly rng: Rng;
  readonly base: BaseMethod;
  readonly optimizer: Sgd;
  readonly probe: OnlineProbe;
  readonly sampler: StreamingSampler;
  private sums: Record<string, tf.Scalar> = {};
  private sinceRead = 0;
  private stepsDone = 0;

  constructor(readonly cfg: TrainConfig) {
    const source = createMemorySource(
      {
        id: 'bench-synthetic',
        name: 'bench synthetic bars',
        width: SIDE,
        height: SIDE,
        channels: 1,
        classNames: CLASS_NAMES,
      },
      { train: syntheticBars(1024, SIDE, CLASSES, 1), test: syntheticBars(16, SIDE, CLASSES, 2) },
    );
    this.rng = new Rng(cfg.seed);
    // MoCo-v2 and HEXA-MoCo share their base (the registry's createBase): only the generators differ.
    this.base = METHODS['hexa-moco'].createBase(cfg, 1, this.rng);
    this.optimizer = new Sgd(this.base.params(), cfg.sgdMomentum, cfg.weightDecay);
    this.probe = new OnlineProbe(this.base.encoder.backbone.featureDim, CLASSES, { seed: cfg.seed });
    this.sampler = new StreamingSampler(source, {
      split: 'train',
      batchSize: cfg.batchSize,
      limit: cfg.trainLimit,
      seed: cfg.seed,
    });
  }

  /** One training step; returns the preview tensors when previewCount > 0 (the caller reads them). */
  async step(
    generators: HardExampleGenerator[],
    previewCount: number,
  ): Promise<Record<string, tf.Tensor> | null> {
    const { cfg } = this;
    const batch = await this.sampler.next();
    const lr = cosineLr(cfg.lr, this.stepsDone, 10_000, cfg.warmupSteps);
    const previews = tf.tidy(() => {
      const x = toFloatImages(batch.pixels, cfg.batchSize, SIDE, SIDE, 1);
      const xq = augmentBatch(x, cfg, this.rng);
      const xk = augmentBatch(x, cfg, this.rng);
      const labels = tf.tensor1d(batch.labels!, 'int32');
      const r = trainStep({
        base: this.base,
        generators,
        cfg,
        input: { xq, xk, indices: batch.indices, rng: this.rng },
        lr,
        optimizer: this.optimizer,
        probe: this.probe,
        labels,
        previewCount,
      });
      for (const [k, v] of Object.entries(r.metrics)) {
        const prev = this.sums[k];
        this.sums[k] = tf.keep(prev ? tf.add(prev, v) : tf.clone(v));
        prev?.dispose();
        v.dispose();
      }
      return r.previews ?? {};
    });
    this.stepsDone++;
    this.sinceRead++;
    if (previewCount > 0) return previews;
    Object.values(previews).forEach((t) => t.dispose());
    return null;
  }

  /** The trainer's metric read-back: awaits every running sum (this is the GPU sync) → means. */
  async readMetrics(): Promise<Record<string, number>> {
    const keys = Object.keys(this.sums);
    const data = await Promise.all(keys.map((k) => this.sums[k]!.data()));
    const out: Record<string, number> = {};
    keys.forEach((k, i) => {
      out[k] = data[i]![0]! / this.sinceRead;
      this.sums[k]!.dispose();
    });
    this.sums = {};
    this.sinceRead = 0;
    if (!Number.isFinite(out.loss)) throw new Error(`The training loss is not finite: ${out.loss}`);
    return out;
  }

  async previews(t: Record<string, tf.Tensor>): Promise<PreviewSet> {
    return readPreviews(t, {
      step: this.stepsDone,
      epoch: 0,
      labelKind: 'key',
      epsilon: this.cfg.epsilon / 255,
    });
  }

  dispose(): void {
    Object.values(this.sums).forEach((t) => t.dispose());
    this.sampler.dispose();
    this.base.dispose();
    this.optimizer.dispose();
    this.probe.dispose();
  }
}

interface Timed {
  steps: number;
  seconds: number;
  meanStepSeconds: number;
  imagesPerSec: number;
}

function timed(steps: number, ms: number, batchSize: number): Timed {
  const seconds = ms / 1000;
  return {
    steps,
    seconds: round(seconds),
    meanStepSeconds: round(seconds / steps, 4),
    imagesPerSec: round((batchSize * steps) / seconds, 2),
  };
}

/** Untimed steps, each read back (so each step's own time is known: the first compiles shaders). */
async function warmUp(
  rig: Rig,
  gens: HardExampleGenerator[],
  n: number,
  previewOnLast: boolean,
): Promise<{ stepSeconds: number[]; readPreviewsSeconds: number | null }> {
  const stepSeconds: number[] = [];
  let readPreviewsSeconds: number | null = null;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const prev = await rig.step(gens, previewOnLast && i === n - 1 ? PREVIEW_COUNT : 0);
    await rig.readMetrics();
    if (prev) {
      const tp = performance.now();
      await rig.previews(prev);
      readPreviewsSeconds = (performance.now() - tp) / 1000;
    }
    stepSeconds.push(round((performance.now() - t) / 1000));
  }
  return { stepSeconds, readPreviewsSeconds };
}

/** n steps back to back, one read-back (await data() of the metric sums, loss included) at the end. */
async function timeBlock(
  rig: Rig,
  gens: HardExampleGenerator[],
  n: number,
): Promise<Timed & { loss: number }> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await rig.step(gens, 0);
  const m = await rig.readMetrics();
  return { ...timed(n, performance.now() - t, rig.cfg.batchSize), loss: round(m.loss!, 4) };
}

const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};

/**
 * A/B test of the panels: windows of readbackEvery steps, each ending with the trainer's metric
 * read-back; in the "on" windows the last step also makes PREVIEW_COUNT previews and reads them
 * (readPreviews), as Trainer.run does. Windows go off, on, on, off, … so a drift in load cancels out.
 */
async function timePanels(rig: Rig, gens: HardExampleGenerator[], windows: number) {
  const windowSteps = rig.cfg.readbackEvery;
  const secs: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const readPreviewsSeconds: number[] = [];
  let panelsOk = true;
  for (let w = 0; w < windows; w++) {
    const on = w % 4 === 1 || w % 4 === 2;
    const t = performance.now();
    for (let i = 0; i < windowSteps; i++) {
      const last = i === windowSteps - 1;
      const prev = await rig.step(gens, on && last ? PREVIEW_COUNT : 0);
      if (last) {
        await rig.readMetrics();
        if (prev) {
          const tp = performance.now();
          const p = await rig.previews(prev);
          readPreviewsSeconds.push((performance.now() - tp) / 1000);
          panelsOk &&= p.adversarial !== null && p.cutmix !== null && p.views.query.length === PREVIEW_COUNT;
        }
      }
    }
    secs[on ? 'on' : 'off'].push((performance.now() - t) / 1000);
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const arm = (xs: number[]) => timed(xs.length * windowSteps, sum(xs) * 1000, rig.cfg.batchSize);
  const off = arm(secs.off);
  const onT = arm(secs.on);
  return {
    windowSteps,
    windows,
    previewsOff: off,
    previewsOn: onT,
    slowdownPercent: round((100 * (onT.meanStepSeconds - off.meanStepSeconds)) / off.meanStepSeconds, 1),
    medianWindowSlowdownPercent: round((100 * (median(secs.on) - median(secs.off))) / median(secs.off), 1),
    windowSeconds: { off: secs.off.map((x) => round(x)), on: secs.on.map((x) => round(x)) },
    readPreviewsSeconds: round(sum(readPreviewsSeconds) / readPreviewsSeconds.length, 4),
    panelsOk,
  };
}

/**
 * The preview tensors a preview step makes inside trainStep (step.ts: slices of the first
 * PREVIEW_COUNT samples of each view, mask and score, one gather of the partner views), on tensors
 * of the step's shapes, synced by a read-back: an upper bound of their cost (the sync is included).
 */
async function previewOpsSeconds(cfg: TrainConfig, reps: number): Promise<number> {
  const { batchSize: b, imageSize: s } = cfg;
  const img = () => tf.randomUniform([b, s, s, 1]) as tf.Tensor4D;
  const src = {
    views: [img(), img(), img(), img(), img()], // xq, xk, adversarial view, δ, mixed view
    mask: tf.randomUniform([b, s, s, 1]) as tf.Tensor4D,
    vectors: [0, 1, 2, 3, 4].map(() => tf.randomUniform([b]) as tf.Tensor1D), // ranks, logits, λ
    partner: tf.tensor1d(new Rng(1).permutation(b), 'int32'),
  };
  const run = () =>
    tf.tidy(() => {
      const head = (t: tf.Tensor) => tf.slice(t, 0, PREVIEW_COUNT);
      return [
        ...src.views.map(head),
        head(src.mask),
        ...src.vectors.map(head),
        head(tf.gather(src.views[0]!, src.partner)),
        head(src.partner),
      ];
    });
  const sync = async (ts: tf.Tensor[]) => {
    await Promise.all(ts.map((t) => t.data()));
    ts.forEach((t) => t.dispose());
  };
  try {
    await sync(run()); // compile
    const t = performance.now();
    for (let i = 0; i < reps; i++) await sync(run());
    return (performance.now() - t) / 1000 / reps;
  } finally {
    [...src.views, src.mask, ...src.vectors, src.partner].forEach((t) => t.dispose());
  }
}

const HEXA_FORMULA =
  '(1 clean + T attack + 1 adversarial + 1 mixed) / 1 forward–backward passes = 3 + T, T = cfg.attackSteps';

async function benchCombination(backend: BackendName, preset: PresetId) {
  const cfg: TrainConfig = { ...PRESETS[preset].config };
  const plan = planFor(preset, backend);
  const moco = METHODS['moco-v2'].generators;
  const hexa = METHODS['hexa-moco'].generators;
  const rig = new Rig(cfg);
  const name = `${backend}/${preset}`;
  try {
    log(`${name}: MoCo-v2 warm-up (${plan.warmup} steps)`);
    const mocoWarm = await warmUp(rig, moco, plan.warmup, false);
    log(
      `${name}: MoCo-v2 warm-up step times ${mocoWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const mocoT = await timeBlock(rig, moco, plan.timed);
    log(`${name}: MoCo-v2 ${mocoT.meanStepSeconds} s/step, ${mocoT.imagesPerSec} images/s`);

    log(`${name}: HEXA-MoCo warm-up (${plan.warmup} steps, previews on the last)`);
    const hexaWarm = await warmUp(rig, hexa, plan.warmup, true);
    log(
      `${name}: HEXA-MoCo warm-up step times ${hexaWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const hexaT = await timeBlock(rig, hexa, plan.timed);
    log(`${name}: HEXA-MoCo ${hexaT.meanStepSeconds} s/step, ${hexaT.imagesPerSec} images/s`);

    let ab: Awaited<ReturnType<typeof timePanels>> | null = null;
    if (plan.panelWindows > 0) {
      log(`${name}: panels A/B, ${plan.panelWindows} windows of ${cfg.readbackEvery} HEXA-MoCo steps`);
      ab = await timePanels(rig, hexa, plan.panelWindows);
      log(
        `${name}: panels A/B slowdown ${ab.slowdownPercent} % (median window ${ab.medianWindowSlowdownPercent} %)`,
      );
    }
    const opsS = await previewOpsSeconds(cfg, 3);
    const readS = ab?.readPreviewsSeconds ?? hexaWarm.readPreviewsSeconds ?? 0;
    const estimate = (100 * (opsS + readS)) / (cfg.readbackEvery * hexaT.meanStepSeconds);
    log(
      `${name}: panels estimate ${estimate.toFixed(2)} % (preview ops ${opsS.toFixed(3)} s, readPreviews ${readS.toFixed(3)} s)`,
    );

    const T = cfg.attackSteps;
    return {
      backend,
      preset,
      config: {
        batchSize: cfg.batchSize,
        imageSize: cfg.imageSize,
        width: cfg.width,
        hiddenDim: cfg.hiddenDim,
        embedDim: cfg.embedDim,
        queueSize: cfg.queueSize,
        bnGroups: cfg.bnGroups,
        attackSteps: T,
        readbackEvery: cfg.readbackEvery,
      },
      mocoV2: { warmupStepSeconds: mocoWarm.stepSeconds, ...mocoT },
      hexaMoco: { warmupStepSeconds: hexaWarm.stepSeconds, ...hexaT },
      hexaCost: {
        measuredRatio: round(mocoT.imagesPerSec / hexaT.imagesPerSec, 2),
        expectedRatio: 3 + T,
        formula: HEXA_FORMULA,
        note: 'measured = MoCo-v2 images/s ÷ HEXA-MoCo images/s. Both steps also pay for the sampler, augmentation, the key encoder, the online probe and SGD, which the hard examples do not multiply',
      },
      panels: {
        readbackEvery: cfg.readbackEvery,
        previewCount: PREVIEW_COUNT,
        abTest: ab,
        estimate: {
          previewOpsSeconds: round(opsS, 4),
          readPreviewsSeconds: round(readS, 4),
          slowdownPercent: round(estimate, 3),
          formula:
            '100 × (preview ops + readPreviews) / (readbackEvery × HEXA-MoCo mean step seconds); preview ops timed apart on same-shaped tensors with their own sync (an upper bound)',
        },
        slowdownPercent: ab ? ab.slowdownPercent : round(estimate, 3),
        basis: ab ? 'A/B test (mean step time, previews on vs off)' : 'estimate (no A/B: too slow here)',
        requirement: 'slowdown within 10 %',
        pass: (ab ? ab.slowdownPercent : estimate) <= 10 && (ab?.panelsOk ?? true),
      },
      leakedTensors: 0, // set by the caller, after dispose
    };
  } finally {
    rig.dispose();
  }
}

// ---- data pipeline: IndexedDB store writes and StreamingSampler reads ------------------------------

async function benchPipeline(images: number, batchSize: number) {
  const id = 'bench-pipeline-tmp';
  const chunkSize = 500; // as the built-in MNIST install
  const perTransaction = 8; // as the built-in MNIST install
  const imageBytes = SIDE * SIDE;
  const all = syntheticBars(images, SIDE, CLASSES, 3);
  const chunkCount = Math.ceil(images / chunkSize);
  const manifest: DatasetManifest = {
    id,
    name: 'bench pipeline (temporary)',
    width: SIDE,
    height: SIDE,
    channels: 1,
    classNames: CLASS_NAMES,
    splits: {
      train: { count: images, chunkSize, chunkCount },
      test: { count: 0, chunkSize, chunkCount: 0 },
    },
    about: 'synthetic, written by npm run bench and deleted afterwards',
    schemaVersion: STORE_SCHEMA_VERSION,
    createdAt: Date.now(),
    complete: false,
  };
  const chunks: Chunk[] = Array.from({ length: chunkCount }, (_, index) => {
    const start = index * chunkSize;
    const n = Math.min(chunkSize, images - start);
    return {
      datasetId: id,
      split: 'train',
      index,
      start,
      count: n,
      pixels: all.pixels.slice(start * imageBytes, (start + n) * imageBytes),
      labels: all.labels!.slice(start, start + n),
    };
  });
  const totalBytes = images * (imageBytes + 1); // pixels + labels
  let store = await openImageStore();
  try {
    await store.deleteDataset(id); // leftovers of an interrupted run
    log(
      `data: writing ${images} images in ${chunkCount} chunks of ${chunkSize}, ${perTransaction} per transaction`,
    );
    const tw = performance.now();
    await store.putManifest(manifest);
    for (let i = 0; i < chunkCount; i += perTransaction)
      await store.putChunks(chunks.slice(i, i + perTransaction));
    await store.putManifest({ ...manifest, complete: true });
    const writeS = (performance.now() - tw) / 1000;
    log(`data: wrote in ${writeS.toFixed(2)} s`);

    store.close(); // read through a fresh connection
    store = await openImageStore();
    const stored = await store.getManifest(id);
    if (!stored?.complete) throw new Error('The bench dataset was not stored completely');
    const source = createStoreSource(store, stored);
    const tr = performance.now();
    const sampler = new StreamingSampler(source, { split: 'train', batchSize, limit: 0, seed: 1 });
    let got = 0;
    let checksum = 0;
    for (let s = 0; s < sampler.stepsPerEpoch; s++) {
      const b = await sampler.next();
      got += b.indices.length;
      checksum += b.pixels[0]!;
    }
    const readS = (performance.now() - tr) / 1000;
    sampler.dispose();
    log(`data: sampler read ${got} images in ${readS.toFixed(2)} s (checksum ${checksum})`);

    await store.deleteDataset(id);
    const deleted = (await store.getManifest(id)) === undefined;
    let chunkGone = false;
    try {
      await store.readChunk(id, 'train', 0);
    } catch {
      chunkGone = true;
    }
    log(`data: bench dataset deleted: ${deleted && chunkGone}`);
    const mb = 1e6;
    return {
      images,
      imageShape: [SIDE, SIDE, 1],
      data: 'synthetic syntheticBars 28×28×1 bytes + 1 label byte each (MNIST-sized), random noise background',
      chunkSize,
      chunksPerTransaction: perTransaction,
      write: {
        api: 'openImageStore().putChunks (plus the manifest before and after)',
        seconds: round(writeS),
        MBps: round(totalBytes / mb / writeS, 1),
        imagesPerSec: Math.round(images / writeS),
      },
      read: {
        api: `StreamingSampler over createStoreSource, batchSize ${batchSize}, prefetch 2 chunks, one epoch`,
        images: got,
        seconds: round(readS),
        MBps: round((got * (imageBytes + 1)) / mb / readS, 1),
        imagesPerSec: Math.round(got / readS),
        note: 'read right after writing, through a new connection; the browser and OS caches may be warm',
      },
      MB: '10^6 bytes, pixels + labels',
      deletedAfterwards: deleted && chunkGone,
    };
  } finally {
    store.close();
  }
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const bad = BENCH_BACKENDS.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (bad.length) throw new Error(`Unknown backend(s): ${bad.join(', ')} (known: ${BACKENDS.join(', ')})`);
  const backends = BENCH_BACKENDS as BackendName[];
  const badPresets = BENCH_PRESETS.filter((p) => !(PRESET_IDS as readonly string[]).includes(p));
  if (badPresets.length) throw new Error(`Unknown preset(s): ${badPresets.join(', ')}`);
  log(`options: quick=${QUICK} backends=${backends.join(',')} presets=${BENCH_PRESETS.join(',')}`);
  const probe = await probeWebGpu();
  log(`WebGPU adapter: ${probe.adapter ? JSON.stringify(probe.adapter) : probe.reason}`);
  const errors: string[] = [];

  const pipelineBatch = PRESETS[QUICK ? 'tiny' : 'small-gpu'].config.batchSize;
  let pipeline: Awaited<ReturnType<typeof benchPipeline>> | null = null;
  if (!SKIP_DATA) {
    try {
      pipeline = await benchPipeline(PIPELINE_IMAGES, pipelineBatch);
    } catch (e) {
      errors.push(`data pipeline: ${(e as Error).message}`);
      log(`data pipeline failed: ${(e as Error).message}`);
    }
  }

  const training: Awaited<ReturnType<typeof benchCombination>>[] = [];
  const backendReports: Record<string, unknown> = {};
  for (const backend of backends) {
    try {
      const report = await initBackend(backend);
      backendReports[backend] = { warning: report.warning };
      log(`backend ${backend} ready${report.warning ? ` (${report.warning})` : ''}`);
    } catch (e) {
      errors.push(`${backend}: ${(e as Error).message}`);
      log(`backend ${backend} failed: ${(e as Error).message}`);
      continue;
    }
    for (const preset of BENCH_PRESETS) {
      try {
        const before = tf.memory().numTensors;
        const r = await benchCombination(backend, preset);
        r.leakedTensors = tf.memory().numTensors - before;
        training.push(r);
      } catch (e) {
        errors.push(`${backend}/${preset}: ${(e as Error).message}`);
        log(`${backend}/${preset} failed: ${(e as Error).stack ?? (e as Error).message}`);
      }
    }
  }

  // Is the data pipeline the bottleneck? Sampler reads per second over the step's consumption.
  const pipelineVsTraining = pipeline
    ? training
        .filter((t) => t.config.batchSize === pipelineBatch)
        .flatMap((t) =>
          (['mocoV2', 'hexaMoco'] as const).map((m) => ({
            backend: t.backend,
            preset: t.preset,
            method: m === 'mocoV2' ? 'moco-v2' : 'hexa-moco',
            stepImagesPerSec: t[m].imagesPerSec,
            samplerImagesPerSec: pipeline!.read.imagesPerSec,
            samplerOverStep: round(pipeline!.read.imagesPerSec / t[m].imagesPerSec, 1),
          })),
        )
    : [];

  state.result = {
    bench: 'hexa-lab npm run bench',
    options: { quick: QUICK, backends, presets: BENCH_PRESETS, stepsOverride: STEPS_OVERRIDE },
    tfjs: { ...tf.version },
    adapter: probe.adapter,
    adapterProblem: probe.reason,
    backends: backendReports,
    navigator: { hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent },
    data: DATA_NOTE,
    step: 'as Trainer.run: sampler.next, toFloatImages, augmentBatch ×2 (query and key views), trainStep (method step + online linear probe + SGD), metric sums kept on the GPU; timed blocks are back-to-back steps with ONE read-back (await data() of the metric sums, loss included) at the end; images/s = batchSize / mean seconds per step',
    hexaCostFormula: HEXA_FORMULA,
    training,
    dataPipeline: pipeline,
    pipelineVsTraining,
    pipelineVsTrainingNote:
      'samplerOverStep = images/s the StreamingSampler delivers from IndexedDB ÷ images/s the training step consumes; above 1 means the data pipeline is not the bottleneck',
    errors,
    totalSeconds: round((performance.now() - started) / 1000, 1),
  };
  if (errors.length) state.error = errors.join('; ');
  log('done');
}

main().catch((e: unknown) => {
  const err = e as Error;
  log(`failed: ${err.stack ?? String(e)}`);
  state.error = err.message ?? String(e);
});

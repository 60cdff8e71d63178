// The training loop: stream batches, augment on the GPU, run the composed method's step (stepOnce),
// and read metrics and previews back only every `readbackEvery` steps. Pure engine: the worker drives
// it, and so can Node tests and scripts; the bench drives stepOnce itself to time it. What a run shows
// of its model (features, embedding, clusters, neighbours) is in trainerViews.ts.
import * as tf from '@tensorflow/tfjs';
import { augmentViews, toFloatImages } from '../augment/augment';
import type { TrainConfig } from '../../shared/config';
import { StreamingSampler } from '../data/sampler';
import type { Batch, ChunkSource } from '../../shared/data/types';
import { knnAccuracy } from '../evaluation/knn';
import { linearProbe } from '../evaluation/linearProbe';
import { OnlineProbe } from '../evaluation/onlineProbe';
import { methodDefinition } from '../methods/registry';
import { methodInfo } from '../../shared/catalog';
import type { BaseMethod, HardExampleGenerator, PrepareContext, ViewSpec } from '../methods/types';
import { Rng } from '../runtime/random';
import { accumulateInPlace } from '../runtime/kernels/fused';
import { computeBaselines } from './baselines';
import { cloneEncoder, type Encoder } from '../nn/encoder';
import { readSubset } from '../data/sampler';
import type { LabelledFeatures } from '../evaluation/types';
import { captureCheckpoint, restoreCheckpoint, type Checkpoint } from './checkpoint';
import { previewsFromValues, shapesOf } from './previews';
import { readTogether, type ReadValues } from './readback';
import { cosineLr } from './schedule';
import { Sgd } from './sgd';
import { trainStep } from './step';
import { checkLiveChange } from '../../shared/liveSettings';
import type { SettingsEvent } from '../../shared/runEvents';
import { clusterSnapshot, embeddingSnapshot, findNeighbours, mapImages, yieldToEvents } from './trainerViews';
import type {
  Baselines,
  ClusterSnapshot,
  EmbeddingSnapshot,
  EvalPoint,
  MetricsPoint,
  NeighbourResult,
  PhaseProgress,
  PreviewImage,
  PreviewSet,
  TrainerPhase,
} from '../../shared/trainingTypes';

export interface TrainerEvents {
  metrics(p: MetricsPoint): void;
  /** At every evaluation: 2-D projections (PCA, UMAP) of the held-out features. */
  embedding?(p: EmbeddingSnapshot): void;
  clusters?(p: ClusterSnapshot): void;
  preview(p: PreviewSet): void;
  evaluation(p: EvalPoint): void;
  /**
   * Every cfg.checkpointEvery steps and after the last one, with the state already read back. Not after
   * stop(): the caller may then take one with captureCheckpoint(trainer) itself (not when the GPU
   * device is lost). A returned promise (the write) is not awaited by the next step; run() awaits the
   * last one before it reports 'done' or 'stopped'; it must not reject (report failures instead).
   */
  checkpoint?(c: Checkpoint): unknown;
  /** Once per new run, after the step-0 evaluation: the random-init and raw-pixel reference scores. */
  baselines?(b: Baselines): void;
  /** After changeSettings(): what changed, and at which step (it applies from the next step on). */
  settings?(e: SettingsEvent): void;
  /** Phase changes; long phases (evaluating, preparing) repeat it with the work done so far. */
  status(phase: TrainerPhase, message: string, progress?: PhaseProgress): void;
}

export interface TrainerOptions {
  /** Continue a run from its checkpoint (same config): run() then starts at resumeFrom.step. */
  resumeFrom?: Checkpoint;
}

/** Samples of the batch a preview step shows in the panels. */
export const PREVIEW_COUNT = 4;

export class Trainer {
  readonly rng: Rng;
  readonly base: BaseMethod;
  readonly generators: HardExampleGenerator[];
  readonly optimizer: Sgd;
  readonly sampler: StreamingSampler;
  readonly probe: OnlineProbe | null;
  readonly totalSteps: number;
  private readonly channels: number;
  private readonly numClasses: number;
  private stepsDone = 0;
  private stopped = false;
  private paused: { resume: () => void; promise: Promise<void> } | null = null;
  private elapsedMs = 0;
  private started = false;
  private resumed = false;
  /** A new run's step-0 network (weights and BN statistics), until the first evaluation scores it. */
  private initial: Encoder | null = null;
  private config: TrainConfig;
  private sums: Record<string, tf.Scalar> = {}; // running metric sums since the last readMetrics()
  private sumsSteps = 0; // steps since the last readMetrics()
  /** Steps each metric was computed in since the last readMetrics() (a generator switched on mid-window). */
  private sumsCounts: Record<string, number> = {};

  constructor(
    cfg: TrainConfig,
    readonly source: ChunkSource,
    private readonly events: TrainerEvents,
    opts: TrainerOptions = {},
  ) {
    this.config = cfg;
    const m = source.manifest;
    this.channels = m.channels;
    this.numClasses = m.classNames?.length ?? 0;
    this.rng = new Rng(cfg.seed);
    const def = methodDefinition(cfg.method);
    this.base = def.createBase(cfg, this.channels, this.rng);
    this.generators = def.generatorImpls;
    // Anything below may throw (a dataset smaller than one batch, a checkpoint that does not fit): the
    // model's variables and whatever else was made must then be freed, or every failed start leaks them.
    let optimizer: Sgd | null = null;
    let sampler: StreamingSampler | null = null;
    let probe: OnlineProbe | null = null;
    try {
      optimizer = new Sgd(this.base.params(), cfg.sgdMomentum, cfg.weightDecay);
      sampler = new StreamingSampler(source, {
        split: 'train',
        batchSize: cfg.batchSize,
        limit: cfg.trainLimit,
        seed: cfg.seed,
      });
      probe =
        this.numClasses > 1
          ? new OnlineProbe(this.base.encoder.backbone.featureDim, this.numClasses, { seed: cfg.seed })
          : null;
      this.optimizer = optimizer;
      this.sampler = sampler;
      this.probe = probe;
      this.totalSteps = cfg.epochs * sampler.stepsPerEpoch;
      if (opts.resumeFrom) this.restore(opts.resumeFrom);
    } catch (e) {
      probe?.dispose();
      sampler?.dispose();
      optimizer?.dispose();
      this.base.dispose();
      throw e;
    }
  }

  /** The settings in effect: the constructor's, with any changeSettings() since. */
  get cfg(): TrainConfig {
    return this.config;
  }

  /**
   * Changes live settings (see liveSettings.ts) between two steps: they apply from the next step on.
   * Throws, changing nothing, when a fixed setting differs or the config is invalid. Returns the event
   * (also sent to events.settings), or null when nothing changed.
   */
  changeSettings(next: TrainConfig): SettingsEvent | null {
    const changes = checkLiveChange(this.config, next);
    if (changes.length === 0) return null;
    this.config = { ...next };
    const event: SettingsEvent = {
      kind: 'settings',
      step: this.stepsDone,
      epoch: this.stepsDone / this.sampler.stepsPerEpoch,
      elapsedMs: this.elapsedMs,
      changes,
    };
    this.events.settings?.(event);
    return event;
  }

  get step(): number {
    return this.stepsDone;
  }

  /** Training time so far in ms, pauses excluded (as of the last read-back). */
  get elapsed(): number {
    return this.elapsedMs;
  }

  /**
   * Before run(): restores a checkpoint of a run with the same config, so that run() continues at
   * ckpt.step exactly as the original would have (no baseline evaluation, no second prepare()).
   */
  restore(ckpt: Checkpoint): void {
    if (this.started) throw new Error('Trainer.restore: call it before run().');
    restoreCheckpoint(this, ckpt);
    this.stepsDone = ckpt.step;
    this.elapsedMs = ckpt.elapsedMs;
    this.resumed = true;
  }

  pause(): void {
    if (this.paused) return;
    let resume = () => {};
    const promise = new Promise<void>((r) => (resume = r));
    this.paused = { resume, promise };
  }

  resume(): void {
    const p = this.paused;
    this.paused = null;
    p?.resume();
  }

  stop(): void {
    this.stopped = true;
    this.resume();
  }

  /** Runs to the end of the last epoch, or until stop(). */
  async run(): Promise<void> {
    let windowStart = performance.now();
    let windowTrainMs = 0;
    this.started = true;
    // The epoch of the last batch trained: a resumed run re-clusters at the next epoch start, as the original.
    let epochDone = this.resumed ? Math.floor((this.stepsDone - 1) / this.sampler.stepsPerEpoch) : 0;
    // A resumed run shows its restored clusters; a new one is evaluated at random initialisation.
    // A resumed run shows its restored clusters. A new one keeps a copy of its step-0 network, which
    // the first evaluation scores (with the baselines) so that the first step starts at once.
    if (this.resumed) await this.emitClusters();
    else {
      if (this.numClasses >= 2) this.initial = cloneEncoder(this.base.encoder, new Rng(0));
      await this.prepare();
    }
    this.events.status('training', `Training ${methodInfo(this.cfg.method).label}`);
    let written: unknown = undefined; // the last checkpoint's write, if the handler returned it
    while (!this.stopped && this.stepsDone < this.totalSteps) {
      const paused = this.paused;
      if (paused) {
        windowTrainMs += performance.now() - windowStart;
        this.events.status('paused', 'Paused'); // a listener may resume() at once: await what was paused
        await paused.promise;
        if (this.stopped) break;
        this.events.status('training', `Training ${methodInfo(this.cfg.method).label}`);
        windowStart = performance.now();
      }
      const batch = await this.sampler.next();
      if (batch.epoch > epochDone) {
        epochDone = batch.epoch;
        if (epochDone % this.cfg.probeEveryEpochs === 0) await this.evaluate();
        await this.base.onEpochStart?.(batch.epoch);
        await this.emitClusters();
      } else if (this.stepsDone === 0 && !this.resumed) {
        await this.base.onEpochStart?.(0);
        await this.emitClusters();
      }
      // Read afresh each step, right before it (live settings apply from here): the cfg stepOnce reads,
      // no await in between.
      const cfg = this.cfg;
      const wantPreview = (this.stepsDone + 1) % cfg.readbackEvery === 0;
      const previews = this.stepOnce(batch, wantPreview);
      if (wantPreview || this.stepsDone === this.totalSteps) {
        // The window's time ends when its read-back has come back: stepOnce only enqueues GPU work,
        // so the GPU's share of the window is spent waiting in the read-back.
        const windowMs = () => windowTrainMs + performance.now() - windowStart;
        await this.readBack(cfg, previews ?? {}, windowMs, batch.indices);
        windowTrainMs = 0;
        windowStart = performance.now();
      }
      if (this.events.checkpoint && this.stepsDone % cfg.checkpointEvery === 0)
        written = this.events.checkpoint(await captureCheckpoint(this)); // written off the loop
      await yieldToEvents();
    }
    this.dropMetrics();
    if (!this.stopped) {
      if (this.events.checkpoint && this.stepsDone % this.cfg.checkpointEvery !== 0)
        written = this.events.checkpoint(await captureCheckpoint(this)); // the last step's, unless just taken
      await this.evaluate();
      await written;
      this.events.status('done', `Finished ${this.stepsDone} steps`);
    } else {
      await written;
      this.events.status('stopped', `Stopped after ${this.stepsDone} steps`);
    }
  }

  /**
   * A new run's one-off pass before its first step, for methods that have one (DeepCluster fills its
   * memory bank from two augmented views of every image in use). run() calls it unless resuming;
   * so do drivers that step the trainer themselves (the bench), before their first stepOnce().
   */
  async prepare(): Promise<void> {
    if (!this.base.prepare) return;
    const cfg = this.cfg;
    const info = methodInfo(cfg.method);
    const stage = info.prepares ?? 'a pass over the data';
    const message = `Preparing ${info.label}: ${stage} of every train image`;
    const onProgress = (done: number, total: number) =>
      this.events.status('preparing', message, { done, total, stage });
    onProgress(0, this.sampler.size);
    const augment: PrepareContext['augment'] = (x) => {
      const [a, b] = augmentViews(x, [cfg, cfg], this.rng);
      return [a!, b!];
    };
    await this.base.prepare({
      source: this.source,
      count: this.sampler.size,
      cfg,
      rng: this.rng,
      augment,
      onProgress,
    });
  }

  /** The views the method asks for (default: two at the crop size). */
  viewSpecs(cfg: TrainConfig = this.cfg): ViewSpec[] {
    return this.base.views?.(cfg) ?? [{ size: cfg.imageSize }, { size: cfg.imageSize }];
  }

  /**
   * One training step on `batch` (the sampler's next) with the settings in effect now (this.cfg): bytes
   * → floats, the method's views (viewSpecs: augmentBatch per view, in order, on this.rng; MoCo and
   * DeepCluster: the query and key views at the crop size), the method's step with
   * the online probe and SGD at the scheduled lr, metric sums kept on the GPU for readMetrics(). Queues
   * GPU work and reads nothing back. Returns the preview tensors when `wantPreview` (the caller owns and
   * disposes them, e.g. with readPreviews), else null. run() calls it once per step; it does not handle
   * epoch starts, read-backs or checkpoints, so a driver that calls it directly (the bench) gets the
   * step alone.
   */
  stepOnce(batch: Batch, wantPreview: boolean): Record<string, tf.Tensor> | null {
    const cfg = this.cfg;
    const m = this.source.manifest;
    this.started = true;
    const previews = tf.tidy(() => {
      const x = toFloatImages(batch.pixels, cfg.batchSize, m.height, m.width, this.channels);
      // The method's views, in its order, each drawn from this.rng (MoCo, DeepCluster: query then key).
      // Views with the same settings are augmented in one pass (augmentViews: the same draws and values).
      const views = augmentViews(
        x,
        this.viewSpecs(cfg).map((v) => ({
          ...cfg,
          imageSize: v.size,
          cropScaleMin: v.cropScaleMin ?? cfg.cropScaleMin,
        })),
        this.rng,
      );
      const labels = this.probe && batch.labels ? tf.tensor1d(batch.labels, 'int32') : null;
      const r = trainStep({
        base: this.base,
        generators: this.generators,
        cfg,
        input: {
          views,
          indices: batch.indices,
          rng: this.rng,
          step: this.stepsDone,
          totalSteps: this.totalSteps,
          epoch: batch.epoch,
        },
        lr: cosineLr(cfg.lr, this.stepsDone, this.totalSteps, cfg.warmupSteps),
        optimizer: this.optimizer,
        probe: this.probe,
        labels,
        previewCount: wantPreview ? PREVIEW_COUNT : 0,
      });
      // Running sums on the GPU: no read-back until readMetrics().
      // On WebGPU the sums that exist are added to in place, several per dispatch (accumulateInPlace).
      const entries = Object.entries(r.metrics);
      const running = entries.filter(([k]) => this.sums[k] !== undefined);
      const inPlace = accumulateInPlace(
        running.map(([k]) => this.sums[k]!),
        running.map(([, v]) => v),
      );
      const added = new Set(running.filter((_, i) => inPlace[i]).map(([k]) => k));
      for (const [k, v] of entries) {
        if (!added.has(k)) {
          const prev = this.sums[k];
          this.sums[k] = tf.keep(prev ? tf.add(prev, v) : tf.clone(v));
          prev?.dispose();
        }
        this.sumsCounts[k] = (this.sumsCounts[k] ?? 0) + 1;
        v.dispose();
      }
      return r.previews ?? {};
    });
    this.stepsDone++;
    this.sumsSteps++;
    if (wantPreview) return previews;
    Object.values(previews).forEach((t) => t.dispose());
    return null;
  }

  /**
   * Reads the metric sums back (the GPU sync: it waits for every step queued) and starts new ones.
   * Returns each metric's mean over the steps it was computed in since the last call (a metric switched
   * on or off mid-window, e.g. by a generator turned on with "Apply to this run", is averaged over its
   * own steps, `counts`), and `steps`, all steps since the last call. `extra` tensors (the window's
   * previews) are read in the same single read-back (`extra` values; not disposed here).
   */
  async readMetrics(extra: Record<string, tf.Tensor> = {}): Promise<{
    values: Record<string, number>;
    steps: number;
    counts: Record<string, number>;
    extra: Record<string, ReadValues>;
  }> {
    const sums = this.sums;
    const steps = this.sumsSteps;
    const counts = this.sumsCounts;
    this.sums = {};
    this.sumsSteps = 0;
    this.sumsCounts = {};
    const keys = Object.keys(sums);
    const all: Record<string, tf.Tensor> = {};
    keys.forEach((k) => (all[`metric:${k}`] = sums[k]!));
    Object.entries(extra).forEach(([k, t]) => (all[`extra:${k}`] = t));
    let data: Record<string, ReadValues>;
    try {
      data = await readTogether(all);
    } finally {
      keys.forEach((k) => sums[k]!.dispose());
    }
    const values: Record<string, number> = {};
    keys.forEach((k) => (values[k] = data[`metric:${k}`]![0]! / counts[k]!));
    const extraValues: Record<string, ReadValues> = {};
    Object.keys(extra).forEach((k) => (extraValues[k] = data[`extra:${k}`]!));
    return { values, steps, counts, extra: extraValues };
  }

  /** Drops the metric sums not read back (a stopped run's last window). */
  private dropMetrics(): void {
    Object.values(this.sums).forEach((t) => t.dispose());
    this.sums = {};
    this.sumsSteps = 0;
    this.sumsCounts = {};
  }

  /**
   * Sends the metrics of the window that ends now and the previews made at its last step, if any, with
   * `cfg`, the settings that step was made with: a change arriving while this waits for the GPU applies
   * to the next step, and must not relabel this point (its lr) or these previews (their ε).
   */
  private async readBack(
    cfg: TrainConfig,
    previews: Record<string, tf.Tensor>,
    windowMs: () => number,
    batchIndices?: Int32Array,
  ): Promise<void> {
    const hasPreviews = Object.keys(previews).length > 0;
    const shapes = shapesOf(previews);
    let read: Awaited<ReturnType<Trainer['readMetrics']>>;
    try {
      read = await this.readMetrics(previews); // one read-back: metric sums and previews together
    } finally {
      Object.values(previews).forEach((t) => t.dispose());
    }
    const { values, steps: n } = read;
    const ms = windowMs(); // after the read-back: the window's GPU work is done
    this.elapsedMs += ms;
    const spe = this.sampler.stepsPerEpoch;
    this.events.metrics({
      step: this.stepsDone,
      epoch: this.stepsDone / spe,
      totalSteps: this.totalSteps,
      lr: cosineLr(cfg.lr, this.stepsDone - 1, this.totalSteps, cfg.warmupSteps),
      values,
      imagesPerSec: (n * cfg.batchSize * 1000) / Math.max(ms, 1),
      elapsedMs: this.elapsedMs,
      numTensors: tf.memory().numTensors,
    });
    if (hasPreviews) {
      this.events.preview(
        previewsFromValues(
          read.extra,
          shapes,
          { step: this.stepsDone, epoch: this.stepsDone / spe, labelKind: methodInfo(cfg.method).labelKind },
          cfg,
          batchIndices,
        ),
      );
    }
  }

  /** Sends the cluster snapshot (statistics, member images) when the method has clusters. */
  private async emitClusters(): Promise<void> {
    if (!this.events.clusters) return;
    const snapshot = await clusterSnapshot(this, this.stepsDone);
    if (snapshot) this.events.clusters(snapshot);
  }

  /**
   * At a new run's first evaluation: scores the step-0 network (an evaluation point at step 0) and the
   * baselines (random init with BN recalibrated on data, raw pixels), then frees the copy.
   */
  private async evaluateInitial(): Promise<void> {
    const initial = this.initial;
    if (!initial) return;
    this.initial = null;
    try {
      await this.scoreEncoder(initial, 0, 'Scoring the step-0 network', async (point) =>
        this.events.evaluation(point),
      );
      if (!this.events.baselines) return;
      const message = 'Baselines: random-init network (BN on data) and raw pixels';
      const stages = ['recalibrating', 'random init', 'pixels'];
      const b = await computeBaselines(this, initial, this.numClasses, (stage, done, total) =>
        this.events.status('evaluating', message, {
          done: stages.indexOf(stage) + done / Math.max(1, total),
          total: 3,
          stage,
        }),
      );
      this.events.baselines(b);
    } finally {
      initial.dispose();
    }
  }

  /**
   * Frozen features of `encoder` (inference mode) on the probe sets → linear probe and kNN at `step`;
   * `consume` gets the point and the feature sets before they are freed.
   */
  private async scoreEncoder(
    encoder: Encoder,
    step: number,
    message: string,
    consume: (point: EvalPoint, train: LabelledFeatures, test: LabelledFeatures) => Promise<void>,
  ): Promise<EvalPoint> {
    const { probeTrainSize, probeTestSize } = this.cfg;
    const total = probeTrainSize + probeTestSize + 1; // images, then the probes themselves
    const progress = (done: number, stage: string) =>
      this.events.status('evaluating', message, { done, total, stage });
    progress(0, 'features');
    const [train, test] = await Promise.all([
      readSubset(this.source, 'train', probeTrainSize),
      readSubset(this.source, 'test', probeTestSize),
    ]);
    const f = (x: tf.Tensor4D) => encoder.features(x, { training: false });
    const trainSet: LabelledFeatures = {
      features: await mapImages(this, train, f, (d) => progress(d, 'features')),
      labels: train.labels ?? new Int32Array(train.count),
    };
    const testSet: LabelledFeatures = {
      features: await mapImages(this, test, f, (d) => progress(train.count + d, 'features')),
      labels: test.labels ?? new Int32Array(test.count),
    };
    try {
      progress(total - 1, 'linear probe and kNN');
      const lin = await linearProbe(trainSet, testSet, this.numClasses, { seed: this.cfg.seed });
      const knn = await knnAccuracy(
        trainSet,
        testSet,
        this.numClasses,
        this.cfg.knnK,
        this.cfg.knnTemperature,
      );
      const point: EvalPoint = {
        step,
        epoch: step / this.sampler.stepsPerEpoch,
        linearTop1: lin.top1,
        knnTop1: knn,
        testCount: test.count,
        perClass: lin.perClass,
        confusion: lin.confusion,
      };
      await consume(point, trainSet, testSet);
      return point;
    } finally {
      trainSet.features.dispose();
      testSet.features.dispose();
    }
  }

  /** Frozen-feature linear probe and kNN on the held-out split (no augmentation). */
  async evaluate(): Promise<EvalPoint | null> {
    const { splits } = this.source.manifest;
    if (this.numClasses < 2 || splits.train.count === 0 || splits.test.count === 0) return null; // e.g. a partial import
    try {
      await this.evaluateInitial();
      const step = this.stepsDone;
      return await this.scoreEncoder(
        this.base.encoder,
        step,
        'Linear probe and kNN on frozen features',
        async (point, trainSet, testSet) => {
          this.events.evaluation(point);
          if (this.events.embedding) {
            const at = { step, epoch: point.epoch };
            this.events.embedding(await embeddingSnapshot(this, trainSet, testSet, at));
          }
        },
      );
    } finally {
      if (!this.stopped) this.events.status('training', `Training ${methodInfo(this.cfg.method).label}`);
    }
  }

  /** Gallery: the nearest held-out images to `image` with the current weights (see findNeighbours). */
  neighbours(image: PreviewImage, k?: number): Promise<NeighbourResult> {
    return findNeighbours(this, image, k);
  }

  dispose(): void {
    this.initial?.dispose();
    this.initial = null;
    this.dropMetrics();
    this.sampler.dispose();
    this.base.dispose();
    this.optimizer.dispose();
    this.probe?.dispose();
  }
}

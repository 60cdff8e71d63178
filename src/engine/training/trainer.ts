// The training loop: stream batches, augment on the GPU, run the composed method's step, and read
// metrics and previews back only every `readbackEvery` steps. Pure engine: the worker drives it,
// and so can Node tests and scripts.
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, toFloatImages } from '../augment/augment';
import type { TrainConfig } from '../config';
import { readSubset, StreamingSampler } from '../data/sampler';
import type { Chunk, ChunkSource } from '../data/types';
import { projectFeatures, type EmbeddingSnapshot } from '../evaluation/embedding';
import { nearestNeighbours, NEIGHBOURS_K } from '../evaluation/gallery';
import { knnAccuracy } from '../evaluation/knn';
import { linearProbe } from '../evaluation/linearProbe';
import { OnlineProbe } from '../evaluation/onlineProbe';
import { METHODS } from '../methods/registry';
import type { BaseMethod, HardExampleGenerator, PrepareContext } from '../methods/types';
import { Rng } from '../runtime/random';
import type { ClusterStats } from '../methods/deepClusterV2';
import { captureCheckpoint, restoreCheckpoint, type Checkpoint } from './checkpoint';
import { readPreviews, type PreviewImage, type PreviewSet } from './previews';
import { cosineLr } from './schedule';
import { Sgd } from './sgd';
import { trainStep } from './step';
import { checkLiveChange } from '../liveSettings';
import type { SettingsEvent } from './runEvents';

export interface MetricsPoint {
  step: number; // steps done
  epoch: number; // fractional epochs done
  totalSteps: number;
  lr: number;
  values: Record<string, number>; // means over the steps since the last read-back
  imagesPerSec: number; // since the last read-back
  elapsedMs: number; // training time, pauses excluded
  numTensors: number; // tf.memory().numTensors after the read-back
}

export interface EvalPoint {
  step: number;
  epoch: number;
  linearTop1: number; // frozen-feature linear probe on the held-out split
  knnTop1: number;
  perClass: number[];
  confusion: number[][];
}

/** After each re-clustering: statistics plus a strip of member images for the largest clusters. */
export interface ClusterSnapshot {
  step: number;
  stats: ClusterStats;
  members: { cluster: number; size: number; images: PreviewImage[] }[];
}

/** Nearest neighbours of a queried image among held-out images (the gallery's "click an item"). */
export interface NeighbourResult {
  split: 'test';
  reference: number; // images searched
  neighbours: { index: number; similarity: number; label: number | null; image: PreviewImage }[];
}

export interface TrainerEvents {
  metrics(p: MetricsPoint): void;
  /** At every evaluation: 2-D projections (PCA, UMAP) of the held-out features. */
  embedding?(p: EmbeddingSnapshot): void;
  clusters?(p: ClusterSnapshot): void;
  preview(p: PreviewSet): void;
  evaluation(p: EvalPoint): void;
  /**
   * Every cfg.checkpointEvery steps and after the last one. Not after stop(): the caller may then take
   * one with captureCheckpoint(trainer) itself (not when the GPU device is lost).
   */
  checkpoint?(c: Checkpoint): void;
  /** After changeSettings(): what changed, and at which step (it applies from the next step on). */
  settings?(e: SettingsEvent): void;
  status(
    phase: 'preparing' | 'training' | 'evaluating' | 'paused' | 'done' | 'stopped',
    message: string,
  ): void;
}

export interface TrainerOptions {
  /** Continue a run from its checkpoint (same config): run() then starts at resumeFrom.step. */
  resumeFrom?: Checkpoint;
}

const PREVIEW_COUNT = 4;
const FEATURE_BATCH = 128;
const NEIGHBOUR_REFERENCE = 256; // held-out images searched for a gallery item's neighbours

/** Lets the worker handle messages (pause, stop) between steps: awaiting a promise alone does not. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

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
  private config: TrainConfig;

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
    const def = METHODS[cfg.method];
    this.base = def.createBase(cfg, this.channels, this.rng);
    this.generators = def.generators;
    this.optimizer = new Sgd(this.base.params(), cfg.sgdMomentum, cfg.weightDecay);
    this.sampler = new StreamingSampler(source, {
      split: 'train',
      batchSize: cfg.batchSize,
      limit: cfg.trainLimit,
      seed: cfg.seed,
    });
    this.totalSteps = cfg.epochs * this.sampler.stepsPerEpoch;
    if (this.sampler.stepsPerEpoch < 1) {
      throw new Error(
        `The dataset has fewer images (${this.sampler.size}) than one batch (${cfg.batchSize}).`,
      );
    }
    this.probe =
      this.numClasses > 1
        ? new OnlineProbe(this.base.encoder.backbone.featureDim, this.numClasses, { seed: cfg.seed })
        : null;
    if (opts.resumeFrom) {
      try {
        this.restore(opts.resumeFrom);
      } catch (e) {
        this.dispose(); // a checkpoint that does not fit: free the variables made above
        throw e;
      }
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
    const sums: Record<string, tf.Scalar> = {};
    let sinceReadback = 0;
    let windowStart = performance.now();
    let windowTrainMs = 0;
    this.started = true;
    // The epoch of the last batch trained: a resumed run re-clusters at the next epoch start, as the original.
    let epochDone = this.resumed ? Math.floor((this.stepsDone - 1) / this.sampler.stepsPerEpoch) : 0;
    // A resumed run shows its restored clusters; a new one is evaluated at random initialisation.
    if (this.resumed) await this.emitClusters();
    else await this.evaluate();
    if (this.base.prepare && !this.resumed) {
      const cfg = this.cfg;
      this.events.status('preparing', `Preparing ${METHODS[cfg.method].label}`);
      const augment: PrepareContext['augment'] = (x) => [
        augmentBatch(x, cfg, this.rng),
        augmentBatch(x, cfg, this.rng),
      ];
      await this.base.prepare({ source: this.source, count: this.sampler.size, cfg, rng: this.rng, augment });
    }
    this.events.status('training', `Training ${METHODS[this.cfg.method].label}`);
    while (!this.stopped && this.stepsDone < this.totalSteps) {
      if (this.paused) {
        windowTrainMs += performance.now() - windowStart;
        this.events.status('paused', 'Paused');
        await this.paused.promise;
        if (this.stopped) break;
        this.events.status('training', `Training ${METHODS[this.cfg.method].label}`);
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
      const cfg = this.cfg; // read afresh each step (no await below until the step is queued)
      const wantPreview = (this.stepsDone + 1) % cfg.readbackEvery === 0;
      const out = tf.tidy(() => {
        const x = toFloatImages(
          batch.pixels,
          cfg.batchSize,
          this.source.manifest.height,
          this.source.manifest.width,
          this.channels,
        );
        const xq = augmentBatch(x, cfg, this.rng);
        const xk = augmentBatch(x, cfg, this.rng);
        const labels = this.probe && batch.labels ? tf.tensor1d(batch.labels, 'int32') : null;
        const r = trainStep({
          base: this.base,
          generators: this.generators,
          cfg,
          input: { xq, xk, indices: batch.indices, rng: this.rng },
          lr: cosineLr(cfg.lr, this.stepsDone, this.totalSteps, cfg.warmupSteps),
          optimizer: this.optimizer,
          probe: this.probe,
          labels,
          previewCount: wantPreview ? PREVIEW_COUNT : 0,
        });
        // Running sums on the GPU: no read-back until the window closes.
        for (const [k, v] of Object.entries(r.metrics)) {
          const prev = sums[k];
          sums[k] = tf.keep(prev ? tf.add(prev, v) : tf.clone(v));
          prev?.dispose();
          v.dispose();
        }
        return r.previews ?? {};
      });
      this.stepsDone++;
      sinceReadback++;
      if (wantPreview || this.stepsDone === this.totalSteps) {
        await this.readBack(
          sums,
          sinceReadback,
          out,
          windowTrainMs + performance.now() - windowStart,
          batch.indices,
        );
        sinceReadback = 0;
        windowTrainMs = 0;
        windowStart = performance.now();
      } else {
        Object.values(out).forEach((t) => t.dispose());
      }
      if (this.events.checkpoint && this.stepsDone % cfg.checkpointEvery === 0)
        this.events.checkpoint(await captureCheckpoint(this));
      await yieldToEvents();
    }
    Object.values(sums).forEach((t) => t.dispose());
    if (!this.stopped) {
      if (this.events.checkpoint && this.stepsDone % this.cfg.checkpointEvery !== 0)
        this.events.checkpoint(await captureCheckpoint(this)); // the last step's, unless just taken
      await this.evaluate();
      this.events.status('done', `Finished ${this.stepsDone} steps`);
    } else {
      this.events.status('stopped', `Stopped after ${this.stepsDone} steps`);
    }
  }

  private async readBack(
    sums: Record<string, tf.Scalar>,
    n: number,
    previews: Record<string, tf.Tensor>,
    windowMs: number,
    batchIndices?: Int32Array,
  ): Promise<void> {
    const keys = Object.keys(sums);
    const data = await Promise.all(keys.map((k) => sums[k]!.data()));
    const values: Record<string, number> = {};
    keys.forEach((k, i) => {
      values[k] = data[i]![0]! / n;
      sums[k]!.dispose();
      delete sums[k];
    });
    this.elapsedMs += windowMs;
    const spe = this.sampler.stepsPerEpoch;
    this.events.metrics({
      step: this.stepsDone,
      epoch: this.stepsDone / spe,
      totalSteps: this.totalSteps,
      lr: cosineLr(this.cfg.lr, this.stepsDone - 1, this.totalSteps, this.cfg.warmupSteps),
      values,
      imagesPerSec: (n * this.cfg.batchSize * 1000) / Math.max(windowMs, 1),
      elapsedMs: this.elapsedMs,
      numTensors: tf.memory().numTensors - Object.keys(previews).length,
    });
    if (Object.keys(previews).length > 0) {
      this.events.preview(
        await readPreviews(
          previews,
          {
            step: this.stepsDone,
            epoch: this.stepsDone / spe,
            labelKind: METHODS[this.cfg.method].family === 'deepcluster' ? 'cluster' : 'key',
            epsilon: this.cfg.epsilon / 255,
          },
          batchIndices,
        ),
      );
    }
  }

  /** Sends cluster sizes and up to 8 member images of the 6 largest clusters (head 0). */
  private async emitClusters(): Promise<void> {
    const stats = this.base.clusterStats?.();
    const assigned = this.base.assignments?.(0);
    if (!stats || !assigned || !this.events.clusters) return;
    const m = this.source.manifest;
    const largest = stats.sizes
      .map((size, cluster) => ({ size, cluster }))
      .sort((a, b) => b.size - a.size)
      .slice(0, 6)
      .filter((c) => c.size > 0);
    const chunkSize = m.splits.train.chunkSize;
    const rowBytes = m.height * m.width * m.channels;
    const chunks = new Map<number, Promise<Chunk>>();
    const members = await Promise.all(
      largest.map(async ({ cluster, size }) => {
        const indices: number[] = [];
        for (let i = 0; i < assigned.length && indices.length < 8; i++)
          if (assigned[i] === cluster) indices.push(i);
        const images = await Promise.all(
          indices.map(async (index): Promise<PreviewImage> => {
            const c = Math.floor(index / chunkSize);
            if (!chunks.has(c)) chunks.set(c, this.source.readChunk('train', c));
            const chunk = await chunks.get(c)!;
            const r = index - chunk.start;
            const pixels = chunk.pixels.slice(r * rowBytes, (r + 1) * rowBytes);
            return { width: m.width, height: m.height, channels: m.channels, pixels };
          }),
        );
        return { cluster, size, images };
      }),
    );
    this.events.clusters({ step: this.stepsDone, stats, members });
  }

  /** Frozen-feature linear probe and kNN on the held-out split (no augmentation). */
  async evaluate(): Promise<EvalPoint | null> {
    if (this.numClasses < 2) return null;
    this.events.status('evaluating', 'Linear probe and kNN on frozen features');
    const trainSet = await this.features('train', this.cfg.probeTrainSize);
    const testSet = await this.features('test', this.cfg.probeTestSize);
    try {
      const lin = await linearProbe(trainSet, testSet, this.numClasses, { seed: this.cfg.seed });
      const knn = await knnAccuracy(
        trainSet,
        testSet,
        this.numClasses,
        this.cfg.knnK,
        this.cfg.knnTemperature,
      );
      const point: EvalPoint = {
        step: this.stepsDone,
        epoch: this.stepsDone / this.sampler.stepsPerEpoch,
        linearTop1: lin.top1,
        knnTop1: knn,
        perClass: lin.perClass,
        confusion: lin.confusion,
      };
      this.events.evaluation(point);
      await this.emitEmbedding(trainSet, testSet);
      return point;
    } finally {
      trainSet.features.dispose();
      testSet.features.dispose();
      if (!this.stopped) this.events.status('training', `Training ${METHODS[this.cfg.method].label}`);
    }
  }

  /**
   * Embedding view: PCA and UMAP of the held-out features coloured by label; clustering methods (once
   * clustered) show the probe's train images coloured by their cluster instead. Never touches this.rng.
   */
  private async emitEmbedding(
    trainSet: { features: tf.Tensor2D; labels: Int32Array },
    testSet: { features: tf.Tensor2D; labels: Int32Array },
  ): Promise<void> {
    if (!this.events.embedding) return;
    const assigned = this.base.assignments?.(0) ?? null;
    const byCluster = assigned !== null && trainSet.features.shape[0] <= assigned.length;
    const set = byCluster ? trainSet : testSet;
    const r = await projectFeatures(set.features, { seed: this.cfg.seed ^ 0x5eed });
    const groups = Array.from(byCluster ? assigned.subarray(0, r.count) : set.labels.subarray(0, r.count));
    const classNames = this.source.manifest.classNames ?? [];
    const names = byCluster
      ? Array.from({ length: Math.max(0, ...groups) + 1 }, (_, c) => `cluster ${c}`)
      : classNames.map(String);
    this.events.embedding({
      step: this.stepsDone,
      epoch: this.stepsDone / this.sampler.stepsPerEpoch,
      split: byCluster ? 'train' : 'test',
      colourBy: byCluster ? 'cluster' : 'label',
      names,
      groups,
      pca: r.pca,
      umap: r.umap,
    });
  }

  /**
   * Gallery: the k nearest of the first ≤256 held-out images to `image` (any size, the dataset's
   * channels) in backbone feature space, inference mode, current weights.
   */
  async neighbours(image: PreviewImage, k = NEIGHBOURS_K): Promise<NeighbourResult> {
    const m = this.source.manifest;
    if (image.channels !== m.channels)
      throw new Error(`neighbours: ${image.channels} channels, expected ${m.channels}`);
    const ref = await this.features('test', Math.min(NEIGHBOUR_REFERENCE, m.splits.test.count));
    const sub = await readSubset(this.source, 'test', ref.features.shape[0]);
    const query = tf.tidy(() => {
      const x = toFloatImages(image.pixels, 1, image.height, image.width, image.channels);
      const sized = tf.image.resizeBilinear(x, [this.cfg.imageSize, this.cfg.imageSize]);
      return this.base.encoder.features(sized, { training: false });
    });
    try {
      const [found] = await nearestNeighbours(query, ref.features, k);
      const rowBytes = m.height * m.width * m.channels;
      return {
        split: 'test',
        reference: ref.features.shape[0],
        neighbours: (found ?? []).map(({ index, similarity }) => ({
          index,
          similarity,
          label: sub.labels ? (sub.labels[index] ?? null) : null,
          image: {
            width: m.width,
            height: m.height,
            channels: m.channels,
            pixels: sub.pixels.slice(index * rowBytes, (index + 1) * rowBytes),
          },
        })),
      };
    } finally {
      query.dispose();
      ref.features.dispose();
    }
  }

  /** Pooled backbone features [N, F] of the first n images of a split, resized to the crop size. */
  private async features(
    split: 'train' | 'test',
    n: number,
  ): Promise<{ features: tf.Tensor2D; labels: Int32Array }> {
    const m = this.source.manifest;
    const sub = await readSubset(this.source, split, n);
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < sub.count; i += FEATURE_BATCH) {
      const b = Math.min(FEATURE_BATCH, sub.count - i);
      const rowBytes = m.height * m.width * m.channels;
      parts.push(
        tf.tidy(() => {
          const x = toFloatImages(
            sub.pixels.subarray(i * rowBytes, (i + b) * rowBytes),
            b,
            m.height,
            m.width,
            m.channels,
          );
          const sized = tf.image.resizeBilinear(x, [this.cfg.imageSize, this.cfg.imageSize]);
          return this.base.encoder.features(sized, { training: false });
        }),
      );
      await yieldToEvents();
    }
    const features = tf.concat(parts) as tf.Tensor2D;
    parts.forEach((p) => p.dispose());
    return { features, labels: sub.labels ?? new Int32Array(sub.count) };
  }

  dispose(): void {
    this.sampler.dispose();
    this.base.dispose();
    this.optimizer.dispose();
    this.probe?.dispose();
  }
}

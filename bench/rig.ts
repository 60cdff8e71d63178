// The bench's training rig: a Trainer of a HEXA method on synthetic data, stepped with the trainer's
// own step, and the timing helpers the bench's measurements share.
import type * as tf from '@tensorflow/tfjs';
import { PRESETS, type TrainConfig } from '../src/shared/config';
import { createMemorySource, syntheticBars } from '../src/engine/data/memorySource';
import { DeepClusterV2 } from '../src/engine/methods/deepClusterV2';
import { METHODS } from '../src/engine/methods/registry';
import { readPreviews } from '../src/engine/training/previews';
import { Trainer, type TrainerEvents } from '../src/engine/training/trainer';
import type { PreviewSet } from '../src/shared/trainingTypes';

// ---- synthetic training data -----------------------------------------------------------------------

export const SIDE = 28; // MNIST-sized, one channel
export const CLASSES = 10;
export const CLASS_NAMES = Array.from({ length: CLASSES }, (_, i) => String(i));
/**
 * Train images a DeepCluster rig uses on presets that use them all (trainLimit 0): its memory bank is
 * filled by a no-grad pass over them before the first step, which on a CPU-emulated adapter takes
 * seconds per batch. The step's own cost does not depend on the bank's size beyond one gather and one
 * scatter of B rows; the re-clustering, which does, is measured apart (reclustering).
 */
export const CLUSTER_RIG_LIMIT = 128;

export const DATA_NOTE =
  'synthetic: syntheticBars 28×28×1 images (10 classes, bright bar on a noisy background) streamed by ' +
  'StreamingSampler from createMemorySource (no IndexedDB in the step timings); the dataset is 1024 ' +
  `images (the tiny preset uses its trainLimit of ${PRESETS.tiny.config.trainLimit}; the DeepCluster rig of a ` +
  `preset that uses every image uses the first ${CLUSTER_RIG_LIMIT})`;

export const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/**
 * The rig's epochs: only the lr schedule and the run's length read them (the bench's runs, countSteps'
 * Trainer.run(), are stopped long before the end), so a run long enough that the cosine decay stays
 * near its peak over the bench's steps, as in a real run's early steps (1000 is the most the settings
 * allow).
 */
export const RIG_EPOCHS = 1000;
export const SILENT: TrainerEvents = { metrics() {}, preview() {}, evaluation() {}, status() {} };

/**
 * A Trainer of a HEXA method on the synthetic data, stepped by the bench with the trainer's own step
 * (sampler.next, then Trainer.stepOnce) and read back with its readMetrics, without run()'s epoch
 * starts, evaluations, read-back cadence or checkpoints. The method's plain counterpart (MoCo-v2,
 * DeepCluster-v2) is the same trainer with both hard-example generators off, which is that method's
 * step (step.test.ts checks it for MoCo): the two are timed on one model, as they share their base.
 */
export class Rig {
  readonly trainer: Trainer;
  private readonly initial: TrainConfig; // the hard-example settings of the HEXA method

  constructor(cfg: TrainConfig) {
    if (METHODS[cfg.method].generators.length === 0)
      throw new Error(`A rig runs a HEXA method, not ${cfg.method}`);
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
    this.trainer = new Trainer({ ...cfg, epochs: RIG_EPOCHS }, source, SILENT);
    this.initial = this.trainer.cfg;
  }

  get cfg(): TrainConfig {
    return this.trainer.cfg;
  }

  /** Hard examples as the config has them (the HEXA method) or both off (its plain counterpart). */
  hardExamples(on: boolean): void {
    const { adversarial, cutmix } = this.initial;
    this.trainer.changeSettings({
      ...this.trainer.cfg,
      adversarial: on && adversarial,
      cutmix: on && cutmix,
    });
  }

  /**
   * DeepCluster only, as Trainer.run before its first step: Trainer.prepare (the no-grad pass that
   * fills the memory bank, synced by a read-back of the bank) and base.onEpochStart(0) (the first
   * spherical k-means, which ends with its own read-back of the assignments; synced again on the
   * prototypes).
   */
  async prepareClusters(): Promise<{ prepareSeconds: number; firstReclusterSeconds: number }> {
    const { base } = this.trainer;
    if (!(base instanceof DeepClusterV2)) throw new Error('prepareClusters needs a DeepCluster rig');
    const tp = performance.now();
    await this.trainer.prepare();
    await base.bankViews()![1].data();
    const prepareS = (performance.now() - tp) / 1000;
    const tc = performance.now();
    await base.onEpochStart(0);
    await base.prototypes[base.heads - 1]!.data();
    return { prepareSeconds: round(prepareS), firstReclusterSeconds: round((performance.now() - tc) / 1000) };
  }

  /** One training step; returns the preview tensors when asked (the caller reads them). */
  async step(wantPreview: boolean): Promise<Record<string, tf.Tensor> | null> {
    const batch = await this.trainer.sampler.next();
    return this.trainer.stepOnce(batch, wantPreview);
  }

  /** The trainer's metric read-back: awaits every running sum (this is the GPU sync) → means. */
  async readMetrics(): Promise<Record<string, number>> {
    const { values } = await this.trainer.readMetrics();
    if (!Number.isFinite(values.loss)) throw new Error(`The training loss is not finite: ${values.loss}`);
    return values;
  }

  async previews(t: Record<string, tf.Tensor>): Promise<PreviewSet> {
    return readPreviews(t, { step: this.trainer.step, epoch: 0, labelKind: 'key' }, this.cfg);
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

export interface Timed {
  steps: number;
  seconds: number;
  meanStepSeconds: number;
  stepsPerSec: number;
  imagesPerSec: number;
}

export function timed(steps: number, ms: number, batchSize: number): Timed {
  const seconds = ms / 1000;
  return {
    steps,
    seconds: round(seconds),
    meanStepSeconds: round(seconds / steps, 4),
    stepsPerSec: round(steps / seconds, 4),
    imagesPerSec: round((batchSize * steps) / seconds, 2),
  };
}

/** Untimed steps, each read back (so each step's own time is known: the first compiles shaders). */
export async function warmUp(
  rig: Rig,
  n: number,
  previewOnLast: boolean,
): Promise<{ stepSeconds: number[]; readPreviewsSeconds: number | null }> {
  const stepSeconds: number[] = [];
  let readPreviewsSeconds: number | null = null;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const prev = await rig.step(previewOnLast && i === n - 1);
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
export async function timeBlock(rig: Rig, n: number): Promise<Timed & { loss: number }> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await rig.step(false);
  const m = await rig.readMetrics();
  return { ...timed(n, performance.now() - t, rig.cfg.batchSize), loss: round(m.loss!, 4) };
}

export const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};

// Fine-tuning a saved run in the worker (the 'finetune' request): its checkpoint's network and, beside
// it, the same seed's random-init network (a Trainer built without a checkpoint), each fine-tuned by
// engine/evaluation/finetune.ts on the same labelled subset; progress (throttled), one finetune-result
// per network, each kept with the run (RunStore.addFinetune). One at a time, never while a run trains.
import { createStoreSource, type ImageStore } from '../engine/data/imageStore';
import type { RunStore } from '../engine/data/runStore';
import { finetune } from '../engine/evaluation/finetune';
import { Trainer } from '../engine/training/trainer';
import type { FinetuneFraction, FinetunePoint } from '../shared/trainingTypes';
import { storageInfo, type Post } from './replies';

export interface FinetuneHost {
  post: Post;
  runs(): Promise<RunStore>;
  images(): ImageStore | null;
  /** Why the GPU is not free now (a run trains, the check runs, the device is lost), or null. */
  gpuBusy(): string | null;
  /** Milliseconds between progress replies (default 250). */
  progressEveryMs?: number;
}

const silent = { metrics: () => {}, preview: () => {}, evaluation: () => {}, status: () => {} };

export class FinetuneJob {
  private runId: string | null = null;
  private stopRequested = false;

  constructor(private readonly host: FinetuneHost) {}

  /** The run being fine-tuned, or null. */
  get running(): string | null {
    return this.runId;
  }

  cancel(): void {
    if (this.runId) this.stopRequested = true;
  }

  /** Fine-tunes run `runId`'s network and its random init at `fraction`; resolves when done or refused. */
  async run(runId: string, fraction: FinetuneFraction, seed: number): Promise<void> {
    const { post } = this.host;
    const fail = (message: string) => post({ type: 'finetune-error', runId, message });
    if (this.runId) return fail('A fine-tuning is already running: wait for it or cancel it.');
    const busy = this.host.gpuBusy();
    if (busy) return fail(busy);
    this.runId = runId;
    this.stopRequested = false;
    try {
      const runs = await this.host.runs();
      const run = await runs.getRun(runId);
      if (!run) throw new Error(`There is no saved run "${runId}".`);
      const ckpt = await runs.getCheckpoint(runId);
      if (!ckpt) throw new Error('This run has no checkpoint yet: train it a few steps first.');
      const images = this.host.images();
      const manifest = await images?.getManifest(run.datasetId);
      if (!images || !manifest)
        throw new Error(`The run's dataset "${run.datasetId}" is no longer stored: it cannot be fine-tuned.`);
      if ((manifest.classNames?.length ?? 0) < 2)
        throw new Error(`The dataset "${manifest.name}" has no labels: fine-tuning needs labelled images.`);
      const cfg = run.config;
      const source = createStoreSource(images, manifest);
      const every = this.host.progressEveryMs ?? 250;
      for (const fromRandomInit of [false, true]) {
        const t = new Trainer(cfg, source, silent, fromRandomInit ? {} : { resumeFrom: ckpt });
        let last = 0;
        let lastStage = '';
        try {
          const r = await finetune(source, t.base.encoder, {
            fraction,
            seed,
            imageSize: cfg.imageSize,
            testSize: cfg.probeTestSize,
            poolSize: cfg.trainLimit,
            shouldStop: () => this.stopRequested,
            onProgress: (p) => {
              const now = Date.now();
              const end = p.done >= p.total;
              if (p.stage === lastStage && !end && now - last < every) return;
              last = now;
              lastStage = p.stage;
              post({ type: 'finetune-progress', runId, progress: { ...p, fraction, fromRandomInit } });
            },
          });
          const point: FinetunePoint = {
            fraction,
            top1: r.top1,
            ...(r.top5 === null ? {} : { top5: r.top5 }),
            fromRandomInit,
            trainCount: r.trainCount,
            testCount: r.testCount,
            step: fromRandomInit ? 0 : ckpt.step,
            seed,
          };
          await runs.addFinetune(runId, point);
          post({ type: 'finetune-result', runId, point });
        } finally {
          t.dispose();
        }
      }
    } catch (e) {
      fail(this.stopRequested ? 'Fine-tuning cancelled.' : `Fine-tuning failed: ${storageInfo(e).message}`);
    } finally {
      this.runId = null;
      this.stopRequested = false;
    }
  }
}

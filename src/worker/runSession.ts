// One run's lifetime in the worker: start (or resume from a checkpoint), pause, resume, stop, live
// settings, the loss of the GPU device, and the hand-off of what the trainer reports (metrics,
// evaluations, events, checkpoints) to the page and to the run's record in the run store. The worker
// (trainWorker.ts) holds one RunSession and only dispatches requests to it; tests drive it in Node on
// the CPU backend with the memory stores (runSession.test.ts).
import { validateConfig, type TrainConfig } from '../shared/config';
import { METHOD_INFO } from '../shared/catalog';
import { capName } from '../shared/schema/run';
import { StorageError } from '../shared/data/storageError';
import type { PreviewImage } from '../shared/trainingTypes';
import { createStoreSource, type ImageStore } from '../engine/data/imageStore';
import { prepareResume, type ResumePoint, type RunStore } from '../engine/data/runStore';
import { Trainer, type TrainerEvents } from '../engine/training/trainer';
import { RunRecorder } from './runRecorder';
import { previewBuffers, storageInfo, type Post } from './replies';

/** What a session needs from the worker around it. */
export interface SessionHost {
  post: Post;
  /** The image store, once open (null before, or when it could not be opened). */
  images(): ImageStore | null;
  /** The run store (opened on first use). */
  runs(): Promise<RunStore>;
  /** After a run ended (done, stopped, failed): the saved runs changed, e.g. to send the runs list. */
  runEnded?(): Promise<void>;
}

/**
 * 'idle': no run; 'starting': a start was accepted and the model is being built (a second start is
 * refused, pause and stop are remembered and applied once the trainer exists); 'training': a trainer
 * runs (paused or not).
 */
export type SessionState = 'idle' | 'starting' | 'training';

export class RunSession {
  private state: SessionState = 'idle';
  private trainer: Trainer | null = null;
  /** The last finished run's trainer: the gallery still searches with its model until the next start. */
  private lastTrainer: Trainer | null = null;
  private recorder: RunRecorder | null = null;
  private datasetId: string | null = null;
  private lost = false;
  /** Requests that came while starting, applied when the trainer exists. */
  private pending: { stop: boolean; pause: boolean } = { stop: false, pause: false };

  constructor(private readonly host: SessionHost) {}

  get phase(): SessionState {
    return this.state;
  }

  /** Whether a run is starting or training (the GPU check and deletions must wait). */
  get busy(): boolean {
    return this.state !== 'idle';
  }

  /** The saved run being trained, or null. */
  get activeRunId(): string | null {
    return this.state === 'training' ? (this.recorder?.runId ?? null) : null;
  }

  /** The dataset the current run trains on (it must not be deleted under it), or null. */
  get trainingOn(): string | null {
    return this.busy ? this.datasetId : null;
  }

  /** Whether the GPU device was lost (then nothing trains again in this worker). */
  get deviceLost(): boolean {
    return this.lost;
  }

  /** A new run of `cfg`, recorded as a new saved run. Resolves when it has ended. */
  start(cfg: TrainConfig): Promise<void> {
    return this.launch(cfg, null);
  }

  /** Continues saved run `id` from its checkpoint. Resolves when it has ended (or was refused). */
  async resumeSaved(id: string): Promise<void> {
    try {
      // Checked before prepareResume, which would drop the history after the checkpoint for nothing.
      if (this.lost) throw new Error('The GPU device was lost: reload the page, then resume this run.');
      if (this.busy) throw new Error('A run is already in progress: stop it first.');
      const point = await prepareResume(await this.host.runs(), id);
      if (!point) throw new Error('This run has no checkpoint to resume from.');
      await this.launch(point.config, point);
    } catch (e) {
      this.host.post({ type: 'run-error', message: storageInfo(e).message });
    }
  }

  pause(): void {
    if (this.state === 'starting') this.pending.pause = true;
    this.trainer?.pause();
  }

  resume(): void {
    this.pending.pause = false;
    this.trainer?.resume();
  }

  stop(): void {
    if (this.state === 'starting') this.pending.stop = true;
    this.trainer?.stop();
  }

  /** Live settings of the running run; the trainer reports the change (a settings event) or it throws. */
  changeSettings(config: TrainConfig): void {
    try {
      if (!this.trainer) throw new Error('No run is training.');
      this.trainer.changeSettings(config);
    } catch (e) {
      this.host.post({ type: 'run-error', message: `Settings not changed: ${(e as Error).message}` });
    }
  }

  /** The GPU device is gone: the run stops (its record is marked interrupted) and the page is told. */
  loseDevice(message: string): void {
    this.lost = true;
    this.trainer?.stop();
    this.host.post({
      type: 'device-lost',
      message: `The GPU device was ${message}. Training stopped; reload the page to start again.`,
    });
  }

  /** Gallery: nearest held-out images of `image`, with the running model or the last finished run's. */
  async neighbours(requestId: number, image: PreviewImage): Promise<void> {
    const t = this.trainer ?? this.lastTrainer;
    try {
      if (!t || this.lost) throw new Error('No model to search with: start a run first.');
      const result = await t.neighbours(image);
      const buffers = result.neighbours.map((n) => n.image.pixels.buffer as ArrayBuffer);
      this.host.post({ type: 'neighbours', requestId, result, error: null }, buffers);
    } catch (e) {
      const error = (e as Error).message ?? String(e);
      this.host.post({ type: 'neighbours', requestId, result: null, error });
    }
  }

  /** Frees the kept model (the last run's). Call when no run is in progress. */
  dispose(): void {
    this.lastTrainer?.dispose();
    this.lastTrainer = null;
  }

  /** The trainer's reports: each to the page, and what the run keeps to its record. */
  private events(): TrainerEvents {
    const post = this.host.post;
    const rec = () => this.recorder;
    return {
      metrics: (point) => {
        post({ type: 'metrics', point });
        rec()?.metrics(point);
      },
      preview: (preview) => post({ type: 'preview', preview }, previewBuffers(preview)),
      evaluation: (point) => {
        post({ type: 'evaluation', point });
        rec()?.evaluation(point);
      },
      clusters: (snapshot) => post({ type: 'clusters', snapshot }),
      settings: (event) => {
        post({ type: 'run-event', event });
        rec()?.event(event);
      },
      embedding: (snapshot) => post({ type: 'embedding', snapshot }),
      baselines: (baselines) => {
        post({ type: 'baselines', baselines });
        rec()?.baselines(baselines);
      },
      status: (phase, message, progress) => post({ type: 'status', phase, message, progress }),
      // Checkpoints are handed to the recorder, which writes them in its queue, after the step.
      checkpoint: (c) => rec()?.checkpoint(c),
    };
  }

  /** Trains `cfg` (from its checkpoint when `resume` is given) while recording the run. */
  private async launch(cfg: TrainConfig, resume: ResumePoint | null): Promise<void> {
    const { post } = this.host;
    const problems = validateConfig(cfg);
    if (problems.length > 0) {
      post({ type: 'run-error', message: problems.map((p) => p.message).join(' ') });
      return;
    }
    if (this.busy) {
      post({ type: 'run-error', message: 'A run is already in progress: stop it first.' });
      return;
    }
    if (this.lost) {
      post({ type: 'run-error', message: 'The GPU device was lost: reload the page to train again.' });
      return;
    }
    this.state = 'starting';
    this.pending = { stop: false, pause: false };
    this.datasetId = cfg.datasetId;
    this.dispose(); // gallery: the previous run's model is no longer inspected
    let trainer: Trainer | null = null;
    try {
      const images = this.host.images();
      if (!images) throw new StorageError('unavailable', 'The dataset store is not open.');
      const manifest = await images.getManifest(cfg.datasetId);
      if (!manifest?.complete) throw new Error(`Dataset "${cfg.datasetId}" is not stored yet.`);
      post({
        type: 'status',
        phase: 'preparing',
        message: resume ? 'Restoring the checkpoint' : 'Building the model',
      });
      const runs = await this.host.runs();
      const warn = (message: string) => post({ type: 'run-error', message });
      trainer = new Trainer(
        cfg,
        createStoreSource(images, manifest),
        this.events(),
        resume ? { resumeFrom: resume.checkpoint } : {},
      );
      this.recorder = resume
        ? RunRecorder.existing(runs, resume.run.id, warn)
        : await RunRecorder.create(
            runs,
            cfg,
            capName(`${METHOD_INFO[cfg.method].label} on ${manifest.name}`),
            trainer.totalSteps,
            warn,
          );
      this.trainer = trainer;
      this.state = 'training';
      post({
        type: 'run-started',
        runId: this.recorder.runId,
        config: cfg,
        resumed: resume
          ? { fromStep: resume.checkpoint.step, lostSteps: resume.lostSteps, run: resume.run }
          : null,
      });
      if (this.pending.stop || this.lost) trainer.stop();
      else if (this.pending.pause) trainer.pause();
      await trainer.run();
      const t = trainer;
      this.recorder.status(this.lost ? 'interrupted' : t.step >= t.totalSteps ? 'done' : 'stopped');
    } catch (e) {
      this.recorder?.status('interrupted');
      post({ type: 'status', phase: 'failed', message: (e as Error).message });
      post({ type: 'run-error', message: storageInfo(e).message });
    } finally {
      await this.recorder?.flush();
      // Gallery: the finished run's model stays for neighbour queries until the next launch.
      if (this.lost) trainer?.dispose();
      else this.lastTrainer = trainer;
      this.trainer = null;
      this.recorder = null;
      this.state = 'idle';
      await this.host.runEnded?.();
    }
  }
}

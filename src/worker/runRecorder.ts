// Saves the current run in IndexedDB as it goes: the record at the start, metric points at each
// read-back, evaluations, settings changed mid-run, checkpoints every `checkpointEvery` steps, and the
// final status. Writes are queued one after another so a slow disk never reorders them, and nothing
// here is awaited by the training loop: a checkpoint (already read back from the GPU) is written in the
// background, at most one at a time, a newer one replacing one still waiting for its turn.
import type { TrainConfig } from '../shared/config';
import type { RunStore } from '../engine/data/runStore';
import type { Checkpoint } from '../engine/training/checkpoint';
import type { RunEvent } from '../shared/runEvents';
import type { Baselines, EvalPoint, MetricsPoint } from '../shared/trainingTypes';
import type { RunRecord, RunStatus } from '../shared/records';

/**
 * `base`, or `base (2)`, `base (3)`… : the first not among `taken`, so that a run duplicated from another
 * (same method, same dataset) does not get its original's default name.
 */
export function distinctRunName(base: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  let k = 2;
  while (names.has(`${base} (${k})`)) k++;
  return `${base} (${k})`;
}

export class RunRecorder {
  private queue: Promise<unknown> = Promise.resolve();
  private failed: string | null = null;
  /** A captured checkpoint waiting for its write to start (a newer one replaces it). */
  private waiting: Checkpoint | null = null;
  /** Settles when the latest checkpoint handed over is written (or its write failed, reported). */
  private checkpointWritten: Promise<void> = Promise.resolve();
  /** The step of the last checkpoint stored by this recorder, and whether the last write failed. */
  private savedStep: number | null = null;
  private checkpointFailed = false;

  private constructor(
    private readonly store: RunStore,
    readonly runId: string,
    private readonly onError: (message: string) => void,
  ) {}

  /** Saves a new run record; `name` is made distinct from the stored runs' names. */
  static async create(
    store: RunStore,
    cfg: TrainConfig,
    name: string,
    totalSteps: number,
    onError: (message: string) => void,
  ): Promise<RunRecorder> {
    const now = Date.now();
    const taken = (await store.listRuns()).map((r) => r.name);
    const run: RunRecord = {
      id: `run-${now}-${Math.floor(Math.random() * 1e6)}`,
      name: distinctRunName(name, taken),
      createdAt: now,
      updatedAt: now,
      config: cfg,
      datasetId: cfg.datasetId,
      status: 'running',
      step: 0,
      totalSteps,
      metrics: [],
      evals: [],
      tags: [],
    };
    await store.saveRun(run);
    return new RunRecorder(store, run.id, onError);
  }

  /** Continues an existing record (a resumed run). */
  static existing(store: RunStore, runId: string, onError: (message: string) => void): RunRecorder {
    return new RunRecorder(store, runId, onError);
  }

  /** Queues a write; resolves when it has run (a failure is reported by `onFailure`, never thrown). */
  private enqueue(write: () => Promise<unknown>, onFailure = (e: unknown) => this.lost(e)): Promise<void> {
    const done = this.queue.then(write).then(() => undefined, onFailure);
    this.queue = done;
    return done;
  }

  /** Report once: training goes on, but the user must know the run is no longer being saved. */
  private lost(e: unknown): void {
    if (this.failed) return;
    this.failed = (e as Error).message;
    this.onError(`This run is no longer being saved: ${this.failed}`);
  }

  metrics(p: MetricsPoint): void {
    void this.enqueue(() => this.store.appendMetrics(this.runId, [p]));
  }

  evaluation(p: EvalPoint): void {
    void this.enqueue(() => this.store.appendMetrics(this.runId, [], [p]));
  }

  baselines(b: Baselines): void {
    void this.enqueue(() => this.store.updateRun(this.runId, { baselines: b }));
  }

  event(e: RunEvent): void {
    void this.enqueue(() => this.store.addEvent(this.runId, e));
  }

  /**
   * Hands over a captured checkpoint to be written in the background; returns at once with a promise
   * that settles when it, or a newer one handed over before its write started, is stored (or failed).
   * At most one checkpoint write runs at a time and at most one waits: a checkpoint still waiting when a
   * newer one comes is dropped (only the latest is kept anyway), so memory stays bounded however slow
   * the disk. A failure (e.g. the quota) is reported, and training and the run's other writes go on.
   */
  checkpoint(c: Checkpoint): Promise<void> {
    const queued = this.waiting !== null;
    this.waiting = c;
    if (queued) return this.checkpointWritten;
    this.checkpointWritten = this.enqueue(
      async () => {
        const next = this.waiting!;
        this.waiting = null;
        await this.store.putCheckpoint(this.runId, next);
        this.savedStep = next.step;
        this.checkpointFailed = false;
      },
      (e) => this.checkpointLost(e),
    );
    return this.checkpointWritten;
  }

  /** A checkpoint that could not be stored: said once until one is stored again; the run goes on. */
  private checkpointLost(e: unknown): void {
    if (this.checkpointFailed) return;
    this.checkpointFailed = true;
    const from = this.savedStep === null ? 'has no checkpoint yet' : `resumes from step ${this.savedStep}`;
    this.onError(
      `A checkpoint of this run could not be saved (${(e as Error).message}). Training goes on and its metrics are still saved; after a reload it ${from}.`,
    );
  }

  /** Settles when the latest checkpoint handed over is stored (or failed: reported, never thrown). */
  checkpointsWritten(): Promise<void> {
    return this.checkpointWritten;
  }

  status(status: RunStatus): void {
    void this.enqueue(() => this.store.updateRun(this.runId, { status }));
  }

  /** Resolves when every queued write has finished (failures are reported, never thrown). */
  flush(): Promise<unknown> {
    return this.queue;
  }
}

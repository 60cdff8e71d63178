// Saves the current run in IndexedDB as it goes: the record at the start, metric points at each
// read-back, evaluations, settings changed mid-run, checkpoints every `checkpointEvery` steps, and the final status. Writes
// are queued one after another so a slow disk never reorders them.
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

  private enqueue(write: () => Promise<unknown>): void {
    this.queue = this.queue.then(write).catch((e: unknown) => {
      // Report once: training goes on, but the user must know the run is no longer being saved.
      if (this.failed) return;
      this.failed = (e as Error).message;
      this.onError(`This run is no longer being saved: ${this.failed}`);
    });
  }

  metrics(p: MetricsPoint): void {
    this.enqueue(() => this.store.appendMetrics(this.runId, [p]));
  }

  evaluation(p: EvalPoint): void {
    this.enqueue(() => this.store.appendMetrics(this.runId, [], [p]));
  }

  baselines(b: Baselines): void {
    this.enqueue(() => this.store.updateRun(this.runId, { baselines: b }));
  }

  event(e: RunEvent): void {
    this.enqueue(() => this.store.addEvent(this.runId, e));
  }

  checkpoint(c: Checkpoint): void {
    this.enqueue(() => this.store.putCheckpoint(this.runId, c));
  }

  status(status: RunStatus): void {
    this.enqueue(() => this.store.updateRun(this.runId, { status }));
  }

  /** Resolves when every queued write has finished. */
  flush(): Promise<unknown> {
    return this.queue;
  }
}

// Training runs in IndexedDB, in the same 'hexa-lab' database as the datasets (object stores `runs` and
// `checkpoints`, schema version 2): each run's config, status and metric history as it goes, and its
// latest checkpoint, so a run survives a reload, a tab crash or a lost GPU device and resumes from the
// checkpoint (losing at most cfg.checkpointEvery steps). Usable from the worker; tests use the Map-based
// twin in testing/memoryRunStore.ts.
import type { IDBPDatabase } from 'idb';
import { upgradeConfig, type TrainConfig } from '../config';
import type { Baselines } from '../training/baselines';
import type { Checkpoint } from '../training/checkpoint';
import type { EvalPoint, MetricsPoint } from '../training/trainer';
import { configAt, type RunEvent } from '../training/runEvents';
import { openHexaDb, type HexaDb } from './imageStore';
import { StorageError, toStorageError } from './storageError';

export type RunStatus = 'running' | 'paused' | 'done' | 'stopped' | 'interrupted';

export interface RunRecord {
  id: string;
  name: string;
  createdAt: number; // ms since epoch
  updatedAt: number;
  config: TrainConfig; // as the run started; `events` hold the settings changed since
  datasetId: string;
  status: RunStatus;
  step: number; // steps done as far as the store knows (the last metrics point, or the checkpoint)
  totalSteps: number;
  metrics: MetricsPoint[];
  evals: EvalPoint[];
  /** Settings changed mid-run and resumptions, oldest first (absent in records saved before them). */
  events?: RunEvent[];
  /** Random-init (BN on data) and raw-pixel probe scores (absent in records saved before them). */
  baselines?: Baselines;
  tags: string[];
  notes?: string;
}

/** One record per run in `checkpoints`: only the latest checkpoint is kept. */
export interface CheckpointRecord {
  runId: string;
  savedAt: number;
  checkpoint: Checkpoint;
}

/** What may change in a run after it is saved. */
export type RunPatch = Partial<Omit<RunRecord, 'id' | 'createdAt'>>;

export interface RunStore {
  /** Creates or replaces the whole record. */
  saveRun(run: RunRecord): Promise<void>;
  /**
   * Appends read-back points in one transaction (call it with batches, not per step) and moves
   * `step` to the last point. Throws StorageError 'not-found' for an unknown run.
   */
  appendMetrics(runId: string, points: MetricsPoint[], evals?: EvalPoint[]): Promise<void>;
  /** Changes fields (status, step, notes …) and updatedAt; returns the new record. 'not-found' if none. */
  updateRun(runId: string, patch: RunPatch): Promise<RunRecord>;
  /** Appends an event (settings change, resumption) in one transaction. 'not-found' if none. */
  addEvent(runId: string, event: RunEvent): Promise<void>;
  renameRun(runId: string, name: string): Promise<void>;
  setTags(runId: string, tags: string[]): Promise<void>;
  /** All runs, newest first. */
  listRuns(): Promise<RunRecord[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Deletes the run and its checkpoint in one transaction. */
  deleteRun(runId: string): Promise<void>;
  /** Replaces the run's checkpoint (only the latest is kept) and records its step in the run. */
  putCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void>;
  getCheckpoint(runId: string): Promise<Checkpoint | undefined>;
  close(): void;
}

export const notFound = (runId: string) =>
  new StorageError('not-found', `The run '${runId}' is no longer stored (it may have been deleted).`);

/** The record after appending points (pure; shared by both stores). */
export function withMetrics(
  run: RunRecord,
  points: MetricsPoint[],
  evals: EvalPoint[],
  now = Date.now(),
): RunRecord {
  const last = points.at(-1)?.step ?? 0;
  return {
    ...run,
    metrics: [...run.metrics, ...points],
    evals: [...run.evals, ...evals],
    step: Math.max(run.step, last),
    updatedAt: now,
  };
}

/** The record with one more event (pure; shared by both stores). */
export const withEvent = (run: RunRecord, e: RunEvent, now = Date.now()): RunRecord => ({
  ...run,
  events: [...(run.events ?? []), e],
  updatedAt: now,
});

/** The record after a checkpoint was stored: `step` never falls behind what the checkpoint holds. */
export const withCheckpoint = (run: RunRecord, c: Checkpoint, now = Date.now()): RunRecord => ({
  ...run,
  step: Math.max(run.step, c.step),
  updatedAt: now,
});

class IdbRunStore implements RunStore {
  constructor(private readonly db: IDBPDatabase<HexaDb>) {}

  async saveRun(run: RunRecord): Promise<void> {
    let tx;
    try {
      tx = this.db.transaction('runs', 'readwrite');
      tx.store.put(run).catch(() => undefined); // failures surface through tx.done with the real cause
      await tx.done;
    } catch (e) {
      throw await this.fail(e, `saving run '${run.name}'`, tx);
    }
  }

  async appendMetrics(runId: string, points: MetricsPoint[], evals: EvalPoint[] = []): Promise<void> {
    if (points.length === 0 && evals.length === 0) return;
    await this.modify(runId, `saving metrics of run '${runId}'`, (r) => withMetrics(r, points, evals));
  }

  updateRun(runId: string, patch: RunPatch): Promise<RunRecord> {
    return this.modify(runId, `updating run '${runId}'`, (r) => ({ ...r, ...patch, updatedAt: Date.now() }));
  }

  async addEvent(runId: string, event: RunEvent): Promise<void> {
    await this.modify(runId, `saving an event of run '${runId}'`, (r) => withEvent(r, event));
  }

  async renameRun(runId: string, name: string): Promise<void> {
    await this.updateRun(runId, { name });
  }

  async setTags(runId: string, tags: string[]): Promise<void> {
    await this.updateRun(runId, { tags: [...tags] });
  }

  async listRuns(): Promise<RunRecord[]> {
    try {
      return (await this.db.getAll('runs')).map(upgradeRun).sort((a, b) => b.createdAt - a.createdAt);
    } catch (e) {
      throw await toStorageError(e, 'listing runs');
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    try {
      const run = await this.db.get('runs', runId);
      return run && upgradeRun(run);
    } catch (e) {
      throw await toStorageError(e, `reading run '${runId}'`);
    }
  }

  async deleteRun(runId: string): Promise<void> {
    let tx;
    try {
      tx = this.db.transaction(['runs', 'checkpoints'], 'readwrite');
      tx.objectStore('runs')
        .delete(runId)
        .catch(() => undefined); // see saveRun
      tx.objectStore('checkpoints')
        .delete(runId)
        .catch(() => undefined);
      await tx.done;
    } catch (e) {
      throw await this.fail(e, `deleting run '${runId}'`, tx);
    }
  }

  async putCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void> {
    const what = `saving a checkpoint of run '${runId}'`;
    let tx;
    try {
      tx = this.db.transaction(['runs', 'checkpoints'], 'readwrite');
      const run = await tx.objectStore('runs').get(runId);
      if (!run) throw notFound(runId);
      tx.objectStore('checkpoints')
        .put({ runId, savedAt: Date.now(), checkpoint })
        .catch(() => undefined); // see saveRun
      tx.objectStore('runs')
        .put(withCheckpoint(run, checkpoint))
        .catch(() => undefined);
      await tx.done;
    } catch (e) {
      throw await this.fail(e, what, tx);
    }
  }

  async getCheckpoint(runId: string): Promise<Checkpoint | undefined> {
    try {
      return (await this.db.get('checkpoints', runId))?.checkpoint;
    } catch (e) {
      throw await toStorageError(e, `reading the checkpoint of run '${runId}'`);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Read-modify-write of one run in one transaction. */
  private async modify(runId: string, what: string, f: (r: RunRecord) => RunRecord): Promise<RunRecord> {
    let tx;
    try {
      tx = this.db.transaction('runs', 'readwrite');
      const run = await tx.store.get(runId);
      if (!run) throw notFound(runId);
      const next = f(run);
      tx.store.put(next).catch(() => undefined); // see saveRun
      await tx.done;
      return next;
    } catch (e) {
      throw await this.fail(e, what, tx);
    }
  }

  /** Aborts the transaction if still open (e.g. after 'not-found') and maps the error. */
  private async fail(e: unknown, what: string, tx?: { error: DOMException | null; abort(): void }) {
    if (e instanceof StorageError) {
      try {
        tx?.abort();
      } catch {
        // already finished
      }
      return e;
    }
    return toStorageError(e, what, tx?.error);
  }
}

/** Opens the run store (the 'hexa-lab' database, migrated to v2 if needed). */
/** A record saved by an older version, its config completed (upgradeConfig). */
export const upgradeRun = (r: RunRecord): RunRecord => {
  const config = upgradeConfig(r.config);
  return config === r.config ? r : { ...r, config };
};

export async function openRunStore(): Promise<RunStore> {
  return new IdbRunStore(await openHexaDb('runs'));
}

/**
 * At start-up, before any run of this session: runs still 'running' or 'paused' belonged to a page or
 * worker that is gone (reload, crash, lost device) and become 'interrupted'. Returns them.
 */
export async function markInterrupted(store: RunStore): Promise<RunRecord[]> {
  const stale = (await store.listRuns()).filter((r) => r.status === 'running' || r.status === 'paused');
  return Promise.all(stale.map((r) => store.updateRun(r.id, { status: 'interrupted' })));
}

export interface ResumePoint {
  run: RunRecord; // the record with the history after the checkpoint dropped, status 'running'
  config: TrainConfig; // the settings in effect at the checkpoint (run.config + the changes up to it)
  checkpoint: Checkpoint;
  lostSteps: number; // steps recorded after the checkpoint, trained again (at most checkpointEvery)
}

/**
 * Prepares a run to be resumed from its checkpoint: metrics, evaluations and events after the
 * checkpoint's step are dropped (those steps are trained again), a 'resume' event is added and the run
 * is marked 'running'. Null when the run or its checkpoint is missing. Pass `checkpoint` to Trainer
 * (resumeFrom) with `config`.
 */
export async function prepareResume(store: RunStore, runId: string): Promise<ResumePoint | null> {
  const [run, checkpoint] = await Promise.all([store.getRun(runId), store.getCheckpoint(runId)]);
  if (!run || !checkpoint) return null;
  const at = checkpoint.step;
  const lostSteps = Math.max(0, run.step - at);
  const kept = (run.events ?? []).filter((e) => e.step <= at);
  const resumed: RunEvent = {
    kind: 'resume',
    step: at,
    epoch: (at * run.config.epochs) / Math.max(1, checkpoint.totalSteps),
    elapsedMs: checkpoint.elapsedMs,
    lostSteps,
  };
  const next = await store.updateRun(runId, {
    status: 'running',
    step: at,
    metrics: run.metrics.filter((p) => p.step <= at),
    evals: run.evals.filter((p) => p.step <= at),
    events: [...kept, resumed],
  });
  return { run: next, config: configAt(run.config, kept, at), checkpoint, lostSteps };
}

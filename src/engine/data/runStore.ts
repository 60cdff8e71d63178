// Training runs in IndexedDB, in the same 'hexa-lab' database as the datasets (object stores `runs` and
// `checkpoints`, schema version 2): each run's config, status and metric history as it goes, and its
// latest checkpoint, so a run survives a reload, a tab crash or a lost GPU device and resumes from the
// checkpoint (losing at most cfg.checkpointEvery steps). Usable from the worker; tests use the Map-based
// twin in testing/memoryRunStore.ts.
import type { IDBPDatabase } from 'idb';
import type { TrainConfig } from '../../shared/config';
import type { Checkpoint } from '../training/checkpoint';
import { configAt, type RunEvent } from '../../shared/runEvents';
import { openHexaDb, type HexaDb } from './imageStore';
import { StorageError, toStorageError } from '../../shared/data/storageError';
import { readRunRecord, recordId, type DamagedRecord } from '../../shared/schema/run';
import { readCheckpointRecord } from '../schema/checkpoint';
import type { EvalPoint, MetricsPoint } from '../../shared/trainingTypes';
import type { RunPatch, RunRecord } from '../../shared/records';

export type { DamagedRecord } from '../../shared/schema/run';

/** One record per run in `checkpoints`: only the latest checkpoint is kept. */
export interface CheckpointRecord {
  runId: string;
  savedAt: number;
  checkpoint: Checkpoint;
}

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
  /** All runs that parse, newest first (damaged records are left out: see scanRuns). */
  listRuns(): Promise<RunRecord[]>;
  /** Every stored record: those that parse (newest first) and those that no longer do, with why. */
  scanRuns(): Promise<{ runs: RunRecord[]; damaged: DamagedRecord[] }>;
  /** The run, checked; StorageError 'corrupt' when its record no longer parses. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The stored record as it is, unchecked (to export a damaged run). */
  getRawRun(runId: string): Promise<unknown>;
  /** Deletes the run and its checkpoint in one transaction. */
  deleteRun(runId: string): Promise<void>;
  /** Replaces the run's checkpoint (only the latest is kept) and records its step in the run. */
  putCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void>;
  getCheckpoint(runId: string): Promise<Checkpoint | undefined>;
  close(): void;
}

export const notFound = (runId: string) =>
  new StorageError('not-found', `The run '${runId}' is no longer stored (it may have been deleted).`);

/** A stored run record checked with the schema; StorageError 'corrupt' (naming the field) if it fails. */
export function checkedRun(raw: unknown, runId: string): RunRecord {
  const r = readRunRecord(raw);
  if (r.ok) return r.value;
  throw new StorageError(
    'corrupt',
    `The saved run '${runId}' is damaged (${r.reason}): export it raw or delete it in the runs list.`,
  );
}

/**
 * Runs already checked, by id, with the `updatedAt` they were checked at: every write through a store
 * moves `updatedAt`, so listing runs again only re-checks the records that changed (checking costs
 * about 5–10 ms per 1,000 metric points).
 */
export type CheckedRuns = Map<string, RunRecord>;

/** Sorts stored records (key, value) into runs that parse, newest first, and damaged ones. */
export function sortRecords(
  entries: readonly [key: unknown, raw: unknown][],
  cache?: CheckedRuns,
): {
  runs: RunRecord[];
  damaged: DamagedRecord[];
} {
  const runs: RunRecord[] = [];
  const damaged: DamagedRecord[] = [];
  const seen = new Set<string>();
  for (const [key, raw] of entries) {
    const known = typeof key === 'string' ? cache?.get(key) : undefined;
    const updatedAt = (raw as { updatedAt?: unknown } | null)?.updatedAt;
    if (known && typeof key === 'string' && known.updatedAt === updatedAt) {
      runs.push(known);
      seen.add(key);
      continue;
    }
    const r = readRunRecord(raw);
    if (r.ok && cache && typeof key === 'string') {
      cache.set(key, r.value);
      seen.add(key);
    }
    if (r.ok) runs.push(r.value);
    else damaged.push({ id: recordId(raw, key), reason: r.reason });
  }
  if (cache) for (const id of [...cache.keys()]) if (!seen.has(id)) cache.delete(id);
  return { runs: runs.sort((a, b) => b.createdAt - a.createdAt), damaged };
}

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
  private readonly checked: CheckedRuns = new Map();
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
    return (await this.scanRuns()).runs;
  }

  async scanRuns(): Promise<{ runs: RunRecord[]; damaged: DamagedRecord[] }> {
    let keys: unknown[];
    let values: unknown[];
    try {
      const tx = this.db.transaction('runs', 'readonly');
      [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll(), tx.done]);
    } catch (e) {
      throw await toStorageError(e, 'listing runs');
    }
    const { runs, damaged } = sortRecords(
      keys.map((k, i) => [k, values[i]]),
      this.checked,
    );
    // Callers may change what they get: hand out copies, the cache keeps its own.
    return { runs: runs.map((r) => structuredClone(r)), damaged };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const raw = await this.getRawRun(runId);
    return raw === undefined ? undefined : structuredClone(this.check(raw, runId));
  }

  async getRawRun(runId: string): Promise<unknown> {
    try {
      return await this.db.get('runs', runId);
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
      const raw = await tx.objectStore('runs').get(runId);
      if (!raw) throw notFound(runId);
      const run = this.check(raw, runId);
      tx.objectStore('checkpoints')
        .put({ runId, savedAt: Date.now(), checkpoint })
        .catch(() => undefined); // see saveRun
      const next = withCheckpoint(run, checkpoint);
      tx.objectStore('runs')
        .put(next)
        .catch(() => undefined);
      await tx.done;
      this.checked.set(runId, next);
    } catch (e) {
      throw await this.fail(e, what, tx);
    }
  }

  async getCheckpoint(runId: string): Promise<Checkpoint | undefined> {
    try {
      const raw: unknown = await this.db.get('checkpoints', runId);
      return raw === undefined ? undefined : readCheckpointRecord(raw, runId).checkpoint;
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
      const raw = await tx.store.get(runId);
      if (!raw) throw notFound(runId);
      const next = f(this.check(raw, runId));
      tx.store.put(next).catch(() => undefined); // see saveRun
      await tx.done;
      this.checked.set(runId, next); // the next append does not check the whole history again
      return structuredClone(next);
    } catch (e) {
      throw await this.fail(e, what, tx);
    }
  }

  /** The stored record checked, or the checked copy kept since its last write (same updatedAt). */
  private check(raw: unknown, runId: string): RunRecord {
    const known = this.checked.get(runId);
    if (known && known.updatedAt === (raw as { updatedAt?: unknown } | null)?.updatedAt) return known;
    const run = checkedRun(raw, runId);
    this.checked.set(runId, run);
    return run;
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

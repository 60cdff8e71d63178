// Training runs in IndexedDB (the 'hexa-lab' database that db.ts opens, schema version 3): per run, its
// record in `runs` (settings, status, events, tags, and the latest values the runs list shows), its
// history one point per record in `metrics` and `evals` (appending writes only the new points), and its
// latest checkpoint in `checkpoints`, so a run survives a reload, a tab crash or a lost GPU device and
// resumes from the checkpoint (losing at most cfg.checkpointEvery steps). Usable from the worker;
// tested in Node over fake-indexeddb (runStore.test.ts).
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import type { TrainConfig } from '../../shared/config';
import type { Checkpoint } from '../training/checkpoint';
import { configAt, type RunEvent } from '../../shared/runEvents';
import {
  HISTORY_STORES,
  historyRange,
  latestOf,
  openHexaDb,
  splitInlineHistory,
  type HexaDb,
  type HexaStore,
  type HistoryRow,
} from './db';
import { StorageError, toStorageError } from '../../shared/data/storageError';
import { readRunRecord, readStoredRun, recordId, type DamagedRecord } from '../../shared/schema/run';
import { readCheckpointRecord } from '../schema/checkpoint';
import type { Checked } from '../../shared/schema/issues';
import type { EvalPoint, FinetunePoint, MetricsPoint } from '../../shared/trainingTypes';
import { mergeFinetune } from '../../shared/evaluation/finetunePoints';
import type { RunLatest, RunPatch, RunRecord, StoredRun } from '../../shared/records';

export type { DamagedRecord } from '../../shared/schema/run';
export type { CheckpointRecord } from './db';

export interface RunStore {
  /** Creates or replaces the whole run, its histories included (a new run, an imported run file). */
  saveRun(run: RunRecord): Promise<void>;
  /**
   * Appends read-back points in one transaction that writes only them and the run's small record (its
   * step moves to the last point, its latest values to the last points). Throws StorageError
   * 'not-found' for an unknown run.
   */
  appendMetrics(runId: string, points: MetricsPoint[], evals?: EvalPoint[]): Promise<void>;
  /** Changes fields (status, step, notes …) and updatedAt; returns the new record. 'not-found' if none. */
  updateRun(runId: string, patch: RunPatch): Promise<StoredRun>;
  /** Appends an event (settings change, resumption) in one transaction. 'not-found' if none. */
  addEvent(runId: string, event: RunEvent): Promise<void>;
  /**
   * Keeps a fine-tuning point with the run, in one transaction: it replaces the older point at the same
   * fraction and init (mergeFinetune). 'not-found' if none.
   */
  addFinetune(runId: string, point: FinetunePoint): Promise<void>;
  renameRun(runId: string, name: string): Promise<void>;
  setTags(runId: string, tags: string[]): Promise<void>;
  /**
   * Drops the history points after `step` and applies `patch`, in one transaction (a run resumed from
   * its checkpoint trains those steps again). Returns the new record. 'not-found' if none.
   */
  rewindRun(runId: string, step: number, patch: RunPatch): Promise<StoredRun>;
  /** The records of the runs that parse, newest first, without histories (damaged ones: scanRuns). */
  listRuns(): Promise<StoredRun[]>;
  /** Every stored run: those whose record parses (newest first) and those that no longer do, with why. */
  scanRuns(): Promise<{ runs: StoredRun[]; damaged: DamagedRecord[] }>;
  /** The whole run, histories assembled, checked; StorageError 'corrupt' (naming the field) if damaged. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The stored run with its histories as they are, unchecked (to export a damaged run). */
  getRawRun(runId: string): Promise<unknown>;
  /** Deletes the run, its history points and its checkpoint in one transaction. */
  deleteRun(runId: string): Promise<void>;
  /** Replaces the run's checkpoint (only the latest is kept) and records its step in the run. */
  putCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void>;
  getCheckpoint(runId: string): Promise<Checkpoint | undefined>;
  close(): void;
}

export const notFound = (runId: string) =>
  new StorageError('not-found', `The run '${runId}' is no longer stored (it may have been deleted).`);

const damagedRun = (runId: string, reason: string) =>
  new StorageError(
    'corrupt',
    `The saved run '${runId}' is damaged (${reason}): export it raw or delete it in the runs list.`,
  );

/** A whole run record checked with the schema; StorageError 'corrupt' (naming the field) if it fails. */
export function checkedRun(raw: unknown, runId: string): RunRecord {
  const r = readRunRecord(raw);
  if (r.ok) return r.value;
  throw damagedRun(runId, r.reason);
}

/** The record the `runs` store keeps of a whole run: no histories, their latest values. */
export function storedRunOf(run: RunRecord): StoredRun {
  const { metrics, evals, ...rest } = run;
  return { ...rest, latest: latestOf(metrics, evals) };
}

/** A run's histories still inline in its record (the version-2 shape: see readStored). */
interface InlineHistory {
  metrics: MetricsPoint[];
  evals: EvalPoint[];
}

/**
 * A value of the `runs` store, checked: a version-3 record, or one still in the version-2 shape (its
 * histories inline: the upgrade moves them all, but a record written straight into the store, by a test
 * or by hand, may still have them). Such a record is checked whole and read as before; its next write
 * moves its histories out.
 */
export function readStored(raw: unknown): Checked<{ run: StoredRun; inline: InlineHistory | null }> {
  if (splitInlineHistory(raw)) {
    const r = readRunRecord(raw);
    if (!r.ok) return r;
    return {
      ok: true,
      value: { run: storedRunOf(r.value), inline: { metrics: r.value.metrics, evals: r.value.evals } },
    };
  }
  const r = readStoredRun(raw);
  return r.ok ? { ok: true, value: { run: r.value, inline: null } } : r;
}

function checkedStored(raw: unknown, runId: string) {
  const r = readStored(raw);
  if (r.ok) return r.value;
  throw damagedRun(runId, r.reason);
}

/** Sorts stored `runs` values (key, value) into runs whose record parses, newest first, and damaged ones. */
export function sortRecords(entries: readonly [key: unknown, raw: unknown][]): {
  runs: StoredRun[];
  damaged: DamagedRecord[];
} {
  const runs: StoredRun[] = [];
  const damaged: DamagedRecord[] = [];
  for (const [key, raw] of entries) {
    const r = readStored(raw);
    if (r.ok) runs.push(r.value.run);
    else damaged.push({ id: recordId(raw, key), reason: r.reason });
  }
  return { runs: runs.sort((a, b) => b.createdAt - a.createdAt), damaged };
}

/** The latest values after appending these points (pure). */
export function latestAfter(latest: RunLatest, points: readonly MetricsPoint[], evals: readonly EvalPoint[]) {
  const next = latestOf(points, evals);
  return {
    loss: points.length > 0 ? next.loss : latest.loss,
    linearTop1: evals.length > 0 ? next.linearTop1 : latest.linearTop1,
    knnTop1: evals.length > 0 ? next.knnTop1 : latest.knnTop1,
  };
}

/** `raw` with its history `key` completed by the rows (unchecked: for raw exports). */
function withRows(raw: Record<string, unknown>, key: 'metrics' | 'evals', rows: unknown[]) {
  const inline = raw[key];
  if (Array.isArray(inline)) return [...(inline as unknown[]), ...rows];
  return inline !== undefined && rows.length === 0 ? inline : rows;
}

type RunTx = IDBPTransaction<HexaDb, HexaStore[], 'readwrite'>;
const RUN_STORES: HexaStore[] = ['runs', ...HISTORY_STORES];
const ignore = () => undefined; // failures surface through tx.done with the real cause

class IdbRunStore implements RunStore {
  constructor(private readonly db: IDBPDatabase<HexaDb>) {}

  async saveRun(run: RunRecord): Promise<void> {
    let tx: RunTx | undefined;
    try {
      tx = this.db.transaction(RUN_STORES, 'readwrite');
      for (const name of HISTORY_STORES) tx.objectStore(name).delete(historyRange(run.id)).catch(ignore);
      this.putRows(tx, run.id, 0, run.metrics, run.evals);
      tx.objectStore('runs').put(storedRunOf(run)).catch(ignore);
      await tx.done;
    } catch (e) {
      throw await this.fail(e, `saving run '${run.name}'`, tx);
    }
  }

  async appendMetrics(runId: string, points: MetricsPoint[], evals: EvalPoint[] = []): Promise<void> {
    if (points.length === 0 && evals.length === 0) return;
    await this.modify(runId, `saving metrics of run '${runId}'`, async (run, tx) => {
      const [m, e] = await Promise.all(HISTORY_STORES.map((name) => this.nextSeq(tx, name, runId)));
      this.putRows(tx, runId, m!, points, [], e!);
      this.putRows(tx, runId, m!, [], evals, e!);
      const last = points.at(-1)?.step ?? 0;
      return { ...run, step: Math.max(run.step, last), latest: latestAfter(run.latest, points, evals) };
    });
  }

  updateRun(runId: string, patch: RunPatch): Promise<StoredRun> {
    return this.modify(runId, `updating run '${runId}'`, (r) => ({ ...r, ...patch }));
  }

  async addEvent(runId: string, event: RunEvent): Promise<void> {
    await this.modify(runId, `saving an event of run '${runId}'`, (r) => ({
      ...r,
      events: [...(r.events ?? []), event],
    }));
  }

  async addFinetune(runId: string, point: FinetunePoint): Promise<void> {
    await this.modify(runId, `saving a fine-tuning result of run '${runId}'`, (r) => ({
      ...r,
      finetunes: mergeFinetune(r.finetunes ?? [], point),
    }));
  }

  async renameRun(runId: string, name: string): Promise<void> {
    await this.updateRun(runId, { name });
  }

  async setTags(runId: string, tags: string[]): Promise<void> {
    await this.updateRun(runId, { tags: [...tags] });
  }

  rewindRun(runId: string, step: number, patch: RunPatch): Promise<StoredRun> {
    return this.modify(runId, `rewinding run '${runId}' to step ${step}`, async (run, tx) => {
      const kept: unknown[][] = [];
      for (const name of HISTORY_STORES) {
        let last: unknown;
        const rows = tx.objectStore(name);
        for (let c = await rows.openCursor(historyRange(runId)); c; c = await c.continue()) {
          if (c.value.point.step > step) c.delete().catch(ignore);
          else last = c.value.point;
        }
        kept.push(last === undefined ? [] : [last]);
      }
      return { ...run, ...patch, latest: latestOf(kept[0]!, kept[1]!) };
    });
  }

  async listRuns(): Promise<StoredRun[]> {
    return (await this.scanRuns()).runs;
  }

  async scanRuns(): Promise<{ runs: StoredRun[]; damaged: DamagedRecord[] }> {
    let keys: unknown[];
    let values: unknown[];
    try {
      const tx = this.db.transaction('runs', 'readonly');
      [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll(), tx.done]);
    } catch (e) {
      throw await toStorageError(e, 'listing runs');
    }
    return sortRecords(keys.map((k, i) => [k, values[i]]));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const raw = await this.getRawRun(runId);
    return raw === undefined ? undefined : checkedRun(raw, runId);
  }

  async getRawRun(runId: string): Promise<unknown> {
    let raw: unknown;
    let rows: unknown[][];
    try {
      const tx = this.db.transaction(RUN_STORES, 'readonly');
      const range = historyRange(runId);
      [raw, ...rows] = await Promise.all([
        tx.objectStore('runs').get(runId),
        ...HISTORY_STORES.map((name) => tx.objectStore(name).getAll(range)),
      ]);
      await tx.done;
    } catch (e) {
      throw await toStorageError(e, `reading run '${runId}'`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
    const points = (i: number) => (rows[i] as HistoryRow<unknown>[]).map((r) => r.point);
    const record = raw as Record<string, unknown>;
    return {
      ...record,
      metrics: withRows(record, 'metrics', points(0)),
      evals: withRows(record, 'evals', points(1)),
    };
  }

  async deleteRun(runId: string): Promise<void> {
    let tx: RunTx | undefined;
    try {
      tx = this.db.transaction([...RUN_STORES, 'checkpoints'], 'readwrite');
      tx.objectStore('runs').delete(runId).catch(ignore);
      tx.objectStore('checkpoints').delete(runId).catch(ignore);
      for (const name of HISTORY_STORES) tx.objectStore(name).delete(historyRange(runId)).catch(ignore);
      await tx.done;
    } catch (e) {
      throw await this.fail(e, `deleting run '${runId}'`, tx);
    }
  }

  async putCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void> {
    const what = `saving a checkpoint of run '${runId}'`;
    await this.modify(
      runId,
      what,
      (run, tx) => {
        tx.objectStore('checkpoints').put({ runId, savedAt: Date.now(), checkpoint }).catch(ignore);
        return { ...run, step: Math.max(run.step, checkpoint.step) };
      },
      ['checkpoints'],
    );
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

  /** The seq after the run's last row in `name` (0 for none): one key read, whatever the history's length. */
  private async nextSeq(tx: RunTx, name: (typeof HISTORY_STORES)[number], runId: string): Promise<number> {
    const c = await tx.objectStore(name).openKeyCursor(historyRange(runId), 'prev');
    return c ? (c.key as [string, number])[1] + 1 : 0;
  }

  /** Queues puts of history rows numbered from `seq` (metrics) and `evalSeq` (evals). */
  private putRows(
    tx: RunTx,
    runId: string,
    seq: number,
    metrics: MetricsPoint[],
    evals: EvalPoint[],
    evalSeq = seq,
  ) {
    metrics.forEach(
      (point, i) =>
        void tx
          .objectStore('metrics')
          .put({ runId, seq: seq + i, point })
          .catch(ignore),
    );
    evals.forEach(
      (point, i) =>
        void tx
          .objectStore('evals')
          .put({ runId, seq: evalSeq + i, point })
          .catch(ignore),
    );
  }

  /**
   * Read-modify-write of one run's record in one transaction (over `runs`, the history stores and
   * `extra`); `f` may queue more writes in it. A record still holding its histories inline has them
   * moved out first (numbered below any rows, so they stay first). Moves updatedAt.
   */
  private async modify(
    runId: string,
    what: string,
    f: (r: StoredRun, tx: RunTx) => StoredRun | Promise<StoredRun>,
    extra: HexaStore[] = [],
  ): Promise<StoredRun> {
    let tx: RunTx | undefined;
    try {
      tx = this.db.transaction([...RUN_STORES, ...extra], 'readwrite');
      const raw = await tx.objectStore('runs').get(runId);
      if (raw === undefined) throw notFound(runId);
      const { run, inline } = checkedStored(raw, runId);
      if (inline)
        this.putRows(tx, runId, -inline.metrics.length, inline.metrics, inline.evals, -inline.evals.length);
      const next = { ...(await f(run, tx)), updatedAt: Date.now() };
      tx.objectStore('runs').put(next).catch(ignore);
      await tx.done;
      return next;
    } catch (e) {
      throw await this.fail(e, what, tx);
    }
  }

  /**
   * Aborts the transaction if still open (after 'not-found', or a put that threw at once, such as a
   * DataCloneError, so that none of its other writes land) and maps the error.
   */
  private async fail(
    e: unknown,
    what: string,
    tx?: { error: DOMException | null; abort(): void; done: Promise<void> },
  ) {
    const inner = tx?.error;
    tx?.done.catch(ignore); // rejects with the abort below
    try {
      tx?.abort();
    } catch {
      // already finished
    }
    return e instanceof StorageError ? e : toStorageError(e, what, inner);
  }
}

/** Opens the run store (the 'hexa-lab' database, upgraded to the current version if needed). */
export async function openRunStore(): Promise<RunStore> {
  return new IdbRunStore(await openHexaDb('runs'));
}

/**
 * At start-up, before any run of this session: runs still 'running' or 'paused' belonged to a page or
 * worker that is gone (reload, crash, lost device) and become 'interrupted'. Returns them.
 */
export async function markInterrupted(store: RunStore): Promise<StoredRun[]> {
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
 * is marked 'running', in one transaction. Null when the run or its checkpoint is missing. Pass `checkpoint` to Trainer
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
  await store.rewindRun(runId, at, { status: 'running', step: at, events: [...kept, resumed] });
  const next = await store.getRun(runId);
  if (!next) return null; // deleted meanwhile
  return { run: next, config: configAt(run.config, kept, at), checkpoint, lostSteps };
}

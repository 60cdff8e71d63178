// The 'hexa-lab' IndexedDB database: its name, version, object stores and the upgrade steps from every
// older version. The dataset store (imageStore.ts) and the run store (runStore.ts) both open it here;
// neither imports the other.
//
// Versions:
//   1: manifests (one per dataset), chunks (its images, hundreds per record).
//   2: + runs (one record per run, histories inline), checkpoints (the latest of each run).
//   3: + metrics, evals (one record per history point, keyed [runId, seq]); `runs` records lose their
//      histories and gain `latest` (what the runs list shows), moved by the upgrade below.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { Checkpoint } from '../training/checkpoint';
import { StorageError, toStorageError } from '../../shared/data/storageError';
import type { Chunk, DatasetManifest, SplitName } from '../../shared/data/types';
import type { EvalPoint, MetricsPoint } from '../../shared/trainingTypes';
import type { RunLatest, StoredRun } from '../../shared/records';

export const DB_NAME = 'hexa-lab';
/** The database version this app opens (and upgrades older ones to). */
export const DB_VERSION = 3;

type ChunkKey = [datasetId: string, split: SplitName, index: number];

/** One record per run in `checkpoints`: only the latest checkpoint is kept. */
export interface CheckpointRecord {
  runId: string;
  savedAt: number;
  checkpoint: Checkpoint;
}

/**
 * One point of a run's history in `metrics` or `evals`, keyed [runId, seq]: seq counts the run's points
 * from 0 in the order they were appended, so a run's history is one key range read in order, appending
 * writes only the new points, and deleting a run deletes one range.
 */
export interface HistoryRow<P> {
  runId: string;
  seq: number;
  point: P;
}
export type HistoryKey = [runId: string, seq: number];

/** The whole 'hexa-lab' database. */
export interface HexaDb extends DBSchema {
  manifests: { key: string; value: DatasetManifest };
  chunks: { key: ChunkKey; value: Chunk };
  runs: { key: string; value: StoredRun };
  checkpoints: { key: string; value: CheckpointRecord };
  metrics: { key: HistoryKey; value: HistoryRow<MetricsPoint> };
  evals: { key: HistoryKey; value: HistoryRow<EvalPoint> };
}

export type HexaStore = StoreNames<HexaDb>;
export const HISTORY_STORES = ['metrics', 'evals'] as const;

/** Every key [runId, …] of a run's history: arrays sort after numbers, so [runId, []] lies above them all. */
export function historyRange(runId: string): IDBKeyRange {
  return IDBKeyRange.bound([runId], [runId, []]);
}

/** What the runs list shows of these histories (points as stored: unchecked, so read defensively). */
export function latestOf(metrics: readonly unknown[], evals: readonly unknown[]): RunLatest {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const m = metrics.at(-1) as { values?: { loss?: unknown } } | null | undefined;
  const e = evals.at(-1) as { linearTop1?: unknown; knnTop1?: unknown } | null | undefined;
  return { loss: num(m?.values?.loss), linearTop1: num(e?.linearTop1), knnTop1: num(e?.knnTop1) };
}

/**
 * A stored run record in the version-2 shape (histories inline), split into its version-3 record and
 * its histories; null for a value that holds no history list (a v3 record, or one too damaged to have
 * any: it is left as it is, and listed as damaged with its reason). A `metrics` or `evals` field that is
 * not a list stays in the record, so the damage is still reported.
 */
export function splitInlineHistory(
  raw: unknown,
): { head: Record<string, unknown>; metrics: unknown[]; evals: unknown[] } | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const { metrics, evals, ...rest } = raw as Record<string, unknown>;
  const hasMetrics = Array.isArray(metrics);
  const hasEvals = Array.isArray(evals);
  if (!hasMetrics && !hasEvals) return null;
  const head: Record<string, unknown> = { ...rest };
  if (!hasMetrics && metrics !== undefined) head.metrics = metrics;
  if (!hasEvals && evals !== undefined) head.evals = evals;
  const m = hasMetrics ? (metrics as unknown[]) : [];
  const e = hasEvals ? (evals as unknown[]) : [];
  head.latest = latestOf(m, e);
  return { head, metrics: m, evals: e };
}

type UpgradeTx = IDBPTransaction<HexaDb, HexaStore[], 'versionchange'>;

/** Version 2 → 3: every run's histories move out of its record, one row per point, in order. */
async function moveHistories(tx: UpgradeTx): Promise<void> {
  const runs = tx.objectStore('runs');
  const metrics = tx.objectStore('metrics');
  const evals = tx.objectStore('evals');
  for (let c = await runs.openCursor(); c; c = await c.continue()) {
    const split = splitInlineHistory(c.value);
    if (!split || typeof c.primaryKey !== 'string') continue;
    const runId = c.primaryKey;
    // A failed request aborts the upgrade (and opening fails with the reason): nothing is half-moved.
    const ignore = () => undefined;
    split.metrics.forEach((point, seq) => {
      metrics.put({ runId, seq, point } as HistoryRow<MetricsPoint>).catch(ignore);
    });
    split.evals.forEach((point, seq) => {
      evals.put({ runId, seq, point } as HistoryRow<EvalPoint>).catch(ignore);
    });
    c.update(split.head as unknown as StoredRun).catch(ignore);
  }
}

/**
 * The upgrade ladder, one step per version, so that a browser holding any older version is brought up
 * to date in order; later steps never touch what earlier ones made except to move data forward. Add
 * `if (oldVersion < 4)` below when DB_VERSION becomes 4. Runs inside the versionchange transaction:
 * if any step fails, the whole upgrade is undone and the database stays at its old version.
 */
export function upgradeHexaDb(db: IDBPDatabase<HexaDb>, oldVersion: number, tx: UpgradeTx): void {
  if (oldVersion < 1) {
    db.createObjectStore('manifests', { keyPath: 'id' });
    db.createObjectStore('chunks', { keyPath: ['datasetId', 'split', 'index'] });
  }
  if (oldVersion < 2) {
    db.createObjectStore('runs', { keyPath: 'id' });
    db.createObjectStore('checkpoints', { keyPath: 'runId' });
  }
  if (oldVersion < 3) {
    db.createObjectStore('metrics', { keyPath: ['runId', 'seq'] });
    db.createObjectStore('evals', { keyPath: ['runId', 'seq'] });
    if (oldVersion >= 2)
      moveHistories(tx).catch(() => {
        try {
          tx.abort(); // opening fails with the reason; nothing was changed
        } catch {
          // already finished
        }
      });
  }
}

/**
 * Opens (creating or upgrading) the 'hexa-lab' database; `what` ('datasets', 'runs') names what it is
 * for in messages. Throws StorageError 'unavailable' when it cannot.
 */
export async function openHexaDb(what: string): Promise<IDBPDatabase<HexaDb>> {
  if (typeof indexedDB === 'undefined') {
    throw new StorageError(
      'unavailable',
      `This browser offers no IndexedDB storage here (storage may be disabled or the window private), so ${what} cannot be stored.`,
    );
  }
  try {
    const db: IDBPDatabase<HexaDb> = await openDB<HexaDb>(DB_NAME, DB_VERSION, {
      upgrade: (d, oldVersion, _newVersion, tx) => upgradeHexaDb(d, oldVersion, tx),
      // A newer app version in another tab wants to upgrade: let it, rather than block it forever.
      blocking: () => db.close(),
    });
    return db;
  } catch (e) {
    const err = await toStorageError(e, `opening the store of ${what}`);
    if (err.kind === 'other') throw new StorageError('unavailable', err.message, { cause: e });
    throw err;
  }
}

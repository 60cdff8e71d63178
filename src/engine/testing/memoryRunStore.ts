// An in-memory RunStore for unit tests: the same contract as the IndexedDB run store (records are
// copied in and out as structured clone does, one checkpoint per run, 'not-found' for unknown runs,
// closed stores throw 'unavailable').
import {
  checkedRun,
  notFound,
  sortRecords,
  withCheckpoint,
  withEvent,
  withMetrics,
  type CheckpointRecord,
  type RunStore,
} from '../data/runStore';
import { StorageError } from '../../shared/data/storageError';
import type { RunRecord } from '../../shared/records';

export interface MemoryRunStore extends RunStore {
  /** Stored checkpoints by run id (the records themselves: do not modify). */
  readonly checkpoints: ReadonlyMap<string, CheckpointRecord>;
  /** Successful appendMetrics calls so far (each is one transaction in IndexedDB). */
  readonly appendCalls: number;
  /** Stores any value as the record of `runId` (a damaged or older record, for tests). */
  putRaw(runId: string, raw: unknown): void;
}

export function createMemoryRunStore(): MemoryRunStore {
  const runs = new Map<string, unknown>(); // as stored: records are checked when read
  const checkpoints = new Map<string, CheckpointRecord>();
  let appendCalls = 0;
  let closed = false;

  const open = (what: string) => {
    if (closed)
      throw new StorageError('unavailable', `Browser storage (IndexedDB) is not available while ${what}.`);
  };
  const get = (runId: string) => {
    const r = runs.get(runId);
    if (!r) throw notFound(runId);
    return checkedRun(r, runId);
  };
  const put = (r: RunRecord) => {
    runs.set(r.id, structuredClone(r));
    return structuredClone(r);
  };

  const store: MemoryRunStore = {
    checkpoints,
    get appendCalls() {
      return appendCalls;
    },

    async saveRun(run) {
      open(`saving run '${run.name}'`);
      put(run);
    },

    async appendMetrics(runId, points, evals = []) {
      if (points.length === 0 && evals.length === 0) return;
      open(`saving metrics of run '${runId}'`);
      put(withMetrics(get(runId), structuredClone(points), structuredClone(evals)));
      appendCalls++;
    },

    async updateRun(runId, patch) {
      open(`updating run '${runId}'`);
      return put({ ...get(runId), ...structuredClone(patch), updatedAt: Date.now() });
    },

    async addEvent(runId, event) {
      open(`saving an event of run '${runId}'`);
      put(withEvent(get(runId), structuredClone(event)));
    },

    async renameRun(runId, name) {
      await store.updateRun(runId, { name });
    },

    async setTags(runId, tags) {
      await store.updateRun(runId, { tags: [...tags] });
    },

    putRaw(runId, raw) {
      runs.set(runId, structuredClone(raw));
    },

    async listRuns() {
      return (await store.scanRuns()).runs;
    },

    async scanRuns() {
      open('listing runs');
      return sortRecords([...runs.entries()].map(([k, r]) => [k, structuredClone(r)]));
    },

    async getRun(runId) {
      open(`reading run '${runId}'`);
      const r = runs.get(runId);
      return r === undefined ? undefined : checkedRun(structuredClone(r), runId);
    },

    async getRawRun(runId) {
      open(`reading run '${runId}'`);
      return structuredClone(runs.get(runId));
    },

    async deleteRun(runId) {
      open(`deleting run '${runId}'`);
      runs.delete(runId);
      checkpoints.delete(runId);
    },

    async putCheckpoint(runId, checkpoint) {
      open(`saving a checkpoint of run '${runId}'`);
      const run = get(runId);
      checkpoints.set(runId, { runId, savedAt: Date.now(), checkpoint: structuredClone(checkpoint) });
      put(withCheckpoint(run, checkpoint));
    },

    async getCheckpoint(runId) {
      open(`reading the checkpoint of run '${runId}'`);
      const c = checkpoints.get(runId);
      return c && structuredClone(c.checkpoint);
    },

    close() {
      closed = true;
    },
  };
  return store;
}

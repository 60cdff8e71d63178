// The saved runs (stored in IndexedDB, listed by the worker), which one is training now, and run-file
// imports. (The live run's data is liveRunStore.ts; the records themselves are engine/data/runStore.ts.)
import { create } from 'zustand';
import type { DamagedRecord, RunSummary } from '../shared/protocol';
import type { NoticeTone, RunImportPhase } from '../shared/protocol';

export interface RunImportProgress {
  phase: 'read' | RunImportPhase; // reading the file on the page, checking it, storing it (worker)
  done: number; // bytes read (phase 'read')
  total: number; // bytes of the file
}

interface SavedRunsState {
  runs: RunSummary[];
  /** Stored run records that no longer parse, with the reason (exportable raw, deletable). */
  damaged: DamagedRecord[];
  activeRunId: string | null;
  resumed: { fromStep: number; lostSteps: number } | null; // set when the active run was resumed
  importing: RunImportProgress | null; // a run-file import in progress
  importNote: { tone: NoticeTone; message: string } | null; // the last import's outcome
}

export const useSavedRuns = create<SavedRunsState>(() => ({
  runs: [],
  damaged: [],
  activeRunId: null,
  resumed: null,
  importing: null,
  importNote: null,
}));

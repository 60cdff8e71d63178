// The saved runs (stored in IndexedDB, listed by the worker), which one is training now, and run-file
// imports. (The live run's data is liveRunStore.ts; the records themselves are engine/data/runStore.ts.)
import { create } from 'zustand';
import type { DamagedRecord, RunSummary } from '../shared/protocol';
import type { NoticeTone, RunImportPhase } from '../shared/protocol';
import type { FinetuneFraction, FinetuneProgressInfo } from '../shared/trainingTypes';

/** The fine-tuning of a saved run: in progress (progress set once the worker reports), or its failure. */
export interface FinetuneState {
  runId: string;
  fraction: FinetuneFraction;
  running: boolean;
  progress: FinetuneProgressInfo | null;
  error: string | null; // why it failed, was refused or cancelled
}

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
  finetune: FinetuneState | null; // the latest fine-tuning (one at a time)
}

export const useSavedRuns = create<SavedRunsState>(() => ({
  runs: [],
  damaged: [],
  activeRunId: null,
  resumed: null,
  importing: null,
  importNote: null,
  finetune: null,
}));

// Saved runs (IndexedDB, listed by the worker) and which one is training now.
import { create } from 'zustand';
import type { RunSummary } from '../worker/protocol';

interface RunsState {
  runs: RunSummary[];
  activeRunId: string | null;
  resumed: { fromStep: number; lostSteps: number } | null; // set when the active run was resumed
}

export const useRunsStore = create<RunsState>(() => ({ runs: [], activeRunId: null, resumed: null }));

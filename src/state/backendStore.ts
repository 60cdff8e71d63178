import { create } from 'zustand';
import type { BackendName, BackendReport, ConformanceReport } from '../shared/backendTypes';
import type { CheckPhase } from '../shared/protocol';

interface BackendState {
  requested: BackendName | null;
  report: BackendReport | null;
  error: { backend: BackendName; message: string } | null;
  deviceLost: string | null;
  /** "Check this GPU": null until asked. */
  check: {
    phase: CheckPhase;
    log: string[];
    message: string;
    report: ConformanceReport | null;
  } | null;
}

export const useBackendStore = create<BackendState>(() => ({
  requested: null,
  report: null,
  error: null,
  deviceLost: null,
  check: null,
}));

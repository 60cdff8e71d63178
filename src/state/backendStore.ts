import { create } from 'zustand';
import type { AdapterInfo, BackendName, BackendReport, ConformanceReport } from '../shared/backendTypes';
import type { CheckPhase } from '../shared/protocol';

interface BackendState {
  requested: BackendName | null;
  report: BackendReport | null;
  error: { backend: BackendName; message: string } | null;
  deviceLost: string | null;
  /**
   * The software WebGPU adapter the lab left for WebAssembly by itself at start (no backend in the link,
   * nothing chosen by hand), or null: the panel says why and offers WebGPU anyway.
   */
  switchedFrom: AdapterInfo | null;
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
  switchedFrom: null,
  check: null,
}));

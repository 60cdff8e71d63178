import { create } from 'zustand';
import type { BackendName, BackendReport } from '../worker/protocol';

interface BackendState {
  requested: BackendName | null;
  report: BackendReport | null;
  error: { backend: BackendName; message: string } | null;
  deviceLost: string | null;
}

export const useBackendStore = create<BackendState>(() => ({
  requested: null,
  report: null,
  error: null,
  deviceLost: null,
}));

import { create } from 'zustand';
import type { DatasetManifest, StorageErrorInfo } from '../worker/protocol';

interface DatasetState {
  manifests: DatasetManifest[];
  usage: { usage: number; quota: number } | null;
  progress: { datasetId: string; done: number; total: number; phase: string } | null;
  error: StorageErrorInfo | null;
}

export const useDatasetStore = create<DatasetState>(() => ({
  manifests: [],
  usage: null,
  progress: null,
  error: null,
}));

export const isReady = (s: DatasetState, id: string) => s.manifests.some((m) => m.id === id && m.complete);

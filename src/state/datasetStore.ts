import { create } from 'zustand';
import type { DamagedRecord, DatasetManifest, ImportReport, StorageErrorInfo } from '../shared/protocol';
import type { ClassThumbnails } from '../shared/trainingTypes';
import type { NoticeTone } from '../shared/protocol';

interface DatasetState {
  manifests: DatasetManifest[];
  /** Stored manifests that no longer parse, with the reason (deletable). */
  damaged: DamagedRecord[];
  /** True once the worker has listed the stored datasets (until then, storage is still opening). */
  listed: boolean;
  usage: { usage: number; quota: number } | null;
  progress: { datasetId: string; name: string; done: number; total: number; phase: string } | null;
  error: StorageErrorInfo | null;
  thumbnails: Record<string, ClassThumbnails[]>; // by dataset id, fetched on demand
  notice: { tone: NoticeTone; message: string } | null; // outcome of the last library action
  persisted: boolean | null; // answer of navigator.storage.persist(), null until asked
  importReport: ImportReport | null; // the last import's outcome, skipped files included
}

export const useDatasetStore = create<DatasetState>(() => ({
  manifests: [],
  damaged: [],
  listed: false,
  usage: null,
  progress: null,
  error: null,
  thumbnails: {},
  notice: null,
  persisted: null,
  importReport: null,
}));

export const isReady = (s: DatasetState, id: string) => s.manifests.some((m) => m.id === id && m.complete);

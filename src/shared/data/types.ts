// Shared shapes of the data layer: the image store's records, the sampler's batches.

/** What happens to an import's images when it ends early: removed, or kept as a partial dataset. */
export type PartialChoice = 'rollback' | 'keep';

/**
 * Format of a stored dataset (manifest + chunks), written as `DatasetManifest.schemaVersion`. Installers
 * reuse a complete stored dataset only when its schemaVersion equals this, so bump it only when the
 * dataset records themselves change. It is separate from the database version (engine/data/db.ts DB_VERSION) so that
 * adding object stores for other data (v2: runs) does not make every browser download its datasets again.
 */
export const MANIFEST_VERSION = 1;

export type SplitName = 'train' | 'test';

export interface SplitInfo {
  count: number; // images in the split
  chunkSize: number; // images per chunk (the last chunk may hold fewer)
  chunkCount: number;
}

/** One record per dataset in the `manifests` object store. */
export interface DatasetManifest {
  id: string;
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  classNames: string[] | null; // null: unlabelled
  splits: Record<SplitName, SplitInfo>;
  about: string; // source and licence
  schemaVersion: number; // MANIFEST_VERSION when written
  createdAt: number; // ms since epoch
  complete: boolean; // false while an import is still writing chunks
  /**
   * While incomplete: what to do if the page goes away before the import ends (set by the importer from
   * the user's choice; absent means 'rollback'). recoverInterrupted() applies it at the next start.
   */
  onInterrupt?: PartialChoice;
}

/** One record per chunk in the `chunks` object store, keyed [datasetId, split, index]. */
export interface Chunk {
  datasetId: string;
  split: SplitName;
  index: number; // chunk index within the split
  start: number; // dataset index of the chunk's first image
  count: number; // images in the chunk
  pixels: Uint8Array; // [count, height, width, channels], row-major, 0–255
  labels: Uint8Array | null; // [count] class indices, null when unlabelled
}

/** Anything the sampler can stream chunks from: the IndexedDB store, or memory in tests. */
export interface ChunkSource {
  readonly manifest: DatasetManifest;
  readChunk(split: SplitName, index: number): Promise<Chunk>;
}

/** A batch of raw images; `indices` are dataset indices within the split. */
export interface Batch {
  pixels: Uint8Array; // [B, H, W, C] 0–255
  labels: Int32Array | null; // [B]
  indices: Int32Array; // [B]
  epoch: number; // 0-based epoch the batch belongs to
  stepInEpoch: number; // 0-based
  stepsPerEpoch: number;
}

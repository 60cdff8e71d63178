// The IndexedDB image store: one manifest per dataset plus its images in chunks of hundreds
// (0.5–8 MB records read and write 10× faster than a record per image, docs/DESIGN-NOTES.md, "IndexedDB as a dataset store"),
// in the 'hexa-lab' database that db.ts opens.
import type { IDBPDatabase } from 'idb';
import { chunkProblem } from '../../shared/data/chunkCheck';
import { openHexaDb, type HexaDb } from './db';
import {
  estimateStorage,
  StorageError,
  toStorageError,
  type StorageUsage,
} from '../../shared/data/storageError';
import { readManifest } from '../../shared/schema/manifest';
import { recordId, type DamagedRecord } from '../../shared/schema/run';
import type { Chunk, ChunkSource, DatasetManifest, SplitName } from '../../shared/data/types';

export { StorageError, type StorageErrorKind, type StorageUsage } from '../../shared/data/storageError';

export interface ImageStore {
  /** The manifests that parse (damaged ones are left out: see scanManifests). */
  listManifests(): Promise<DatasetManifest[]>;
  /** Every stored manifest: those that parse, and those that no longer do with the reason. */
  scanManifests(): Promise<{ manifests: DatasetManifest[]; damaged: DamagedRecord[] }>;
  /** The manifest, checked; StorageError 'corrupt' when its record no longer parses. */
  getManifest(id: string): Promise<DatasetManifest | undefined>;
  putManifest(m: DatasetManifest): Promise<void>;
  /** Writes several chunks in one transaction: all of them or, on failure, none. */
  putChunks(chunks: Chunk[]): Promise<void>;
  /** Throws StorageError 'not-found' (no such manifest or chunk) or 'corrupt' (sizes disagree). */
  readChunk(datasetId: string, split: SplitName, index: number): Promise<Chunk>;
  /** Deletes the manifest and every chunk of the dataset in one transaction. */
  deleteDataset(id: string): Promise<void>;
  /** Bytes used and allowed for this origin, or null where the browser cannot say. */
  estimate(): Promise<StorageUsage | null>;
  close(): void;
}

/** Stored manifests (key, value) sorted into those that parse and damaged ones. */
export function sortManifests(entries: readonly [key: unknown, raw: unknown][]): {
  manifests: DatasetManifest[];
  damaged: DamagedRecord[];
} {
  const manifests: DatasetManifest[] = [];
  const damaged: DamagedRecord[] = [];
  for (const [key, raw] of entries) {
    const r = readManifest(raw);
    if (r.ok) manifests.push(r.value);
    else damaged.push({ id: recordId(raw, key), reason: r.reason });
  }
  return { manifests, damaged };
}

/** A stored manifest checked with the schema; StorageError 'corrupt' naming the bad field otherwise. */
export function checkedManifest(raw: unknown, id: string): DatasetManifest {
  const r = readManifest(raw);
  if (r.ok) return r.value;
  throw new StorageError(
    'corrupt',
    `The stored dataset '${id}' is damaged (${r.reason}): delete it in the datasets list and import it again.`,
  );
}

/** Every key [id, …]: arrays sort after strings and numbers, so [id, []] lies above any [id, split, index]. */
function datasetRange(id: string): IDBKeyRange {
  return IDBKeyRange.bound([id], [id, []]);
}

/**
 * Structured clone stores a typed array's whole underlying buffer, so a subarray view of a large
 * download would store the whole download; copy views to their own buffer first.
 */
function compact(a: Uint8Array): Uint8Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

class IdbImageStore implements ImageStore {
  constructor(private readonly db: IDBPDatabase<HexaDb>) {}

  async listManifests(): Promise<DatasetManifest[]> {
    return (await this.scanManifests()).manifests;
  }

  async scanManifests(): Promise<{ manifests: DatasetManifest[]; damaged: DamagedRecord[] }> {
    let keys: unknown[];
    let values: unknown[];
    try {
      const tx = this.db.transaction('manifests', 'readonly');
      [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll(), tx.done]);
    } catch (e) {
      throw await toStorageError(e, 'listing datasets');
    }
    return sortManifests(keys.map((k, i) => [k, values[i]]));
  }

  async getManifest(id: string): Promise<DatasetManifest | undefined> {
    let raw: unknown;
    try {
      raw = await this.db.get('manifests', id);
    } catch (e) {
      throw await toStorageError(e, `reading dataset '${id}'`);
    }
    return raw === undefined ? undefined : checkedManifest(raw, id);
  }

  async putManifest(m: DatasetManifest): Promise<void> {
    const what = `saving dataset '${m.id}'`;
    let tx;
    try {
      tx = this.db.transaction('manifests', 'readwrite');
      tx.store.put(m).catch(() => undefined); // failures surface through tx.done with the real cause
      await tx.done;
    } catch (e) {
      throw await toStorageError(e, what, tx?.error);
    }
  }

  async putChunks(chunks: Chunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const what = `saving images of '${chunks[0]!.datasetId}'`;
    let tx;
    try {
      tx = this.db.transaction('chunks', 'readwrite');
      for (const c of chunks) {
        const record: Chunk = { ...c, pixels: compact(c.pixels), labels: c.labels && compact(c.labels) };
        tx.store.put(record).catch(() => undefined); // see putManifest
      }
      await tx.done;
    } catch (e) {
      // A put that throws synchronously (DataCloneError, DataError) leaves the others pending: abort them.
      if (tx && !tx.error) {
        tx.done.catch(() => undefined); // rejects with the abort
        try {
          tx.abort();
        } catch {
          // already finished
        }
      }
      throw await toStorageError(e, what, tx?.error);
    }
  }

  async readChunk(datasetId: string, split: SplitName, index: number): Promise<Chunk> {
    const where = `chunk ${index} of the ${split} split of dataset '${datasetId}'`;
    let manifest: DatasetManifest | undefined;
    let chunk: Chunk | undefined;
    try {
      // One transaction: the manifest and chunk are read from the same snapshot.
      const tx = this.db.transaction(['manifests', 'chunks'], 'readonly');
      [manifest, chunk] = await Promise.all([
        tx.objectStore('manifests').get(datasetId),
        tx.objectStore('chunks').get([datasetId, split, index]),
        tx.done,
      ]);
    } catch (e) {
      throw await toStorageError(e, `reading ${where}`);
    }
    if (!manifest || !chunk) {
      throw new StorageError(
        'not-found',
        `The stored ${manifest ? where : `dataset '${datasetId}'`} is missing: delete the dataset and import it again.`,
      );
    }
    const problem = chunkProblem(chunk, manifest, split, index);
    if (problem) {
      throw new StorageError(
        'corrupt',
        `The stored ${where} is damaged (it ${problem}): delete the dataset and import it again.`,
      );
    }
    return chunk;
  }

  async deleteDataset(id: string): Promise<void> {
    let tx;
    try {
      tx = this.db.transaction(['manifests', 'chunks'], 'readwrite');
      tx.objectStore('manifests')
        .delete(id)
        .catch(() => undefined);
      tx.objectStore('chunks')
        .delete(datasetRange(id))
        .catch(() => undefined);
      await tx.done;
    } catch (e) {
      throw await toStorageError(e, `deleting dataset '${id}'`, tx?.error);
    }
  }

  estimate(): Promise<StorageUsage | null> {
    return estimateStorage();
  }

  close(): void {
    this.db.close();
  }
}

/** Opens the dataset store. Throws StorageError 'unavailable' when it cannot. */
export async function openImageStore(): Promise<ImageStore> {
  return new IdbImageStore(await openHexaDb('datasets'));
}

/** A ChunkSource over one stored dataset, for the sampler. */
export function createStoreSource(store: ImageStore, manifest: DatasetManifest): ChunkSource {
  return {
    manifest,
    readChunk: (split, index) => store.readChunk(manifest.id, split, index),
  };
}

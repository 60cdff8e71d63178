// An in-memory ImageStore for unit tests: the same contract as the IndexedDB store (records are copied in
// and out as structured clone does, putChunks is all-or-nothing, readChunk throws StorageError
// 'not-found' / 'corrupt', closed stores throw 'unavailable'), plus an optional quota for testing full disks.
import { chunkProblem } from '../../shared/data/chunkCheck';
import { sortManifests, type ImageStore } from '../data/imageStore';
import { StorageError, type StorageUsage } from '../../shared/data/storageError';
import type { Chunk, DatasetManifest, SplitName } from '../../shared/data/types';

export interface MemoryStoreOptions {
  /** Chunk bytes (pixels + labels) allowed; a putChunks that would exceed it throws StorageError 'quota'. */
  quotaBytes?: number;
}

export interface MemoryImageStore extends ImageStore {
  /** Stored chunks keyed `${datasetId}/${split}/${index}` (the records themselves: do not modify). */
  readonly chunks: ReadonlyMap<string, Chunk>;
  /** Chunk bytes (pixels + labels) stored now. */
  readonly usage: number;
  /** Successful putChunks calls so far. */
  readonly putCalls: number;
}

const key = (datasetId: string, split: SplitName, index: number) => `${datasetId}/${split}/${index}`;

const chunkBytes = (c: Chunk) => c.pixels.byteLength + (c.labels?.byteLength ?? 0);

/** Copies a chunk into buffers of its own, as IndexedDB stores only the bytes of a view. */
function copyChunk(c: Chunk): Chunk {
  return { ...c, pixels: c.pixels.slice(), labels: c.labels ? c.labels.slice() : null };
}

export function createMemoryStore(opts: MemoryStoreOptions = {}): MemoryImageStore {
  const manifests = new Map<string, DatasetManifest>();
  const chunks = new Map<string, Chunk>();
  let usage = 0;
  let putCalls = 0;
  let closed = false;

  const open = (what: string) => {
    if (closed)
      throw new StorageError('unavailable', `Browser storage (IndexedDB) is not available while ${what}.`);
  };

  const scan = () => {
    open('listing datasets');
    return sortManifests([...manifests.entries()].map(([k, m]) => [k, structuredClone(m)]));
  };

  return {
    chunks,
    get usage() {
      return usage;
    },
    get putCalls() {
      return putCalls;
    },

    async listManifests() {
      return scan().manifests;
    },

    async scanManifests() {
      return scan();
    },

    async getManifest(id) {
      open(`reading dataset '${id}'`);
      const m = manifests.get(id);
      return m && structuredClone(m);
    },

    async putManifest(m) {
      open(`saving dataset '${m.id}'`);
      manifests.set(m.id, structuredClone(m));
    },

    async putChunks(cs) {
      if (cs.length === 0) return;
      open(`saving images of '${cs[0]!.datasetId}'`);
      // All or nothing: work out the new usage before storing any chunk.
      const replaced = new Map<string, number>();
      let next = usage;
      for (const c of cs) {
        const k = key(c.datasetId, c.split, c.index);
        const old = replaced.get(k) ?? (chunks.has(k) ? chunkBytes(chunks.get(k)!) : 0);
        next += chunkBytes(c) - old;
        replaced.set(k, chunkBytes(c));
      }
      if (opts.quotaBytes !== undefined && next > opts.quotaBytes)
        throw new StorageError(
          'quota',
          `The browser's storage quota is full (${next} bytes needed of ${opts.quotaBytes}): delete a dataset or free space; nothing already stored was changed.`,
        );
      for (const c of cs) chunks.set(key(c.datasetId, c.split, c.index), copyChunk(c));
      usage = next;
      putCalls++;
    },

    async readChunk(datasetId, split, index) {
      const where = `chunk ${index} of the ${split} split of dataset '${datasetId}'`;
      open(`reading ${where}`);
      const manifest = manifests.get(datasetId);
      const chunk = chunks.get(key(datasetId, split, index));
      if (!manifest || !chunk)
        throw new StorageError(
          'not-found',
          `The stored ${manifest ? where : `dataset '${datasetId}'`} is missing: delete the dataset and import it again.`,
        );
      const problem = chunkProblem(chunk, manifest, split, index);
      if (problem)
        throw new StorageError(
          'corrupt',
          `The stored ${where} is damaged (it ${problem}): delete the dataset and import it again.`,
        );
      return copyChunk(chunk);
    },

    async deleteDataset(id) {
      open(`deleting dataset '${id}'`);
      manifests.delete(id);
      for (const [k, c] of [...chunks])
        if (c.datasetId === id) {
          usage -= chunkBytes(c);
          chunks.delete(k);
        }
    },

    async estimate(): Promise<StorageUsage | null> {
      return opts.quotaBytes === undefined ? null : { usage, quota: opts.quotaBytes };
    },

    close() {
      closed = true;
    },
  };
}

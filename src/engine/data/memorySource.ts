// A ChunkSource over arrays in memory: for Node scripts and unit tests that drive the real sampler
// and trainer without IndexedDB.
import {
  MANIFEST_VERSION,
  type Chunk,
  type ChunkSource,
  type DatasetManifest,
  type SplitName,
} from '../../shared/data/types';

export interface MemorySplit {
  pixels: Uint8Array; // [N, H, W, C]
  labels: Uint8Array | null; // [N]
}

export function createMemorySource(
  info: {
    id: string;
    name: string;
    width: number;
    height: number;
    channels: 1 | 3;
    classNames: string[] | null;
  },
  splits: Record<SplitName, MemorySplit>,
  chunkSize = 256,
): ChunkSource {
  const rowBytes = info.width * info.height * info.channels;
  const count = (s: SplitName) => splits[s].pixels.length / rowBytes;
  const manifest: DatasetManifest = {
    ...info,
    splits: {
      train: { count: count('train'), chunkSize, chunkCount: Math.ceil(count('train') / chunkSize) },
      test: { count: count('test'), chunkSize, chunkCount: Math.ceil(count('test') / chunkSize) },
    },
    about: 'in memory',
    schemaVersion: MANIFEST_VERSION,
    createdAt: 0,
    complete: true,
  };
  return {
    manifest,
    async readChunk(split: SplitName, index: number): Promise<Chunk> {
      const start = index * chunkSize;
      const n = Math.min(chunkSize, count(split) - start);
      if (n <= 0) throw new Error(`No chunk ${index} in the ${split} split`);
      const s = splits[split];
      return {
        datasetId: info.id,
        split,
        index,
        start,
        count: n,
        pixels: s.pixels.slice(start * rowBytes, (start + n) * rowBytes),
        labels: s.labels ? s.labels.slice(start, start + n) : null,
      };
    },
  };
}

/**
 * A tiny labelled synthetic set: class c is a bright bar at row/column position c on a dark,
 * noisy background, so classes are learnable and distinct. Deterministic.
 */
export function syntheticBars(n: number, size: number, classes: number, seed = 1): MemorySplit {
  const pixels = new Uint8Array(n * size * size);
  const labels = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    const pos = Math.floor(((c + 0.5) * size) / classes);
    const vertical = c % 2 === 0;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const on = Math.abs((vertical ? x : y) - pos) <= 1;
        pixels[i * size * size + y * size + x] = on ? 200 + Math.floor(rand() * 55) : Math.floor(rand() * 40);
      }
  }
  return { pixels, labels };
}

// Consistency checks of a chunk against its manifest, shared by the store (which reports 'corrupt')
// and the sampler (which must never copy rows out of a short buffer).
import type { Chunk, DatasetManifest, SplitName } from './types';

/** Bytes of one image: height × width × channels. */
export function imageBytes(m: DatasetManifest): number {
  return m.width * m.height * m.channels;
}

/** Bytes the dataset's pixels and labels take in the store (IndexedDB adds a little overhead). */
export function datasetBytes(m: DatasetManifest): number {
  return (m.splits.train.count + m.splits.test.count) * (imageBytes(m) + (m.classNames ? 1 : 0));
}

/** Images chunk `index` of `split` must hold, from the manifest's split layout. */
export function expectedChunkCount(m: DatasetManifest, split: SplitName, index: number): number {
  const info = m.splits[split];
  return Math.max(0, Math.min(info.chunkSize, info.count - index * info.chunkSize));
}

/** Why `chunk` does not fit chunk `index` of `split` in `m`, or null when it does. */
export function chunkProblem(
  chunk: Chunk,
  m: DatasetManifest,
  split: SplitName,
  index: number,
): string | null {
  const info = m.splits[split];
  const count = expectedChunkCount(m, split, index);
  if (chunk.index !== index || chunk.split !== split) return `holds chunk ${chunk.split}/${chunk.index}`;
  if (chunk.start !== index * info.chunkSize)
    return `starts at image ${chunk.start}, expected ${index * info.chunkSize}`;
  if (chunk.count !== count) return `holds ${chunk.count} images, expected ${count}`;
  if (!(chunk.pixels instanceof Uint8Array)) return 'has no pixel bytes';
  const bytes = count * imageBytes(m);
  if (chunk.pixels.length !== bytes) return `has ${chunk.pixels.length} pixel bytes, expected ${bytes}`;
  if (m.classNames !== null) {
    if (!(chunk.labels instanceof Uint8Array)) return 'has no labels';
    if (chunk.labels.length !== count) return `has ${chunk.labels.length} labels, expected ${count}`;
  }
  return null;
}

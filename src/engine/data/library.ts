// Read-only views of a stored dataset for the library panel: thumbnails per class, its size, and an
// export as a .zip of PNGs with a labels file (fflate, streamed entry by entry).
import { Zip, ZipPassThrough, strToU8 } from 'fflate';
import type { ChunkSource, SplitName } from '../../shared/data/types';
import type { ClassThumbnails, PreviewImage } from '../../shared/trainingTypes';

/** Up to `perClass` train images of every class, reading at most `maxChunks` chunks. */
export async function classThumbnails(
  source: ChunkSource,
  perClass = 6,
  maxChunks = 12,
): Promise<ClassThumbnails[]> {
  const m = source.manifest;
  const rowBytes = m.width * m.height * m.channels;
  const groups: ClassThumbnails[] = m.classNames
    ? m.classNames.map((name, label) => ({ label, name, images: [] }))
    : [{ label: null, name: 'all images (unlabelled)', images: [] }];
  const chunks = Math.min(m.splits.train.chunkCount, maxChunks);
  for (let c = 0; c < chunks && groups.some((g) => g.images.length < perClass); c++) {
    const chunk = await source.readChunk('train', c);
    for (let r = 0; r < chunk.count; r++) {
      const g = groups[chunk.labels ? chunk.labels[r]! : 0];
      if (!g || g.images.length >= perClass) continue;
      g.images.push({
        width: m.width,
        height: m.height,
        channels: m.channels,
        pixels: chunk.pixels.slice(r * rowBytes, (r + 1) * rowBytes),
      });
    }
  }
  return groups;
}

/**
 * The export's file name from the dataset's name, not its id: 'Cats & dogs (partial)' →
 * 'Cats & dogs (partial).zip'. Characters no file system accepts (/ \\ : * ? " < > | and control
 * characters) become '_'; 'dataset.zip' when nothing is left.
 */
export function exportFileName(name: string): string {
  const base = name
    // eslint-disable-next-line no-control-regex
    .replace(/[/\\:*?"<>|\u0000-\u001f]+/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 80);
  return `${base || 'dataset'}.zip`;
}

export type PngEncoder = (img: PreviewImage) => Promise<Uint8Array>;

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * The whole dataset as a .zip: `<split>/<class>/<index>.png` (or `<split>/<index>.png` when
 * unlabelled), `labels.csv` (path,split,index,label,class) and `ABOUT.txt`. Returns the zip's bytes
 * as a list of parts (to wrap in a Blob without one big copy).
 */
export async function exportDatasetZip(
  source: ChunkSource,
  encodePng: PngEncoder,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Uint8Array[]> {
  const m = source.manifest;
  const parts: Uint8Array[] = [];
  let zipError: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) zipError = err;
    else parts.push(data);
  });
  const add = (path: string, data: Uint8Array) => {
    const entry = new ZipPassThrough(path); // PNGs are already compressed
    zip.add(entry);
    entry.push(data, true);
  };
  const rowBytes = m.width * m.height * m.channels;
  const total = m.splits.train.count + m.splits.test.count;
  const safe = (s: string) => s.replace(/[^\w.-]+/g, '_');
  const lines = ['path,split,index,label,class'];
  let done = 0;
  for (const split of ['train', 'test'] as SplitName[]) {
    for (let c = 0; c < m.splits[split].chunkCount; c++) {
      if (signal?.aborted) throw new Error('Export cancelled.');
      const chunk = await source.readChunk(split, c);
      for (let r = 0; r < chunk.count; r++) {
        const index = chunk.start + r;
        const label = chunk.labels ? chunk.labels[r]! : null;
        const cls = label === null ? '' : (m.classNames?.[label] ?? String(label));
        const path = label === null ? `${split}/${index}.png` : `${split}/${safe(cls)}/${index}.png`;
        const png = await encodePng({
          width: m.width,
          height: m.height,
          channels: m.channels,
          pixels: chunk.pixels.subarray(r * rowBytes, (r + 1) * rowBytes),
        });
        add(path, png);
        lines.push([path, split, index, label ?? '', csvField(cls)].join(','));
        done++;
      }
      onProgress(done, total);
    }
  }
  add('labels.csv', strToU8(lines.join('\n') + '\n'));
  add('ABOUT.txt', strToU8(`${m.name}\n${m.width}x${m.height}x${m.channels}\n\n${m.about}\n`));
  zip.end();
  if (zipError) throw zipError;
  return parts;
}

// Writes a new dataset into the image store image by image: buffers rows into chunks of `chunkSize`,
// writes several chunks per transaction, and keeps the manifest `complete: false` until finish().
// abort() rolls the partial dataset back, or keeps what was written, as the user chooses. Every
// importer and generator goes through this one writer. While it writes, the incomplete manifest counts
// the chunks already stored and carries the user's choice, so that recoverInterrupted() can finish an
// import cut short by a reload or a closed tab the way the user asked: kept as partial, or removed.
import type { ImageStore } from './imageStore';
import { MANIFEST_VERSION, type Chunk, type DatasetManifest, type SplitName } from '../../shared/data/types';
import type { PartialChoice } from '../../shared/data/types';

export interface WriterInfo {
  id: string;
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  classNames: string[] | null; // null: unlabelled
  about: string;
  chunkSize?: number; // images per chunk, default 500
  onInterrupt?: PartialChoice; // if the page goes away mid-write; default 'rollback'
  /**
   * The share of images that will go to the test split, when known: test chunks are then sized
   * chunkSize·share/(1−share), so that they fill (and are stored) about as often as train chunks and an
   * import cut short keeps a test split in proportion. Default: test chunks of chunkSize.
   */
  testShare?: number;
}

const CHUNKS_PER_TRANSACTION = 8;
/** Chunks waiting longer than this are written even if fewer than CHUNKS_PER_TRANSACTION, so that an
 * import cut short by a reload has something stored to keep. */
const FLUSH_AFTER_MS = 2000;
export const PARTIAL_SUFFIX = ' (partial)';

interface SplitBuffer {
  pixels: Uint8Array; // [chunkSize, H, W, C]
  labels: Uint8Array; // [chunkSize]
  fill: number; // rows in the buffer
  written: number; // images already in full chunks
  chunks: number; // chunks written or pending
}

export class DatasetWriter {
  private readonly rowBytes: number;
  private readonly chunkSize: Record<SplitName, number>;
  private readonly buffers: Record<SplitName, SplitBuffer>;
  private pending: Chunk[] = [];
  private closed = false;
  private lastFlush = Date.now();
  /** What is safely in the store: images and chunks per split (chunks are written in order). */
  private readonly stored: Record<SplitName, { count: number; chunks: number }> = {
    train: { count: 0, chunks: 0 },
    test: { count: 0, chunks: 0 },
  };

  private constructor(
    private readonly store: ImageStore,
    private readonly info: WriterInfo,
    private readonly createdAt: number,
  ) {
    this.rowBytes = info.width * info.height * info.channels;
    const size = info.chunkSize ?? 500;
    const share = info.testShare ?? 0;
    const testSize =
      share > 0 && share < 1 ? Math.max(1, Math.min(size, Math.round((size * share) / (1 - share)))) : size;
    this.chunkSize = { train: size, test: testSize };
    const buffer = (split: SplitName): SplitBuffer => ({
      pixels: new Uint8Array(this.chunkSize[split] * this.rowBytes),
      labels: new Uint8Array(this.chunkSize[split]),
      fill: 0,
      written: 0,
      chunks: 0,
    });
    this.buffers = { train: buffer('train'), test: buffer('test') };
  }

  /** Writes the incomplete manifest first, so an interrupted import is recognisable and removable. */
  static async begin(store: ImageStore, info: WriterInfo): Promise<DatasetWriter> {
    if (await store.getManifest(info.id))
      throw new Error(`A dataset with the id "${info.id}" already exists.`);
    const w = new DatasetWriter(store, info, Date.now());
    await store.putManifest(w.manifest(false));
    return w;
  }

  /** Images added so far per split. */
  count(split: SplitName): number {
    const b = this.buffers[split];
    return b.written + b.fill;
  }

  /** Adds one image [H, W, C] (0–255) with its class index (ignored when unlabelled). */
  async add(split: SplitName, pixels: Uint8Array, label: number | null): Promise<void> {
    if (this.closed) throw new Error('This dataset writer is closed.');
    if (pixels.length !== this.rowBytes)
      throw new Error(`Image has ${pixels.length} bytes, expected ${this.rowBytes}.`);
    const classes = this.info.classNames?.length ?? 0;
    if (classes > 0 && (label === null || label < 0 || label >= classes || !Number.isInteger(label)))
      throw new Error(`Label ${String(label)} is not one of the ${classes} classes.`);
    const b = this.buffers[split];
    b.pixels.set(pixels, b.fill * this.rowBytes);
    b.labels[b.fill] = label ?? 0;
    b.fill++;
    if (b.fill === this.chunkSize[split]) {
      this.cut(split);
      if (Date.now() - this.lastFlush >= FLUSH_AFTER_MS) await this.flush();
    }
    if (this.pending.length >= CHUNKS_PER_TRANSACTION) await this.flush();
  }

  /** Writes the remaining rows and marks the dataset complete. */
  async finish(nameSuffix = ''): Promise<DatasetManifest> {
    if (this.closed) throw new Error('This dataset writer is closed.');
    (['train', 'test'] as const).forEach((s) => this.buffers[s].fill > 0 && this.cut(s));
    await this.flush();
    this.closed = true;
    const m = this.manifest(true, nameSuffix);
    await this.store.putManifest(m);
    return m;
  }

  /**
   * Ends an interrupted import: deletes everything written (keepPartial false) or keeps the images
   * written so far as a complete, smaller dataset (returns its manifest; null when nothing was kept).
   */
  async abort(keepPartial: boolean): Promise<DatasetManifest | null> {
    if (this.closed) return null;
    if (keepPartial && this.count('train') > 0) {
      try {
        return await this.finish(PARTIAL_SUFFIX);
      } catch {
        // e.g. still over quota: keep only the chunks already stored, if any
      }
      if (this.stored.train.count > 0) {
        this.closed = true;
        this.pending = [];
        const m = this.manifest(true, PARTIAL_SUFFIX, this.stored);
        try {
          await this.store.putManifest(m);
          return m;
        } catch {
          // the manifest itself does not fit: roll back below
        }
      }
    }
    this.closed = true;
    this.pending = [];
    await this.store.deleteDataset(this.info.id);
    return null;
  }

  private cut(split: SplitName): void {
    const b = this.buffers[split];
    this.pending.push({
      datasetId: this.info.id,
      split,
      index: b.chunks,
      start: b.written,
      count: b.fill,
      pixels: b.pixels.slice(0, b.fill * this.rowBytes),
      labels: this.info.classNames ? b.labels.slice(0, b.fill) : null,
    });
    b.written += b.fill;
    b.chunks++;
    b.fill = 0;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.lastFlush = Date.now();
    try {
      await this.store.putChunks(chunks);
      for (const c of chunks) {
        this.stored[c.split].count += c.count;
        this.stored[c.split].chunks++;
      }
      // What a reload now would find: the stored chunks, still incomplete (finish() writes the last one).
      if (!this.closed) await this.store.putManifest(this.manifest(false, '', this.stored));
    } catch (e) {
      this.pending = chunks.concat(this.pending); // not written: keep them, so nothing is counted twice or lost
      throw e;
    }
  }

  private manifest(
    complete: boolean,
    nameSuffix = '',
    counts: Record<SplitName, { count: number; chunks: number }> = {
      train: { count: this.buffers.train.written, chunks: this.buffers.train.chunks },
      test: { count: this.buffers.test.written, chunks: this.buffers.test.chunks },
    },
  ): DatasetManifest {
    const split = (s: SplitName) => ({
      count: counts[s].count,
      chunkSize: this.chunkSize[s],
      chunkCount: counts[s].chunks,
    });
    return {
      id: this.info.id,
      name: this.info.name + nameSuffix,
      width: this.info.width,
      height: this.info.height,
      channels: this.info.channels,
      classNames: this.info.classNames,
      splits: { train: split('train'), test: split('test') },
      about: this.info.about,
      schemaVersion: MANIFEST_VERSION,
      createdAt: this.createdAt,
      complete,
      ...(complete ? {} : { onInterrupt: this.info.onInterrupt ?? 'rollback' }),
    };
  }
}

/** What recoverInterrupted() did with one dataset. */
export interface Recovered {
  id: string;
  name: string; // as the user named it (without ' (partial)')
  kept: number; // images kept; 0 when it was removed
  chosen: PartialChoice;
}

/**
 * Ends the datasets left incomplete by a page that went away mid-write (reload, closed tab, crash): each is
 * kept as a complete '(partial)' dataset of the chunks already stored when the user chose 'keep' and some
 * training images were stored, and removed otherwise. Call it only when no writer is running (the worker
 * checks that no other tab holds a dataset job first).
 */
export async function recoverInterrupted(store: ImageStore): Promise<Recovered[]> {
  const done: Recovered[] = [];
  for (const m of await store.listManifests()) {
    if (m.complete) continue;
    const chosen = m.onInterrupt ?? 'rollback';
    if (chosen === 'keep' && m.splits.train.count > 0) {
      const kept: DatasetManifest = { ...m, name: m.name + PARTIAL_SUFFIX, complete: true };
      delete kept.onInterrupt;
      await store.putManifest(kept);
      done.push({ id: m.id, name: m.name, kept: m.splits.train.count + m.splits.test.count, chosen });
    } else {
      await store.deleteDataset(m.id);
      done.push({ id: m.id, name: m.name, kept: 0, chosen });
    }
  }
  return done;
}

/** One sentence per recovered dataset, for the dataset panel's notice. */
export function describeRecovered(r: Recovered[]): string {
  return r
    .map((d) =>
      d.kept > 0
        ? `The import of '${d.name}' was interrupted when the page closed: its ${d.kept} stored images were kept as '${d.name}${PARTIAL_SUFFIX}', as you chose.`
        : d.chosen === 'keep'
          ? `The import of '${d.name}' was interrupted when the page closed before any image was stored: nothing could be kept, so it was removed.`
          : `The import of '${d.name}' was interrupted when the page closed: what it had stored was removed, as you chose.`,
    )
    .join(' ');
}

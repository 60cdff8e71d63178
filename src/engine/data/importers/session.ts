// One import's writing side: a DatasetWriter behind a seeded shuffle buffer (so a zip stored class by
// class is not stored class by class), with the partial-import policy: roll back, or keep what was
// written as a smaller complete dataset.
import { Rng } from '../../runtime/random';
import { DatasetWriter, type WriterInfo } from '../datasetWriter';
import type { ImageStore } from '../imageStore';
import type { DatasetManifest, SplitName } from '../../../shared/data/types';

interface Held {
  split: SplitName;
  pixels: Uint8Array;
  label: number | null;
}

export class ImportSession {
  private held: Held[] = [];
  private added = 0;
  private readonly perClass: Record<SplitName, number[]>;

  private constructor(
    private readonly writer: DatasetWriter,
    readonly info: WriterInfo,
    private readonly capacity: number, // images the shuffle buffer holds; 0 writes in arrival order
    private readonly rng: Rng,
  ) {
    const zeros = () => new Array<number>(info.classNames?.length ?? 0).fill(0);
    this.perClass = { train: zeros(), test: zeros() };
  }

  static async begin(
    store: ImageStore,
    info: WriterInfo,
    shuffleBytes: number,
    seed: number,
  ): Promise<ImportSession> {
    const rowBytes = info.width * info.height * info.channels;
    const writer = await DatasetWriter.begin(store, info);
    return new ImportSession(writer, info, Math.floor(shuffleBytes / rowBytes), new Rng(seed ^ 0x5bd1e995));
  }

  /** Images accepted so far (stored or held for shuffling). */
  get count(): number {
    return this.added;
  }

  /** Images accepted per class and split (empty arrays when unlabelled). */
  classCounts(split: SplitName): readonly number[] {
    return this.perClass[split];
  }

  async add(split: SplitName, pixels: Uint8Array, label: number | null): Promise<void> {
    this.added++;
    if (label !== null && label < this.perClass[split].length) this.perClass[split][label]!++;
    if (this.capacity <= 0) return this.writer.add(split, pixels, label);
    // Reservoir-style: once full, a random held image (or the new one) goes out to make room.
    const j = this.rng.int(this.held.length + 1);
    if (this.held.length < this.capacity) {
      this.held.push({ split, pixels, label });
      return;
    }
    const out = j === this.held.length ? { split, pixels, label } : this.held[j]!;
    if (j < this.held.length) this.held[j] = { split, pixels, label };
    await this.writer.add(out.split, out.pixels, out.label);
  }

  async finish(): Promise<DatasetManifest> {
    await this.drain();
    return this.writer.finish();
  }

  /**
   * Ends an interrupted import, keeping what was accepted as a '(partial)' dataset or deleting everything.
   * After a storage failure the images held for shuffling are dropped rather than written: storage is what
   * failed, and the writer retries only the chunks it already holds.
   */
  async abort(keep: boolean, afterStorageFailure: boolean): Promise<DatasetManifest | null> {
    if (keep && !afterStorageFailure) {
      try {
        await this.drain();
      } catch {
        // e.g. the quota: the writer falls back to a roll-back below
      }
    }
    this.held = [];
    return this.writer.abort(keep);
  }

  private async drain(): Promise<void> {
    const held = this.held;
    this.held = [];
    const order = this.rng.permutation(held.length);
    for (const i of order) {
      const h = held[i]!;
      await this.writer.add(h.split, h.pixels, h.label);
    }
  }
}

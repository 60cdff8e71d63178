// Streams fixed-size shuffled batches out of a ChunkSource, reading chunks ahead while the caller trains
// and holding only a few chunks in memory, so datasets larger than memory stream through.
import { mixSeed, Rng } from '../runtime/random';
import { chunkProblem, imageBytes } from '../../shared/data/chunkCheck';
import type { Batch, Chunk, ChunkSource, SplitName } from '../../shared/data/types';

export interface SamplerOptions {
  split: SplitName;
  batchSize: number; // images per batch B
  limit: number; // use the first N images of the split; 0 = all
  seed: number; // with the epoch, fixes the order of every epoch
  prefetchChunks?: number; // chunks read ahead of the one being consumed; default 2 (double buffering)
}

/** One chunk's visit within an epoch: which of its rows to take, in which order. */
interface Visit {
  epoch: number;
  chunkIndex: number;
  rows: Int32Array; // local row indices in visiting order; fewer than the chunk's rows for the dropped remainder
}

interface Pending {
  visit: Visit;
  chunk: Promise<Chunk>;
}

interface Current {
  visit: Visit;
  chunk: Chunk;
  pos: number; // next entry of visit.rows
}

/** Images of `split` in use: the first `limit` (0 = all). */
export function usedCount(source: ChunkSource, split: SplitName, limit: number): number {
  const count = source.manifest.splits[split].count;
  return limit > 0 ? Math.min(Math.floor(limit), count) : count;
}

export class StreamingSampler {
  readonly size: number; // images used per epoch before dropping the remainder
  readonly stepsPerEpoch: number; // floor(size / batchSize)
  private readonly rowBytes: number; // H × W × C
  private readonly chunkSize: number;
  private readonly chunkCount: number; // chunks holding any of the first `size` images
  private readonly labelled: boolean;
  private readonly prefetch: number;
  private plan: Generator<Visit>;
  private ahead: Pending[] = []; // reads started for the chunks after `current`, in visiting order
  private current: Current | null = null;
  private epochNow = 0;
  private stepInEpoch = 0;
  private stepsDone = 0;
  private tail: Promise<unknown> = Promise.resolve(); // serialises overlapping next() calls
  private disposed = false;

  constructor(
    private readonly source: ChunkSource,
    private readonly opts: SamplerOptions,
  ) {
    const m = source.manifest;
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)
      throw new Error(`batch size must be a positive integer, got ${opts.batchSize}`);
    this.size = usedCount(source, opts.split, opts.limit);
    this.stepsPerEpoch = Math.floor(this.size / opts.batchSize);
    if (this.stepsPerEpoch === 0)
      throw new Error(
        `The ${opts.split} split of '${m.name}' has ${this.size} images in use, fewer than one batch of ${opts.batchSize}`,
      );
    this.rowBytes = imageBytes(m);
    this.chunkSize = m.splits[opts.split].chunkSize;
    this.chunkCount = Math.ceil(this.size / this.chunkSize);
    this.labelled = m.classNames !== null;
    this.prefetch = Math.max(0, Math.floor(opts.prefetchChunks ?? 2));
    this.plan = this.visits();
    this.topUp(); // start reading now, while the caller builds its model
  }

  /** 0-based epoch of the next batch. */
  get epoch(): number {
    return this.epochNow;
  }

  /** Batches returned so far, over all epochs. */
  get step(): number {
    return this.stepsDone;
  }

  /** The next batch: always batchSize images; the epoch's last incomplete batch is dropped. */
  next(): Promise<Batch> {
    const run = this.tail.then(() => this.assemble());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Makes the next batch step `stepInEpoch` of `epoch`: the very batch an uninterrupted sampler would
   * return there (resuming a checkpoint). Each epoch's order comes from its own seed, so the plan is
   * re-created from that epoch and the rows of the earlier steps are skipped. Buffered and in-flight
   * reads are dropped. Not while a next() is pending.
   */
  seek(epoch: number, stepInEpoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(stepInEpoch))
      throw new Error(`StreamingSampler.seek: bad position (epoch ${epoch}, step ${stepInEpoch})`);
    if (stepInEpoch < 0 || stepInEpoch >= this.stepsPerEpoch)
      throw new Error(`StreamingSampler.seek: step ${stepInEpoch} is outside 0…${this.stepsPerEpoch - 1}`);
    this.plan = this.visits(epoch);
    this.ahead = [];
    this.current = null;
    this.epochNow = epoch;
    this.stepInEpoch = stepInEpoch;
    this.stepsDone = epoch * this.stepsPerEpoch + stepInEpoch;
    let skip = stepInEpoch * this.opts.batchSize; // rows taken by the epoch's earlier steps
    while (skip > 0) {
      const visit = this.plan.next().value as Visit; // the plan never ends
      if (visit.rows.length <= skip) {
        skip -= visit.rows.length;
        continue;
      }
      // The first visit needed is partly used: keep only its remaining rows.
      this.ahead.push(this.request({ ...visit, rows: visit.rows.subarray(skip) }));
      skip = 0;
    }
    this.topUp();
  }

  /** Drops buffered chunks; reads still in flight are ignored. */
  dispose(): void {
    this.disposed = true;
    this.ahead = [];
    this.current = null;
  }

  /** Every epoch's visits: chunks in a shuffled order, rows shuffled within each chunk, one Rng per epoch. */
  private *visits(fromEpoch = 0): Generator<Visit> {
    const { batchSize, seed } = this.opts;
    for (let epoch = fromEpoch; ; epoch++) {
      const rng = new Rng(mixSeed(seed, epoch));
      let remaining = this.stepsPerEpoch * batchSize;
      for (const chunkIndex of rng.permutation(this.chunkCount)) {
        if (remaining === 0) break; // the rest of the order is the dropped remainder
        const usable = Math.min(this.chunkSize, this.size - chunkIndex * this.chunkSize);
        const rows = rng.permutation(usable);
        const take = Math.min(usable, remaining);
        remaining -= take;
        yield { epoch, chunkIndex, rows: take < usable ? rows.slice(0, take) : rows };
      }
    }
  }

  /** Keeps `prefetch` chunk reads in flight or buffered beyond the current chunk. */
  private topUp(): void {
    while (this.ahead.length < this.prefetch) this.ahead.push(this.request());
  }

  private request(visit = this.plan.next().value as Visit /* the plan never ends */): Pending {
    const chunk = this.source.readChunk(this.opts.split, visit.chunkIndex);
    chunk.catch(() => undefined); // a failed read is reported by the next() that needs it, not as unhandled
    return { visit, chunk };
  }

  /** Moves to the next visit, awaiting its chunk while later reads proceed. */
  private async advance(): Promise<Current> {
    const pending = this.ahead.shift() ?? this.request();
    this.current = null; // release the finished chunk before waiting
    this.topUp();
    const chunk = await pending.chunk;
    if (this.disposed) throw new Error('StreamingSampler was disposed');
    const { split } = this.opts;
    const problem = chunkProblem(chunk, this.source.manifest, split, pending.visit.chunkIndex);
    if (problem) throw new Error(`Chunk ${pending.visit.chunkIndex} of the ${split} split ${problem}`);
    this.current = { visit: pending.visit, chunk, pos: 0 };
    return this.current;
  }

  private async assemble(): Promise<Batch> {
    if (this.disposed) throw new Error('StreamingSampler was disposed');
    const B = this.opts.batchSize;
    const rb = this.rowBytes;
    const pixels = new Uint8Array(B * rb); // [B, H, W, C]
    const labels = this.labelled ? new Int32Array(B) : null;
    const indices = new Int32Array(B);
    const epoch = this.epochNow;
    for (let b = 0; b < B; b++) {
      let cur = this.current;
      if (!cur || cur.pos === cur.visit.rows.length) cur = await this.advance();
      if (cur.visit.epoch !== epoch) throw new Error('StreamingSampler: batch crossed an epoch boundary');
      const row = cur.visit.rows[cur.pos++]!;
      pixels.set(cur.chunk.pixels.subarray(row * rb, (row + 1) * rb), b * rb);
      indices[b] = cur.chunk.start + row;
      if (labels) labels[b] = cur.chunk.labels![row]!;
    }
    const batch: Batch = {
      pixels,
      labels,
      indices,
      epoch,
      stepInEpoch: this.stepInEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
    };
    if (this.current && this.current.pos === this.current.visit.rows.length) this.current = null;
    this.stepsDone++;
    if (++this.stepInEpoch === this.stepsPerEpoch) {
      this.stepInEpoch = 0;
      this.epochNow++;
    }
    return batch;
  }
}

/** The first `n` images of `split` (all if fewer), e.g. the probe sets; reads a few chunks at a time. */
export async function readSubset(
  source: ChunkSource,
  split: SplitName,
  n: number,
): Promise<{ pixels: Uint8Array; labels: Int32Array | null; count: number }> {
  const m = source.manifest;
  const count = Math.max(0, Math.min(Math.floor(n), m.splits[split].count));
  const rb = imageBytes(m);
  const pixels = new Uint8Array(count * rb); // [count, H, W, C]
  const labels = m.classNames !== null ? new Int32Array(count) : null;
  const chunkSize = m.splits[split].chunkSize;
  const chunks = Math.ceil(count / chunkSize);
  let nextChunk = 0;
  let failed = false;
  const worker = async () => {
    while (nextChunk < chunks && !failed) {
      const index = nextChunk++;
      try {
        const chunk = await source.readChunk(split, index);
        const problem = chunkProblem(chunk, m, split, index);
        if (problem) throw new Error(`Chunk ${index} of the ${split} split ${problem}`);
        const rows = Math.min(chunk.count, count - chunk.start);
        pixels.set(chunk.pixels.subarray(0, rows * rb), chunk.start * rb);
        if (labels) for (let r = 0; r < rows; r++) labels[chunk.start + r] = chunk.labels![r]!;
      } catch (e) {
        failed = true; // stop the other readers
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, chunks) }, worker));
  return { pixels, labels, count };
}

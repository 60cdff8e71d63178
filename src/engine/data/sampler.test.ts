import { describe, expect, it } from 'vitest';
import { readSubset, StreamingSampler } from './sampler';
import type { Batch, Chunk, ChunkSource, DatasetManifest, SplitName } from '../../shared/data/types';

// Images are 2×2×1 = 4 bytes; bytes 0–2 hold the dataset index (little-endian), so any pixel row
// tells which image it is, and the label is index % 10.
const ROW = 4;
const decode = (px: Uint8Array, b: number) =>
  px[b * ROW]! | (px[b * ROW + 1]! << 8) | (px[b * ROW + 2]! << 16);

interface MemSource extends ChunkSource {
  calls: Array<{ split: SplitName; index: number }>;
}

function memSource(opts: {
  train: number;
  test?: number;
  chunkSize: number;
  labelled?: boolean;
  delayMs?: number;
  fail?: number; // chunk index whose read rejects
}): MemSource {
  const { chunkSize, labelled = true, delayMs = 0 } = opts;
  const counts: Record<SplitName, number> = { train: opts.train, test: opts.test ?? 0 };
  const manifest: DatasetManifest = {
    id: 'mem',
    name: 'Memory',
    width: 2,
    height: 2,
    channels: 1,
    classNames: labelled ? ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] : null,
    splits: {
      train: { count: counts.train, chunkSize, chunkCount: Math.ceil(counts.train / chunkSize) },
      test: { count: counts.test, chunkSize, chunkCount: Math.ceil(counts.test / chunkSize) },
    },
    about: 'test',
    schemaVersion: 1,
    createdAt: 0,
    complete: true,
  };
  const calls: MemSource['calls'] = [];
  return {
    manifest,
    calls,
    async readChunk(split, index): Promise<Chunk> {
      calls.push({ split, index });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (index === opts.fail) throw new Error('read failed');
      const start = index * chunkSize;
      const count = Math.min(chunkSize, counts[split] - start);
      const pixels = new Uint8Array(count * ROW);
      const labels = new Uint8Array(count);
      for (let r = 0; r < count; r++) {
        const i = start + r;
        pixels.set([i & 255, (i >> 8) & 255, (i >> 16) & 255, 99], r * ROW);
        labels[r] = i % 10;
      }
      return { datasetId: 'mem', split, index, start, count, pixels, labels: labelled ? labels : null };
    },
  };
}

async function take(s: StreamingSampler, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(await s.next());
  return out;
}

const order = (batches: Batch[]) => batches.flatMap((b) => Array.from(b.indices));

describe('StreamingSampler', () => {
  it('visits every index of an epoch once, in fixed-size batches, dropping the remainder', async () => {
    const s = new StreamingSampler(memSource({ train: 1003, chunkSize: 100 }), {
      split: 'train',
      batchSize: 32,
      limit: 0,
      seed: 1,
    });
    expect(s.stepsPerEpoch).toBe(31);
    const batches = await take(s, 31);
    for (const [k, b] of batches.entries()) {
      expect(b.pixels.length).toBe(32 * ROW);
      expect(b.indices.length).toBe(32);
      expect(b.labels?.length).toBe(32);
      expect(b).toMatchObject({ epoch: 0, stepInEpoch: k, stepsPerEpoch: 31 });
    }
    const idx = order(batches);
    expect(new Set(idx).size).toBe(31 * 32);
    expect(idx.every((i) => i >= 0 && i < 1003)).toBe(true);
    expect(s.epoch).toBe(1);
    expect(s.step).toBe(31);
    const next = await s.next();
    expect(next).toMatchObject({ epoch: 1, stepInEpoch: 0 });
  });

  it('gives the same order for the same seed and another for another seed', async () => {
    const make = (seed: number) =>
      new StreamingSampler(memSource({ train: 500, chunkSize: 64 }), {
        split: 'train',
        batchSize: 20,
        limit: 0,
        seed,
      });
    const a = order(await take(make(7), 50));
    const b = order(await take(make(7), 50));
    const c = order(await take(make(8), 50));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('shuffles each epoch differently, each still covering every index once', async () => {
    const s = new StreamingSampler(memSource({ train: 300, chunkSize: 50 }), {
      split: 'train',
      batchSize: 30,
      limit: 0,
      seed: 3,
    });
    const e0 = order(await take(s, 10));
    const e1 = order(await take(s, 10));
    expect(e0).not.toEqual(e1);
    expect([...e0].sort((x, y) => x - y)).toEqual([...e1].sort((x, y) => x - y));
    expect(new Set(e1).size).toBe(300);
  });

  it('uses only the first `limit` images', async () => {
    const src = memSource({ train: 1000, chunkSize: 100 });
    const s = new StreamingSampler(src, { split: 'train', batchSize: 16, limit: 250, seed: 1 });
    expect(s.size).toBe(250);
    expect(s.stepsPerEpoch).toBe(15);
    const idx = order(await take(s, 30));
    expect(idx.every((i) => i < 250)).toBe(true);
    expect(src.calls.every((c) => c.index < 3)).toBe(true);
    const all = new StreamingSampler(memSource({ train: 40, chunkSize: 10 }), {
      split: 'train',
      batchSize: 8,
      limit: 10_000,
      seed: 1,
    });
    expect(all.size).toBe(40);
  });

  it('keeps labels and indices matched to the pixels, across chunk boundaries', async () => {
    const s = new StreamingSampler(memSource({ train: 95, test: 33, chunkSize: 7 }), {
      split: 'test',
      batchSize: 5,
      limit: 0,
      seed: 11,
    });
    for (const b of await take(s, 20)) {
      for (let k = 0; k < 5; k++) {
        expect(decode(b.pixels, k)).toBe(b.indices[k]);
        expect(b.labels![k]).toBe(b.indices[k]! % 10);
        expect(b.pixels[k * ROW + 3]).toBe(99);
      }
    }
  });

  it('reads chunks ahead while batches are consumed, holding only a few', async () => {
    const src = memSource({ train: 100, chunkSize: 10, delayMs: 5 });
    const s = new StreamingSampler(src, {
      split: 'train',
      batchSize: 5,
      limit: 0,
      seed: 5,
      prefetchChunks: 2,
    });
    expect(src.calls.length).toBe(2); // reading starts at construction
    const [b0] = await take(s, 1);
    expect(src.calls.length).toBe(3); // the current chunk plus two ahead
    await take(s, 1); // finishes the first visited chunk
    const requested = src.calls.map((c) => c.index);
    const b2 = await s.next(); // the first batch of the second visited chunk
    const chunkOf2 = Math.floor(b2.indices[0]! / 10);
    expect(chunkOf2).not.toBe(Math.floor(b0!.indices[0]! / 10));
    expect(requested).toContain(chunkOf2);
    // Bounded: after consuming k chunks at most k + 1 + prefetch reads were started.
    await take(s, 7); // 10 batches = 5 chunks
    expect(src.calls.length).toBeLessThanOrEqual(5 + 1 + 2);
  });

  it('gives null labels for an unlabelled dataset', async () => {
    const src = memSource({ train: 64, chunkSize: 16, labelled: false });
    const s = new StreamingSampler(src, { split: 'train', batchSize: 8, limit: 0, seed: 2 });
    const b = await s.next();
    expect(b.labels).toBeNull();
    expect(decode(b.pixels, 0)).toBe(b.indices[0]);
    const sub = await readSubset(src, 'train', 10);
    expect(sub.labels).toBeNull();
  });

  it('reports a failed read from the next() that needs it', async () => {
    const src = memSource({ train: 40, chunkSize: 10, fail: 2 });
    const s = new StreamingSampler(src, {
      split: 'train',
      batchSize: 10,
      limit: 0,
      seed: 1,
      prefetchChunks: 1,
    });
    await expect(take(s, 4)).rejects.toThrow('read failed');
  });

  it('seek(epoch, step) gives exactly the batches an uninterrupted sampler gives from there', async () => {
    const src = () => memSource({ train: 1003, chunkSize: 100 });
    const opts = { split: 'train' as const, batchSize: 32, limit: 0, seed: 5 };
    const all = await take(new StreamingSampler(src(), opts), 31 * 3);
    // Mid-epoch (mostly mid-chunk), at an epoch start and at an epoch's last step.
    for (const [epoch, step] of [
      [1, 7],
      [0, 25],
      [2, 0],
      [1, 30],
    ] as const) {
      const s = new StreamingSampler(src(), opts);
      await s.next(); // already consumed batches and reads in flight are dropped by seek
      s.seek(epoch, step);
      expect(s.epoch).toBe(epoch);
      expect(s.step).toBe(epoch * 31 + step);
      const from = epoch * 31 + step;
      const got = await take(s, 31 * 3 - from);
      expect(got.map((b) => [b.epoch, b.stepInEpoch])).toEqual(
        all.slice(from).map((b) => [b.epoch, b.stepInEpoch]),
      );
      expect(order(got)).toEqual(order(all.slice(from)));
      got.forEach((b, i) => expect(b.pixels).toEqual(all[from + i]!.pixels));
    }
    const s = new StreamingSampler(src(), opts);
    expect(() => s.seek(0, 31)).toThrow(/outside 0…30/);
    expect(() => s.seek(-1, 0)).toThrow(/bad position/);
  });

  it('rejects a batch larger than the images in use', () => {
    const src = memSource({ train: 40, chunkSize: 10 });
    expect(() => new StreamingSampler(src, { split: 'train', batchSize: 16, limit: 10, seed: 1 })).toThrow(
      /fewer than one batch/,
    );
  });
});

describe('readSubset', () => {
  it('reads the first n images of a split in order', async () => {
    const src = memSource({ train: 500, test: 120, chunkSize: 50 });
    const sub = await readSubset(src, 'train', 123);
    expect(sub.count).toBe(123);
    expect(sub.pixels.length).toBe(123 * ROW);
    for (let i = 0; i < 123; i++) {
      expect(decode(sub.pixels, i)).toBe(i);
      expect(sub.labels![i]).toBe(i % 10);
    }
    expect(src.calls.map((c) => c.index).sort()).toEqual([0, 1, 2]);
    const all = await readSubset(src, 'test', 1000);
    expect(all.count).toBe(120);
    expect(decode(all.pixels, 119)).toBe(119);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore, type MemoryImageStore } from '../testing/memoryStore';
import { DatasetWriter, describeRecovered, recoverInterrupted, type WriterInfo } from './datasetWriter';
import { createStoreSource } from './imageStore';
import { readSubset, StreamingSampler } from './sampler';
import { StorageError } from '../../shared/data/storageError';
import type { SplitName } from '../../shared/data/types';

const W = 3; // 3×3×3 images: 27 bytes each
const ROW = W * W * 3;

const info = (over: Partial<WriterInfo> = {}): WriterInfo => ({
  id: 'set',
  name: 'Set',
  width: W,
  height: W,
  channels: 3,
  classNames: ['a', 'b', 'c'],
  about: 'test',
  chunkSize: 500,
  ...over,
});

/** Image i of a split: every byte tells the split and index apart. */
function image(split: SplitName, i: number): Uint8Array {
  return Uint8Array.from({ length: ROW }, (_, k) => (i * 7 + k + (split === 'test' ? 101 : 0)) % 256);
}

const label = (i: number) => (i * 5) % 3;

async function writeImages(w: DatasetWriter, split: SplitName, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) await w.add(split, image(split, i), label(i));
}

async function ids(store: MemoryImageStore): Promise<string[]> {
  return (await store.listManifests()).map((m) => m.id);
}

describe('DatasetWriter', () => {
  it('cuts chunks of chunkSize with the right starts, and completes the manifest only at finish', async () => {
    const store = createMemoryStore();
    const w = await DatasetWriter.begin(store, info());
    expect(await store.getManifest('set')).toMatchObject({ complete: false, name: 'Set' });
    await writeImages(w, 'train', 1234);
    await writeImages(w, 'test', 10);
    expect(w.count('train')).toBe(1234);
    expect((await store.getManifest('set'))?.complete).toBe(false);
    const m = await w.finish();
    expect(m.complete).toBe(true);
    expect(m.splits).toEqual({
      train: { count: 1234, chunkSize: 500, chunkCount: 3 },
      test: { count: 10, chunkSize: 500, chunkCount: 1 },
    });
    expect(await store.getManifest('set')).toEqual(m);
    expect([0, 1, 2].map((i) => store.chunks.get(`set/train/${i}`)).map((c) => [c?.start, c?.count])).toEqual(
      [
        [0, 500],
        [500, 500],
        [1000, 234],
      ],
    );
    const c = await store.readChunk('set', 'train', 2);
    expect(c.pixels).toEqual(
      Uint8Array.from({ length: 234 * ROW }, (_, k) => image('train', 1000 + Math.floor(k / ROW))[k % ROW]!),
    );
    expect(Array.from(c.labels!.subarray(0, 3))).toEqual([label(1000), label(1001), label(1002)]);
    await expect(w.add('train', image('train', 0), 0)).rejects.toThrow(/closed/);
  });

  it('refuses wrong sizes, wrong labels and an existing id', async () => {
    const store = createMemoryStore();
    const w = await DatasetWriter.begin(store, info());
    await expect(w.add('train', new Uint8Array(ROW - 1), 0)).rejects.toThrow(/26 bytes, expected 27/);
    await expect(w.add('train', image('train', 0), 3)).rejects.toThrow(/Label 3 is not one of the 3 classes/);
    await expect(w.add('train', image('train', 0), null)).rejects.toThrow(/Label null/);
    await expect(w.add('train', image('train', 0), 1.5)).rejects.toThrow(/Label 1.5/);
    await expect(DatasetWriter.begin(store, info())).rejects.toThrow(/already exists/);
    const u = await DatasetWriter.begin(store, info({ id: 'u', classNames: null }));
    await u.add('train', image('train', 0), null);
    const m = await u.finish();
    expect(store.chunks.get('u/train/0')?.labels).toBeNull();
    expect(m.classNames).toBeNull();
  });

  it('abort(false) removes everything written', async () => {
    const store = createMemoryStore();
    await (await DatasetWriter.begin(store, info({ id: 'other' }))).finish();
    const w = await DatasetWriter.begin(store, info({ chunkSize: 10 }));
    await writeImages(w, 'train', 95); // 8 chunks flushed, 1 pending, 5 rows buffered
    expect(store.chunks.size).toBe(8);
    expect(await w.abort(false)).toBeNull();
    expect(await ids(store)).toEqual(['other']);
    expect([...store.chunks.keys()].every((k) => k.startsWith('other/'))).toBe(true);
    expect(await w.abort(false)).toBeNull(); // idempotent
  });

  it("abort(true) keeps what was written as a complete '(partial)' dataset", async () => {
    const store = createMemoryStore();
    const w = await DatasetWriter.begin(store, info({ chunkSize: 10 }));
    await writeImages(w, 'train', 95);
    await writeImages(w, 'test', 4);
    const m = await w.abort(true);
    expect(m).toMatchObject({ name: 'Set (partial)', complete: true });
    expect(m?.splits.train).toEqual({ count: 95, chunkSize: 10, chunkCount: 10 });
    expect(m?.splits.test).toEqual({ count: 4, chunkSize: 10, chunkCount: 1 });
    expect(await store.getManifest('set')).toEqual(m);
    const read = await readSubset(createStoreSource(store, m!), 'train', 95);
    expect(read.pixels.subarray(94 * ROW)).toEqual(image('train', 94));
    // Nothing in train: nothing worth keeping.
    const e = await DatasetWriter.begin(store, info({ id: 'empty' }));
    await writeImages(e, 'test', 3);
    expect(await e.abort(true)).toBeNull();
    expect(await ids(store)).toEqual(['set']);
  });

  it('a full quota mid-way throws the StorageError, and abort(false) leaves nothing', async () => {
    // 8 chunks of 10 images (10 × 28 bytes) per transaction: the first fits in 3,000 bytes, the second does not.
    const store = createMemoryStore({ quotaBytes: 3000 });
    const w = await DatasetWriter.begin(store, info({ chunkSize: 10 }));
    const err = await writeImages(w, 'train', 200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe('quota');
    expect(store.putCalls).toBe(1);
    expect(await w.abort(false)).toBeNull();
    expect(await ids(store)).toEqual([]);
    expect(store.chunks.size).toBe(0);
    expect(store.usage).toBe(0);
  });

  it('a full quota mid-way, then abort(true): keeps exactly the chunks already stored', async () => {
    const store = createMemoryStore({ quotaBytes: 3000 });
    const w = await DatasetWriter.begin(store, info({ chunkSize: 10 }));
    await writeImages(w, 'train', 200).catch(() => undefined); // the second transaction fails
    const m = await w.abort(true);
    // The first transaction held 8 chunks of 10 images; retrying the rest still fails, so those 80 stay.
    expect(m).toMatchObject({ name: 'Set (partial)', complete: true });
    expect(m?.splits.train).toEqual({ count: 80, chunkSize: 10, chunkCount: 8 });
    const read = await readSubset(createStoreSource(store, m!), 'train', 80);
    expect(read.pixels.subarray(79 * ROW)).toEqual(image('train', 79));
  });

  it('a StreamingSampler over the stored dataset reads back exactly the written images', async () => {
    const store = createMemoryStore();
    const w = await DatasetWriter.begin(store, info({ chunkSize: 64 }));
    await writeImages(w, 'train', 300);
    await writeImages(w, 'test', 50);
    const m = await w.finish();
    const sampler = new StreamingSampler(createStoreSource(store, m), {
      split: 'train',
      batchSize: 50,
      limit: 0,
      seed: 3,
    });
    const seen = new Set<number>();
    for (let s = 0; s < sampler.stepsPerEpoch; s++) {
      const b = await sampler.next();
      for (let k = 0; k < 50; k++) {
        const i = b.indices[k]!;
        seen.add(i);
        expect(b.pixels.subarray(k * ROW, (k + 1) * ROW)).toEqual(image('train', i));
        expect(b.labels![k]).toBe(label(i));
      }
    }
    expect(seen.size).toBe(300);
    sampler.dispose();
    const test = await readSubset(createStoreSource(store, m), 'test', 50);
    expect(test.pixels.subarray(49 * ROW)).toEqual(image('test', 49));
  });

  it('reads of a missing dataset or chunk throw not-found', async () => {
    const store = createMemoryStore();
    await expect(store.readChunk('nope', 'train', 0)).rejects.toMatchObject({ kind: 'not-found' });
    const w = await DatasetWriter.begin(store, info());
    await writeImages(w, 'train', 3);
    await w.finish();
    await expect(store.readChunk('set', 'train', 1)).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('recoverInterrupted: an import cut short by a reload', () => {
  /** A writer left as a reload leaves it: chunks stored so far, nothing finished or aborted. */
  async function interrupted(store: MemoryImageStore, over: Partial<WriterInfo>, train: number) {
    const w = await DatasetWriter.begin(store, info({ chunkSize: 4, ...over }));
    await writeImages(w, 'train', train);
    await writeImages(w, 'test', 5);
    return w; // dropped, as the worker is when the page reloads
  }

  it("'rollback' removes the dataset and every chunk; older datasets stay", async () => {
    const store = createMemoryStore();
    const old = await DatasetWriter.begin(store, info({ id: 'old', name: 'Old' }));
    await writeImages(old, 'train', 3);
    await old.finish();
    await interrupted(store, { onInterrupt: 'rollback' }, 40); // 10 chunks: 8 stored, then 2 pending
    expect((await store.getManifest('set'))?.splits.train.count).toBe(32);
    const r = await recoverInterrupted(store);
    expect(r).toEqual([{ id: 'set', name: 'Set', kept: 0, chosen: 'rollback' }]);
    expect(await ids(store)).toEqual(['old']);
    expect([...store.chunks.keys()].filter((k) => k.startsWith('set/'))).toEqual([]);
    expect(describeRecovered(r)).toBe(
      "The import of 'Set' was interrupted when the page closed: what it had stored was removed, as you chose.",
    );
    expect(await recoverInterrupted(store)).toEqual([]); // nothing left to do
  });

  it("'keep' keeps the chunks already stored as a complete '(partial)' dataset that reads back whole", async () => {
    const store = createMemoryStore();
    await interrupted(store, { onInterrupt: 'keep' }, 40);
    const r = await recoverInterrupted(store);
    expect(r).toEqual([{ id: 'set', name: 'Set', kept: 32, chosen: 'keep' }]);
    const m = (await store.getManifest('set'))!;
    expect(m).toMatchObject({ name: 'Set (partial)', complete: true });
    expect(m.onInterrupt).toBeUndefined();
    expect(m.splits.train).toEqual({ count: 32, chunkSize: 4, chunkCount: 8 });
    const source = createStoreSource(store, m);
    const all = await readSubset(source, 'train', 32);
    expect(all.pixels.subarray(31 * ROW, 32 * ROW)).toEqual(image('train', 31));
    expect(describeRecovered(r)).toContain("its 32 stored images were kept as 'Set (partial)', as you chose");
  });

  it("'keep' with nothing stored yet removes it, and says that nothing could be kept", async () => {
    const store = createMemoryStore();
    await interrupted(store, { onInterrupt: 'keep', chunkSize: 500 }, 40);
    const r = await recoverInterrupted(store);
    expect(r[0]).toMatchObject({ kept: 0, chosen: 'keep' });
    expect(await ids(store)).toEqual([]);
    expect(describeRecovered(r)).toMatch(/before any image was stored: nothing could be kept/);
  });

  it('a writer flushes chunks waiting longer than 2 s, so a slow import has something to keep', async () => {
    const store = createMemoryStore();
    const w = await DatasetWriter.begin(store, info({ chunkSize: 4, onInterrupt: 'keep' }));
    await writeImages(w, 'train', 8); // 2 chunks, both pending (fewer than 8 per transaction)
    expect((await store.getManifest('set'))?.splits.train.count).toBe(0);
    const now = Date.now();
    const spy = vi.spyOn(Date, 'now').mockReturnValue(now + 2500);
    await writeImages(w, 'train', 4, 8); // the third chunk is cut after the wait: all three are written
    spy.mockRestore();
    expect((await store.getManifest('set'))?.splits.train).toEqual({
      count: 12,
      chunkSize: 4,
      chunkCount: 3,
    });
    expect((await store.getManifest('set'))?.complete).toBe(false);
  });

  it('with testShare, test chunks fill in proportion, so an interrupted import keeps a test split', async () => {
    const store = createMemoryStore();
    // 20 % test: test chunks of 8 · 0.2 / 0.8 = 2 images.
    const w = await DatasetWriter.begin(store, info({ chunkSize: 8, testShare: 0.2, onInterrupt: 'keep' }));
    for (let i = 0; i < 80; i++) {
      if (i % 5 === 4) await w.add('test', image('test', i), label(i));
      else await w.add('train', image('train', i), label(i));
    }
    // 8 train chunks and 8 test chunks cut: the writer stores them 8 at a time, in order.
    const r = await recoverInterrupted(store);
    const m = (await store.getManifest('set'))!;
    expect(m.splits.test.chunkSize).toBe(2);
    expect(m.splits.train.count).toBeGreaterThan(0);
    expect(m.splits.test.count).toBeGreaterThan(0);
    expect(m.splits.test.count / (m.splits.train.count + m.splits.test.count)).toBeCloseTo(0.2, 1);
    expect(r[0]!.kept).toBe(m.splits.train.count + m.splits.test.count);
    const test = await readSubset(createStoreSource(store, m), 'test', m.splits.test.count);
    expect(test.count).toBe(m.splits.test.count);
  });
});

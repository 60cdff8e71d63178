import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../testing/memoryStore';
import type { ImageStore } from '../imageStore';
import type { DatasetManifest, SplitName } from '../../../shared/data/types';
import { CIFAR10_CLASSES, CIFAR100_CLASSES, chwToHwc, isCifarBatchName } from './cifar';
import { importImages } from './importImages';
import { blobOf, fakeDecoder } from './testUtils';
import type { ImportOptions } from '../../../shared/data/importTypes';

const OPTS: ImportOptions = {
  name: 'CIFAR',
  size: 32,
  channels: 3,
  cropPolicy: 'center-crop',
  testShare: 0,
  seed: 1,
  onPartial: 'rollback',
};

/** Records whose R plane is p mod 256, G plane 3p mod 256, B plane 50 × record, for pixel p of 1024. */
function batch(labels: number[][]): Uint8Array {
  const rb = labels[0]!.length + 3072;
  const out = new Uint8Array(labels.length * rb);
  labels.forEach((ls, r) => {
    const o = r * rb;
    out.set(ls, o);
    for (let p = 0; p < 1024; p++) {
      out[o + ls.length + p] = p % 256;
      out[o + ls.length + 1024 + p] = (3 * p) % 256;
      out[o + ls.length + 2048 + p] = 50 * r;
    }
  });
  return out;
}

async function all(store: ImageStore, m: DatasetManifest, split: SplitName) {
  const pixels: Uint8Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < m.splits[split].chunkCount; i++) {
    const c = await store.readChunk(m.id, split, i);
    const row = m.width * m.height * m.channels;
    for (let r = 0; r < c.count; r++) {
      pixels.push(c.pixels.slice(r * row, (r + 1) * row));
      labels.push(c.labels![r]!);
    }
  }
  return { pixels, labels };
}

const run = (
  files: Record<string, Uint8Array>,
  opts: Partial<ImportOptions> = {},
  store = createMemoryStore(),
) =>
  importImages(
    store,
    { kind: 'cifar', files: Object.entries(files).map(([name, b]) => ({ name, file: blobOf(b) })) },
    { ...OPTS, ...opts },
    fakeDecoder(),
    () => undefined,
  ).then((r) => ({ r, store }));

describe('CIFAR import', () => {
  it('has the standard class names', () => {
    expect(CIFAR10_CLASSES).toEqual([
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
    expect(CIFAR100_CLASSES).toHaveLength(100);
    expect(new Set(CIFAR100_CLASSES).size).toBe(100);
    expect([...CIFAR100_CLASSES].sort()).toEqual(CIFAR100_CLASSES);
    expect(CIFAR100_CLASSES.slice(0, 3)).toEqual(['apple', 'aquarium_fish', 'baby']);
    expect(CIFAR100_CLASSES[99]).toBe('worm');
  });

  it('converts a CIFAR-10 batch of 3 records from CHW to HWC with its labels; the test batch is the test split', async () => {
    const { r, store } = await run({
      'data_batch_1.bin': batch([[3], [9], [0]]),
      'test_batch.bin': batch([[7]]),
    });
    expect(r.outcome).toBe('complete');
    const m = r.manifest!;
    expect(m).toMatchObject({ width: 32, height: 32, channels: 3, classNames: CIFAR10_CLASSES });
    expect(m.splits.train.count).toBe(3);
    expect(m.splits.test.count).toBe(1);
    const train = await all(store, m, 'train');
    expect(train.labels).toEqual([3, 9, 0]);
    for (let rec = 0; rec < 3; rec++)
      for (const p of [0, 1, 33, 500, 1023]) {
        const px = train.pixels[rec]!.subarray(3 * p, 3 * p + 3);
        expect([...px]).toEqual([p % 256, (3 * p) % 256, 50 * rec]);
      }
    expect((await all(store, m, 'test')).labels).toEqual([7]);
    expect(m.about).toMatch(/^CIFAR-10 \(Krizhevsky, 2009/);
  });

  it('chwToHwc interleaves the three planes', () => {
    const rec = new Uint8Array(3072);
    rec[0] = 1;
    rec[1024] = 2;
    rec[2048] = 3;
    rec[1023] = 4;
    expect([...chwToHwc(rec).subarray(0, 3)]).toEqual([1, 2, 3]);
    expect(chwToHwc(rec)[3 * 1023]).toBe(4);
  });

  it('refuses a file whose length is not a whole number of records, naming it, its length and the record size', async () => {
    const bad = batch([[1], [2]]).subarray(0, 6000);
    const { r, store } = await run({ 'data_batch_2.bin': bad });
    expect(r.outcome).toBe('failed');
    expect(r.message).toBe(
      "No CIFAR-10 batch could be read: 'data_batch_2.bin' is 6000 bytes long, not a whole number of 3073-byte CIFAR-10 records (1 label byte + 3072 pixel bytes each).",
    );
    expect(await store.listManifests()).toEqual([]);
    // Beside a good batch, the bad one is skipped and listed.
    const { r: r2 } = await run({ 'data_batch_1.bin': batch([[1]]), 'data_batch_2.bin': bad });
    expect(r2.outcome).toBe('complete');
    expect(r2.skipped).toEqual([
      { file: 'data_batch_2.bin', reason: expect.stringMatching(/^is 6000 bytes long/) },
    ]);
  });

  it('CIFAR-100: two label bytes (coarse, fine), the fine one used; resized and greyscale on request', async () => {
    const { r, store } = await run(
      {
        'train.bin': batch([
          [4, 99],
          [19, 0],
        ]),
        'test.bin': batch([[0, 42]]),
      },
      { size: 16, channels: 1 },
    );
    expect(r.outcome).toBe('complete');
    const m = r.manifest!;
    expect(m.classNames).toEqual(CIFAR100_CLASSES);
    expect(m).toMatchObject({ width: 16, height: 16, channels: 1 });
    const train = await all(store, m, 'train');
    expect(train.labels).toEqual([99, 0]);
    expect(train.pixels[0]).toHaveLength(256);
    expect((await all(store, m, 'test')).labels).toEqual([42]);
    expect(r.warnings).toContain('CIFAR-100 images are 32×32; they were resized to 16×16.');
    const wrong = await run({ 'train.bin': batch([[4, 99]]).subarray(0, 3073) });
    expect(wrong.r.message).toMatch(
      /'train.bin' is 3073 bytes long, not a whole number of 3074-byte CIFAR-100 records \(2 label bytes/,
    );
  });

  it('names files that are not batches, labels out of range, and mixed CIFAR-10 / CIFAR-100 files', async () => {
    const { r } = await run({
      'data_batch_1.bin': batch([[1]]),
      'data_batch_3.bin': batch([[10]]),
      'batches.meta.txt': new Uint8Array(5),
      'cifar-10-binary.tar.gz': new Uint8Array(5),
      'copy/data_batch_1.bin': batch([[2]]),
    });
    expect(r.outcome).toBe('complete');
    expect(r.skipped).toEqual([
      { file: 'batches.meta.txt', reason: expect.stringMatching(/class names are built in/) },
      { file: 'cifar-10-binary.tar.gz', reason: expect.stringMatching(/^is an archive: extract it first/) },
      { file: 'copy/data_batch_1.bin', reason: 'is a duplicate: a batch of the same name was already given' },
      { file: 'data_batch_3.bin', reason: 'is not a CIFAR-10 batch: record 0 has the label 10, outside 0–9' },
    ]);
    expect(isCifarBatchName('cifar-10-batches-bin/data_batch_5.bin')).toBe(true);
    expect(isCifarBatchName('data_batch_6.bin')).toBe(false);
    const mixed = await run({ 'data_batch_1.bin': batch([[1]]), 'train.bin': batch([[1, 1]]) });
    expect(mixed.r.message).toMatch(
      /^The files mix CIFAR-10 batches \('data_batch_1.bin'\) and CIFAR-100 batches/,
    );
  });

  it('without a test batch, holds out a seeded share of the training records', async () => {
    const labels = Array.from({ length: 60 }, (_, i) => [i % 10]);
    const { r } = await run({ 'data_batch_1.bin': batch(labels) }, { testShare: 1 / 6 });
    const { test, train } = r.manifest!.splits;
    expect(test.count + train.count).toBe(60);
    expect(test.count).toBeGreaterThan(3);
    expect(test.count).toBeLessThan(20);
    expect(r.warnings.join(' ')).toMatch(/No test batch was given/);
  });
});

// The real IndexedDB image store (imageStore.ts) in Node, over fake-indexeddb.
import { describe, expect, it } from 'vitest';
import { getAllRaw, openTestImageStore, putRaw } from '../testing/testDb';
import { createStoreSource } from './imageStore';
import { MANIFEST_VERSION, type Chunk, type DatasetManifest } from '../../shared/data/types';

/** A 2×2 grey dataset: `train` images in chunks of 2, none in test. */
const manifest = (id: string, train = 3): DatasetManifest => ({
  id,
  name: `Set ${id}`,
  width: 2,
  height: 2,
  channels: 1,
  classNames: ['a', 'b'],
  splits: {
    train: { count: train, chunkSize: 2, chunkCount: Math.ceil(train / 2) },
    test: { count: 0, chunkSize: 2, chunkCount: 0 },
  },
  about: 'test',
  schemaVersion: MANIFEST_VERSION,
  createdAt: 1,
  complete: true,
});

const chunk = (datasetId: string, index: number, count: number, fill = index): Chunk => ({
  datasetId,
  split: 'train',
  index,
  start: index * 2,
  count,
  pixels: new Uint8Array(count * 4).fill(fill),
  labels: new Uint8Array(count).fill(1),
});

describe('the IndexedDB image store (fake-indexeddb)', () => {
  it('stores manifests and chunks, reads them back checked, and deletes one dataset only', async () => {
    const s = await openTestImageStore();
    await s.putManifest(manifest('mnist'));
    await s.putManifest(manifest('mnist-2', 2)); // an id that starts like the other: not in its key range
    await s.putChunks([chunk('mnist', 0, 2), chunk('mnist', 1, 1, 7), chunk('mnist-2', 0, 2)]);
    expect((await s.listManifests()).map((m) => m.id)).toEqual(['mnist', 'mnist-2']);
    const c = await s.readChunk('mnist', 'train', 1);
    expect(c).toEqual(chunk('mnist', 1, 1, 7));
    const source = createStoreSource(s, (await s.getManifest('mnist'))!);
    expect((await source.readChunk('train', 0)).pixels).toEqual(new Uint8Array(8).fill(0));

    await s.deleteDataset('mnist');
    expect(await s.getManifest('mnist')).toBeUndefined();
    await expect(s.readChunk('mnist', 'train', 0)).rejects.toMatchObject({ kind: 'not-found' });
    expect((await getAllRaw('chunks')).map((x) => (x as Chunk).datasetId)).toEqual(['mnist-2']);
    expect((await s.readChunk('mnist-2', 'train', 0)).count).toBe(2);
  });

  it('a chunk view of a larger buffer is stored with its own bytes only', async () => {
    const s = await openTestImageStore();
    await s.putManifest(manifest('m', 2));
    const download = new Uint8Array(1000).fill(3);
    await s.putChunks([{ ...chunk('m', 0, 2), pixels: download.subarray(100, 108) }]);
    const [stored] = (await getAllRaw('chunks')) as Chunk[];
    expect(stored!.pixels.buffer.byteLength).toBe(8);
  });

  it('a batch of chunks is written whole or not at all', async () => {
    const s = await openTestImageStore();
    await s.putManifest(manifest('m'));
    const bad = { ...chunk('m', 1, 1), index: NaN }; // not a valid key: the put throws
    await expect(s.putChunks([chunk('m', 0, 2), bad])).rejects.toMatchObject({ name: 'StorageError' });
    expect(await getAllRaw('chunks')).toEqual([]);
  });

  it('damaged records: a manifest is listed with its reason, a chunk that disagrees is corrupt', async () => {
    const s = await openTestImageStore();
    await s.putManifest(manifest('m'));
    await putRaw('manifests', [{ id: 'broken', name: 'Broken', width: 'wide' }]);
    const scan = await s.scanManifests();
    expect(scan.manifests.map((m) => m.id)).toEqual(['m']);
    expect(scan.damaged).toHaveLength(1);
    expect(scan.damaged[0]!.reason).toContain('width: expected a number, got the text "wide"');
    await expect(s.getManifest('broken')).rejects.toMatchObject({ kind: 'corrupt' });
    await s.putChunks([chunk('m', 0, 1)]); // the manifest says chunk 0 holds 2 images
    await expect(s.readChunk('m', 'train', 0)).rejects.toMatchObject({
      kind: 'corrupt',
      message: expect.stringContaining('holds 1 images, expected 2'),
    });
    await s.deleteDataset('broken');
    expect((await s.scanManifests()).damaged).toEqual([]);
  });
});

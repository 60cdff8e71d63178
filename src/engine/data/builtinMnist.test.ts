import { afterEach, describe, expect, it, vi } from 'vitest';
import { installBuiltinMnist } from './builtinMnist';
import type { ImageStore } from './imageStore';
import { StorageError } from './storageError';
import type { Chunk, DatasetManifest } from './types';

// A tiny MNIST-shaped dataset served by a stubbed fetch, stored in a Map-backed ImageStore
// (the IndexedDB store itself is tested in a real browser).
const W = 4; // 4×4×1 images
const COUNTS = { train: 23, test: 7 };

function files(overrides: Record<string, Uint8Array> = {}): Record<string, Uint8Array | string> {
  const bytes = (n: number, f: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => f(i));
  return {
    'meta.json': JSON.stringify({
      id: 'mnist',
      name: 'MNIST',
      width: W,
      height: W,
      channels: 1,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      splits: {
        train: { count: COUNTS.train, images: 'train-images.u8', labels: 'train-labels.u8' },
        test: { count: COUNTS.test, images: 'test-images.u8', labels: 'test-labels.u8' },
      },
      about: 'test',
    }),
    'train-images.u8': bytes(COUNTS.train * W * W, (i) => Math.floor(i / (W * W))),
    'train-labels.u8': bytes(COUNTS.train, (i) => i % 10),
    'test-images.u8': bytes(COUNTS.test * W * W, (i) => 100 + Math.floor(i / (W * W))),
    'test-labels.u8': bytes(COUNTS.test, (i) => (i * 3) % 10),
    ...overrides,
  };
}

function stubFetch(served: Record<string, Uint8Array | string>): string[] {
  const urls: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    urls.push(url);
    const name = url.replace('/base/', '');
    const body = served[name];
    // Uint8Array in a Response streams in one or more pieces, as from a server.
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  });
  return urls;
}

function memStore(failAfterPuts = Infinity): ImageStore & { chunks: Map<string, Chunk> } {
  const manifests = new Map<string, DatasetManifest>();
  const chunks = new Map<string, Chunk>();
  let puts = 0;
  return {
    chunks,
    listManifests: async () => [...manifests.values()],
    getManifest: async (id) => manifests.get(id),
    putManifest: async (m) => void manifests.set(m.id, structuredClone(m)),
    putChunks: async (cs) => {
      if (++puts > failAfterPuts) throw new StorageError('quota', 'quota full');
      for (const c of cs) chunks.set(`${c.datasetId}/${c.split}/${c.index}`, c);
    },
    readChunk: async () => {
      throw new Error('unused');
    },
    deleteDataset: async (id) => {
      manifests.delete(id);
      for (const k of [...chunks.keys()]) if (k.startsWith(`${id}/`)) chunks.delete(k);
    },
    estimate: async () => null,
    close: () => undefined,
  };
}

afterEach(() => vi.unstubAllGlobals());

describe('installBuiltinMnist', () => {
  it('stores chunks with own buffers, reports progress, and reuses a complete copy', async () => {
    const urls = stubFetch(files());
    const store = memStore();
    const progress: string[] = [];
    const m = await installBuiltinMnist(store, '/base', (d, t, p) => progress.push(`${p} ${d}/${t}`), 5);
    expect(m.complete).toBe(true);
    expect(m.splits.train).toEqual({ count: 23, chunkSize: 5, chunkCount: 5 });
    expect(store.chunks.size).toBe(5 + 2);
    const last = store.chunks.get('mnist/train/4')!;
    expect(last).toMatchObject({ start: 20, count: 3 });
    expect(Array.from(last.pixels.subarray(0, 1))).toEqual([20]);
    expect(last.pixels.buffer.byteLength).toBe(3 * W * W); // a copy, not a view of the download
    expect(Array.from(store.chunks.get('mnist/test/1')!.labels!)).toEqual([5, 8]);
    expect(progress.at(-1)).toBe('store 7/7');
    expect(progress).toContain(`download ${30 * (W * W + 1)}/${30 * (W * W + 1)}`);
    expect(urls[0]).toBe('/base/meta.json');

    urls.length = 0;
    const again = await installBuiltinMnist(store, '/base/', () => undefined, 5);
    expect(again).toEqual(m);
    expect(urls).toEqual([]);
  });

  it('names the file whose length is wrong and stores nothing', async () => {
    stubFetch(files({ 'test-labels.u8': new Uint8Array(6) }));
    const store = memStore();
    await expect(installBuiltinMnist(store, '/base/', () => undefined, 5)).rejects.toThrow(
      /test-labels\.u8.*6 bytes/,
    );
    expect(await store.listManifests()).toEqual([]);
  });

  it('removes the partial dataset when storing fails and rethrows the StorageError', async () => {
    stubFetch(files());
    const store = memStore(1);
    const err = await installBuiltinMnist(store, '/base/', () => undefined, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe('quota');
    expect(await store.listManifests()).toEqual([]);
    expect(store.chunks.size).toBe(0);
  });
});

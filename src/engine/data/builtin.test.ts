import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32, stratifiedSplit } from '../../../scripts/split.mjs';
import { Rng } from '../runtime/random';
import { createMemoryStore } from '../testing/memoryStore';
import { installBuiltin, installBuiltinMnist } from './builtin';
import { StorageError } from '../../shared/data/storageError';
import { BUILTIN_DATASETS, builtinDataset } from '../../shared/data/builtinCatalog';

// A tiny MNIST-shaped dataset served by a stubbed fetch, stored in the in-memory ImageStore
// (the IndexedDB store itself is tested in a real browser).
const W = 4; // 4×4×1 images
const COUNTS = { train: 23, test: 7 };

function files(
  id = 'mnist',
  overrides: Record<string, Uint8Array> = {},
): Record<string, Uint8Array | string> {
  const bytes = (n: number, f: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => f(i));
  return {
    'meta.json': JSON.stringify({
      id,
      name: id === 'mnist' ? 'MNIST' : 'Fashion-MNIST',
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

/** Serves `served[name]` for `${prefix}${name}`; 404 otherwise. */
function stubFetch(served: Record<string, Uint8Array | string>, prefix = '/base/'): string[] {
  const urls: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    urls.push(url);
    init?.signal?.throwIfAborted();
    const body = url.startsWith(prefix) ? served[url.slice(prefix.length)] : undefined;
    // Uint8Array in a Response streams in one or more pieces, as from a server.
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  });
  return urls;
}

afterEach(() => vi.unstubAllGlobals());

describe('installBuiltinMnist', () => {
  it('stores chunks with own buffers, reports progress, and reuses a complete copy', async () => {
    const urls = stubFetch(files());
    const store = createMemoryStore();
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
    stubFetch(files('mnist', { 'test-labels.u8': new Uint8Array(6) }));
    const store = createMemoryStore();
    await expect(installBuiltinMnist(store, '/base/', () => undefined, 5)).rejects.toThrow(
      /test-labels\.u8.*6 bytes/,
    );
    expect(await store.listManifests()).toEqual([]);
  });

  it('removes the partial dataset when storing fails and rethrows the StorageError', async () => {
    stubFetch(files());
    // Chunks of 2 images take 2 × (16 + 1) bytes; the first transaction of 8 fits, the second does not.
    const store = createMemoryStore({ quotaBytes: 300 });
    const err = await installBuiltinMnist(store, '/base/', () => undefined, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe('quota');
    expect(store.putCalls).toBe(1);
    expect(await store.listManifests()).toEqual([]);
    expect(store.chunks.size).toBe(0);
    expect(store.usage).toBe(0);
  });
});

describe('installBuiltin', () => {
  it('lists MNIST (installed on start) and Fashion-MNIST (on demand) with sizes', () => {
    expect(BUILTIN_DATASETS.map((d) => [d.id, d.folder, d.installOnStart])).toEqual([
      ['mnist', 'mnist', true],
      ['fashion-mnist', 'fashion-mnist', false],
    ]);
    for (const d of BUILTIN_DATASETS) {
      expect(d.bytes).toBe((d.counts.train + d.counts.test) * (d.width * d.height * d.channels + 1));
      expect(d.classNames).toHaveLength(10);
      expect(d.about).toMatch(/licen[cs]e/i);
    }
    expect(builtinDataset('fashion-mnist')?.classNames[9]).toBe('Ankle boot');
    expect(builtinDataset('cifar')).toBeUndefined();
  });

  it('installs a dataset from its folder under the data URL', async () => {
    const urls = stubFetch(files('fashion-mnist'), './data/fashion-mnist/');
    const store = createMemoryStore();
    const m = await installBuiltin(store, 'fashion-mnist', './data', () => undefined, { chunkSize: 10 });
    expect(urls[0]).toBe('./data/fashion-mnist/meta.json');
    expect(m).toMatchObject({ id: 'fashion-mnist', name: 'Fashion-MNIST', complete: true });
    expect(store.chunks.get('fashion-mnist/train/2')).toMatchObject({ start: 20, count: 3 });
    expect((await store.listManifests()).map((x) => x.id)).toEqual(['fashion-mnist']);
  });

  it('refuses a meta.json of another dataset', async () => {
    stubFetch(files('mnist'), './data/fashion-mnist/');
    const store = createMemoryStore();
    await expect(installBuiltin(store, 'fashion-mnist', './data/', () => undefined)).rejects.toThrow(
      /meta\.json of the built-in Fashion-MNIST is malformed \(id "mnist"/,
    );
    await expect(installBuiltin(store, 'cifar' as 'mnist', './data/', () => undefined)).rejects.toThrow(
      /no built-in dataset "cifar"/,
    );
  });

  it('a cancel while storing removes the partial dataset and rethrows the abort', async () => {
    stubFetch(files('fashion-mnist'), '/data/fashion-mnist/');
    const store = createMemoryStore();
    const ctl = new AbortController();
    const err = await installBuiltin(
      store,
      'fashion-mnist',
      '/data/',
      (done, _total, phase) => {
        if (phase === 'store' && done > 0) ctl.abort();
      },
      { chunkSize: 1, signal: ctl.signal },
    ).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(store.putCalls).toBe(1);
    expect(await store.listManifests()).toEqual([]);
    expect(store.chunks.size).toBe(0);
  });
});

describe('Fashion-MNIST split (scripts/split.mjs)', () => {
  it('draws the same numbers as Rng', () => {
    for (const seed of [0, 1, 42, 20170825, 0xffffffff]) {
      const a = mulberry32(seed);
      const b = new Rng(seed);
      for (let i = 0; i < 100; i++) expect(a()).toBe(b.next());
    }
  });

  it('is stratified, disjoint, complete, shuffled and fixed by the seed', () => {
    const classes = 10;
    const labels = Uint8Array.from({ length: 700 }, (_, i) => Math.floor(i / 70)); // class-sorted, as the package
    const { train, test } = stratifiedSplit(labels, classes, 10, 7);
    expect([train.length, test.length]).toEqual([600, 100]);
    const perClass = (idx: Int32Array) => {
      const c = new Array<number>(classes).fill(0);
      idx.forEach((i) => c[labels[i]!]!++);
      return c;
    };
    expect(perClass(train)).toEqual(new Array(classes).fill(60));
    expect(perClass(test)).toEqual(new Array(classes).fill(10));
    expect(new Set([...train, ...test]).size).toBe(700);
    // Shuffled across classes: the first 50 train images are not all of one or two classes.
    expect(new Set(Array.from(train.subarray(0, 50), (i) => labels[i])).size).toBeGreaterThan(5);
    const again = stratifiedSplit(labels, classes, 10, 7);
    expect(again.train).toEqual(train);
    expect(again.test).toEqual(test);
    expect(stratifiedSplit(labels, classes, 10, 8).test).not.toEqual(test);
    expect(() => stratifiedSplit(labels, classes, 70, 7)).toThrow(/class 0 has 70 images/);
    expect(() => stratifiedSplit([0, 10], classes, 0, 7)).toThrow(/label 10 at 1/);
  });

  const dir = join(process.cwd(), 'public', 'data', 'fashion-mnist');
  it.skipIf(!existsSync(join(dir, 'meta.json')))(
    'the prepared files hold 60,000/10,000 balanced images',
    () => {
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
        id: string;
        classNames: string[];
        splits: Record<'train' | 'test', { count: number; images: string; labels: string }>;
      };
      const d = builtinDataset('fashion-mnist')!;
      expect(meta.id).toBe('fashion-mnist');
      expect(meta.classNames).toEqual(d.classNames);
      for (const [split, n] of [
        ['train', 6000],
        ['test', 1000],
      ] as const) {
        const s = meta.splits[split];
        expect(s.count).toBe(n * 10);
        expect(s.count).toBe(d.counts[split]);
        const labels = readFileSync(join(dir, s.labels));
        const counts = new Array<number>(10).fill(0);
        labels.forEach((l) => counts[l]!++);
        expect(counts).toEqual(new Array(10).fill(n));
        const images = readFileSync(join(dir, s.images));
        expect(images.length).toBe(s.count * 784);
        // Upright garments on a black background: the corners are dark, the centre is not.
        let corner = 0;
        let centre = 0;
        for (let i = 0; i < 1000; i++) {
          corner += images[i * 784]! + images[i * 784 + 27]!;
          centre += images[i * 784 + 14 * 28 + 14]!;
        }
        expect(corner / 2000).toBeLessThan(10);
        expect(centre / 1000).toBeGreaterThan(60);
      }
    },
  );
});

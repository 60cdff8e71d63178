import { zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createMemoryStore, type MemoryImageStore } from '../../testing/memoryStore';
import { DatasetWriter } from '../datasetWriter';
import type { ImageStore } from '../imageStore';
import type { DatasetManifest, SplitName } from '../../../shared/data/types';
import { newDatasetId, slugify } from './begin';
import { importImages } from './importImages';
import { blobOf, fakeDecoder, makeGif, makeJpegHeader, makePng } from './testUtils';
import type { ImportOptions, ImportProgress, ImportSource } from '../../../shared/data/importTypes';

const OPTS: ImportOptions = {
  name: 'My set',
  size: 16,
  channels: 1,
  cropPolicy: 'center-crop',
  testShare: 0,
  seed: 1,
  onPartial: 'rollback',
  chunkSize: 4,
};

const folder = (files: Record<string, Uint8Array>): ImportSource => ({
  kind: 'folder',
  files: Object.entries(files).map(([path, bytes]) => ({ path, file: blobOf(bytes) })),
});

const zip = (files: Zippable, name = 'set.zip'): ImportSource => ({
  kind: 'zip',
  file: blobOf(zipSync(files)),
  name,
});

/** Every stored image of a split as [first pixel value, class name]. */
async function stored(
  store: ImageStore,
  m: DatasetManifest,
  split: SplitName,
): Promise<[number, string | null][]> {
  const out: [number, string | null][] = [];
  for (let i = 0; i < m.splits[split].chunkCount; i++) {
    const c = await store.readChunk(m.id, split, i);
    const row = m.width * m.height * m.channels;
    for (let r = 0; r < c.count; r++)
      out.push([c.pixels[r * row]!, c.labels ? m.classNames![c.labels[r]!]! : null]);
  }
  return out;
}

/** Images of class c are PNGs c0 + k pixels wide, so the fake decoder's pixel value names the class. */
function classImages(prefix: string, widths: number[]): Record<string, Uint8Array> {
  return Object.fromEntries(widths.map((w, k) => [`${prefix}/${k}.png`, makePng(w, 2)]));
}

async function existingDataset(store: ImageStore): Promise<DatasetManifest> {
  const w = await DatasetWriter.begin(store, {
    id: 'mnist',
    name: 'MNIST',
    width: 4,
    height: 4,
    channels: 1,
    classNames: ['a', 'b'],
    about: 'test',
    chunkSize: 2,
  });
  for (let i = 0; i < 5; i++) await w.add('train', new Uint8Array(16).fill(i), i % 2);
  return w.finish();
}

const importIds = async (store: ImageStore) =>
  (await store.listManifests()).map((m) => m.id).filter((id) => id.startsWith('import-'));

describe('importImages: folders', () => {
  it('imports class folders under a common top folder and lists every skipped file with its reason', async () => {
    const store = createMemoryStore();
    const decoder = fakeDecoder();
    const progress: ImportProgress[] = [];
    const truncated = makePng(30, 2).subarray(0, 60); // header intact, image data cut off
    const source = folder({
      ...classImages('myset/cats', [10, 10, 10]),
      ...classImages('myset/dogs', [20, 20]),
      'myset/dogs/huge.png': makePng(20000, 20000, 0, false),
      'myset/dogs/empty.png': new Uint8Array(0),
      'myset/dogs/fake.jpg': new TextEncoder().encode('not a jpeg at all'),
      'myset/dogs/cut.png': truncated,
      'myset/dogs/photo.jpeg': makeJpegHeader(20, 20), // decodes (the fake decoder sniffs)
      'myset/cats/notes.txt': new TextEncoder().encode('x'),
      'myset/.DS_Store': new Uint8Array(10),
    });
    if (source.kind === 'folder')
      source.files.push({ path: 'myset/cats/0.png', file: blobOf(makePng(99, 2)) });
    const r = await importImages(store, source, OPTS, decoder, (p) => progress.push(p));

    expect(r.outcome).toBe('complete');
    expect(r.message).toBe("Imported 6 images in 2 classes as 'My set'; 6 files skipped (see the list).");
    expect(r.imported).toBe(6);
    const m = r.manifest!;
    expect(m.id).toMatch(/^import-my-set-\d+$/);
    expect(m).toMatchObject({
      name: 'My set',
      width: 16,
      height: 16,
      channels: 1,
      classNames: ['cats', 'dogs'],
      complete: true,
    });
    expect(m.about).toMatch(/the folder 'myset'/);
    expect((await stored(store, m, 'train')).sort()).toEqual([
      [10, 'cats'],
      [10, 'cats'],
      [10, 'cats'],
      [20, 'dogs'],
      [20, 'dogs'],
      [20, 'dogs'],
    ]);
    expect(m.splits.test.count).toBe(0);
    expect(r.skipped).toEqual(
      expect.arrayContaining([
        { file: 'myset/cats/notes.txt', reason: expect.stringMatching(/^is not an image file \(\.txt\)/) },
        { file: 'myset/cats/0.png', reason: 'is a duplicate: an earlier file has the same path' },
        { file: 'myset/dogs/empty.png', reason: 'is empty (0 bytes)' },
        {
          file: 'myset/dogs/huge.png',
          reason: 'is 20000×20000 pixels (400 megapixels), above the limit of 50 megapixels',
        },
        { file: 'myset/dogs/fake.jpg', reason: expect.stringMatching(/^is not an image this lab reads/) },
        {
          file: 'myset/dogs/cut.png',
          reason: 'could not be decoded: the image is truncated or corrupt', // said once, not twice
        },
      ]),
    );
    expect(r.skipped).toHaveLength(6);
    expect(r.warnings).toContain("Ignored 1 hidden or system file (names starting with '.', __MACOSX/).");
    // The decoder saw the six good images and the truncated PNG, never the 20000×20000 one.
    expect(decoder.calls).toHaveLength(7);
    expect(decoder.calls).not.toContain(makePng(20000, 20000, 0, false).length);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ phase: 'saving', done: 9, total: 9, imported: 6, skipped: 6 });
    expect(progress[0]).toMatchObject({ phase: 'importing', done: 0, total: 9 });
  });

  it('images at the top level make an unlabelled set; the test share is ignored', async () => {
    const store = createMemoryStore();
    const r = await importImages(
      store,
      folder({ 'a.png': makePng(5, 5), 'b.gif': makeGif(6, 6), 'c.png': makePng(7, 7) }),
      { ...OPTS, testShare: 0.5 },
      fakeDecoder(),
      () => undefined,
    );
    expect(r.outcome).toBe('complete');
    expect(r.manifest!.classNames).toBeNull();
    expect(r.manifest!.splits.test.count).toBe(0);
    expect((await stored(store, r.manifest!, 'train')).map(([v]) => v).sort()).toEqual([5, 6, 7]);
  });

  it('holds out a seeded test split per class and warns about a single-image class', async () => {
    const store = createMemoryStore();
    const r = await importImages(
      store,
      folder({
        ...classImages('cats', Array(12).fill(10)),
        ...classImages('dogs', Array(6).fill(20)),
        ...classImages('fish', [30]),
      }),
      { ...OPTS, testShare: 1 / 6 },
      fakeDecoder(),
      () => undefined,
    );
    expect(r.outcome).toBe('complete');
    expect((await stored(store, r.manifest!, 'test')).map(([, c]) => c).sort()).toEqual([
      'cats',
      'cats',
      'dogs',
    ]);
    expect(r.manifest!.splits.train.count).toBe(16);
    expect(r.warnings).toContain(
      "The class folder 'fish' holds a single image: it cannot be split into train and test, so it stays in train.",
    );
  });

  it('fails with a clear message when there is nothing to import, or the options are wrong', async () => {
    const store = createMemoryStore();
    const none = await importImages(
      store,
      folder({ 'docs/a.txt': new Uint8Array(3) }),
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(none).toMatchObject({ outcome: 'failed', manifest: null, imported: 0 });
    expect(none.message).toBe("The folder 'docs' contains no images (PNG, JPEG, WebP, GIF or BMP).");
    const unreadable = await importImages(
      store,
      folder({ 'a.png': new Uint8Array(0), 'b.png': new TextEncoder().encode('junk') }),
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(unreadable.message).toBe(
      "None of the images in the chosen files could be imported: 'b.png' is not an image this lab reads: its content is not PNG, JPEG, WebP, GIF or BMP.",
    );
    const allEmpty = await importImages(
      store,
      folder({ 'notes.txt': new Uint8Array(1), 'a.png': new Uint8Array(0) }),
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(allEmpty.message).toBe(
      "None of the images in the chosen files could be imported: 'a.png' is empty (0 bytes).",
    );
    const bad = await importImages(
      store,
      folder({}),
      { ...OPTS, size: 20 as 16 },
      fakeDecoder(),
      () => undefined,
    );
    expect(bad.message).toBe('The image size must be one of 16, 28, 32, 64 pixels, not 20.');
    expect(await store.listManifests()).toEqual([]);
  });

  it('refuses up front when the browser says the images will not fit', async () => {
    const store = createMemoryStore({ quotaBytes: 1000 });
    const r = await importImages(
      store,
      folder(classImages('x', Array(8).fill(4))),
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(r.outcome).toBe('failed');
    expect(r.message).toMatch(/^The dataset needs about 2.0 kB but only 1.0 kB of browser storage is free/);
    expect(store.putCalls).toBe(0);
  });
});

describe('importImages: zips', () => {
  it('imports class folders from a zip, ignoring __MACOSX, refusing a bomb by name, storing classes mixed', async () => {
    const store = createMemoryStore();
    const files: Zippable = {
      'set/': new Uint8Array(0),
      ...classImages('set/a', Array(20).fill(10)),
      ...classImages('set/b', Array(20).fill(20)),
      '__MACOSX/set/a/._0.png': new Uint8Array(100),
      'set/b/bomb.png': [new Uint8Array(60_000_000), { level: 9 }],
    };
    const r = await importImages(
      store,
      zip(files),
      { ...OPTS, testShare: 0.25 },
      fakeDecoder(),
      () => undefined,
    );
    expect(r.outcome).toBe('complete');
    expect(r.manifest!.classNames).toEqual(['a', 'b']);
    expect(r.imported).toBe(40);
    expect(r.manifest!.splits.test.count).toBe(10);
    expect(r.skipped).toEqual([
      { file: 'set/b/bomb.png', reason: 'would expand to 60.0 MB, above the limit of 50.0 MB per file' },
    ]);
    expect(r.warnings).toContain("Ignored 1 hidden or system file (names starting with '.', __MACOSX/).");
    const train = (await stored(store, r.manifest!, 'train')).map(([, c]) => c);
    expect(train.filter((c) => c === 'a')).toHaveLength(15);
    expect(train.slice(0, 15)).not.toEqual(Array(15).fill('a')); // the zip's class-by-class order is mixed
  });

  it('a zip without images fails with the message; one with only a bomb names it', async () => {
    const store = createMemoryStore();
    const none = await importImages(
      store,
      zip(
        { 'readme.txt': new TextEncoder().encode('hello'), '__MACOSX/._x.png': new Uint8Array(4) },
        'docs.zip',
      ),
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(none).toMatchObject({ outcome: 'failed', manifest: null });
    expect(none.message).toBe("The zip 'docs.zip' contains no images (PNG, JPEG, WebP, GIF or BMP).");
    const bomb = await importImages(
      store,
      zip({ 'bomb.png': [new Uint8Array(60_000_000), { level: 9 }] }, 'bomb.zip'),
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(bomb.message).toBe(
      "None of the images in the zip 'bomb.zip' could be imported: 'bomb.png' would expand to 60.0 MB, above the limit of 50.0 MB per file.",
    );
    const notZip = await importImages(
      store,
      { kind: 'zip', file: blobOf(new TextEncoder().encode('plain text')), name: 'photo.zip' },
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(notZip.message).toBe(
      "'photo.zip' is not a zip archive: it does not start with the zip signature. Nothing was stored.",
    );
    expect(await store.listManifests()).toEqual([]);
  });
});

describe('importImages: header reads', () => {
  it('reads further into a JPEG whose frame header lies beyond the first 64 KB', async () => {
    const store = createMemoryStore();
    const decoder = fakeDecoder();
    const r = await importImages(
      store,
      folder({
        'big-exif.jpg': makeJpegHeader(33, 10, 65_000),
        'huge-exif.jpg': makeJpegHeader(20000, 20000, 65_000),
      }),
      OPTS,
      decoder,
      () => undefined,
    );
    expect(r.imported).toBe(1);
    expect(r.skipped).toEqual([
      { file: 'huge-exif.jpg', reason: expect.stringMatching(/^is 20000×20000 pixels/) },
    ]);
    expect(decoder.calls).toHaveLength(1);
  });
});

describe('importImages: cancel and quota half-way', () => {
  const twenty = () => folder(classImages('x', Array(20).fill(9)));

  it('cancel rolls back: nothing of the import is left, older datasets untouched', async () => {
    const store = createMemoryStore();
    const before = await existingDataset(store);
    const ctrl = new AbortController();
    const decoder = fakeDecoder((n) => n === 12 && ctrl.abort());
    const r = await importImages(store, twenty(), OPTS, decoder, () => undefined, ctrl.signal);
    expect(r).toMatchObject({ outcome: 'cancelled', manifest: null, imported: 0 });
    expect(r.message).toBe('Import cancelled. Nothing from this import was stored.');
    expect(await importIds(store)).toEqual([]);
    expect([...store.chunks.keys()].every((k) => k.startsWith('mnist/'))).toBe(true);
    expect(await store.getManifest('mnist')).toEqual(before);
  });

  it("cancel with onPartial 'keep' keeps the images so far as a complete, readable '(partial)' dataset", async () => {
    const store = createMemoryStore();
    const ctrl = new AbortController();
    const decoder = fakeDecoder((n) => n === 12 && ctrl.abort());
    const r = await importImages(
      store,
      twenty(),
      { ...OPTS, onPartial: 'keep' },
      decoder,
      () => undefined,
      ctrl.signal,
    );
    expect(r.outcome).toBe('cancelled');
    expect(r.imported).toBe(12);
    expect(r.manifest).toMatchObject({ name: 'My set (partial)', complete: true });
    expect(r.message).toBe("Import cancelled. The 12 images stored so far were kept as 'My set (partial)'.");
    expect(await stored(store, r.manifest!, 'train')).toHaveLength(12);
  });

  it('a full quota half-way fails with the quota message, rolls back, and leaves older datasets untouched', async () => {
    const store: MemoryImageStore = createMemoryStore({ quotaBytes: 80 + 5 * 16 + 8 * 4 * 257 + 100 });
    store.estimate = async () => null; // a browser that cannot say, so the import starts
    const before = await existingDataset(store);
    const usage = store.usage;
    const many = folder(classImages('x', Array(80).fill(9)));
    const r = await importImages(store, many, OPTS, fakeDecoder(), () => undefined);
    expect(r).toMatchObject({ outcome: 'failed', manifest: null, imported: 0 });
    expect(r.message).toMatch(
      /^The browser's storage quota is full .*Nothing from this import was stored\.$/,
    );
    expect(await importIds(store)).toEqual([]);
    expect(store.usage).toBe(usage);
    expect(await store.getManifest('mnist')).toEqual(before);
    expect((await store.readChunk('mnist', 'train', 2)).pixels[0]).toBe(4);
  });

  it("a full quota with onPartial 'keep' keeps only a dataset that reads back whole", async () => {
    const store: MemoryImageStore = createMemoryStore({ quotaBytes: 8 * 4 * 257 + 2000 });
    store.estimate = async () => null;
    const many = folder(classImages('x', Array(80).fill(9)));
    const r = await importImages(store, many, { ...OPTS, onPartial: 'keep' }, fakeDecoder(), () => undefined);
    expect(r.outcome).toBe('failed');
    if (r.manifest) {
      expect(r.manifest.name).toBe('My set (partial)');
      expect(await stored(store, r.manifest, 'train')).toHaveLength(r.imported);
    } else expect(await importIds(store)).toEqual([]);
  });
});

describe('importImages: zip cancel and quota', () => {
  const files: Zippable = {
    ...classImages('a', Array(20).fill(10)),
    ...classImages('b', Array(20).fill(20)),
  };

  it('cancel while inflating rolls back', async () => {
    const store = createMemoryStore();
    const ctrl = new AbortController();
    const decoder = fakeDecoder((n) => n === 30 && ctrl.abort());
    const r = await importImages(store, zip(files), OPTS, decoder, () => undefined, ctrl.signal);
    expect(r).toMatchObject({ outcome: 'cancelled', manifest: null });
    expect(await store.listManifests()).toEqual([]);
    expect(store.chunks.size).toBe(0);
  });

  it('cancel with keep stores the images held for shuffling too', async () => {
    const store = createMemoryStore();
    const ctrl = new AbortController();
    const decoder = fakeDecoder((n) => n === 30 && ctrl.abort());
    const r = await importImages(
      store,
      zip(files),
      { ...OPTS, onPartial: 'keep' },
      decoder,
      () => undefined,
      ctrl.signal,
    );
    expect(r.outcome).toBe('cancelled');
    expect(r.imported).toBe(30);
    expect(await stored(store, r.manifest!, 'train')).toHaveLength(30);
  });

  it('a partial import kept after a cancel holds the test share to within one image', async () => {
    // 40 + 40 images, archive order class by class: a cut after 22 holds only class 'a'; 15 % of 22 is 3.3.
    const many: Zippable = {
      ...classImages('a', Array(40).fill(10)),
      ...classImages('b', Array(40).fill(20)),
    };
    for (const seed of [1, 2, 3, 4, 5]) {
      const store = createMemoryStore();
      const ctrl = new AbortController();
      const decoder = fakeDecoder((n) => n === 22 && ctrl.abort());
      const r = await importImages(
        store,
        zip(many),
        { ...OPTS, testShare: 0.15, seed, onPartial: 'keep', limits: { shuffleBufferBytes: 0 } },
        decoder,
        () => undefined,
        ctrl.signal,
      );
      expect(r.outcome).toBe('cancelled');
      expect(r.imported).toBe(22);
      expect([3, 4]).toContain(r.manifest!.splits.test.count);
      expect(await stored(store, r.manifest!, 'test')).toHaveLength(r.manifest!.splits.test.count);
    }
  });

  it('a PNG given as a zip, and an empty one, are named as files, not as zips', async () => {
    const store = createMemoryStore();
    const png = await importImages(
      store,
      { kind: 'zip', file: blobOf(makePng(3, 3)), name: 'cat.png' },
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(png.message).toBe(
      `'cat.png' is a PNG image, not a zip archive: choose its folder with "Folder…", or put the images in a zip first. Nothing was stored.`,
    );
    const empty = await importImages(
      store,
      { kind: 'zip', file: blobOf(new Uint8Array(0)), name: 'zero-byte.png' },
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(empty.message).toBe("The file 'zero-byte.png' is empty (0 bytes). Nothing was stored.");
    const emptyZip = await importImages(
      store,
      { kind: 'zip', file: blobOf(new Uint8Array(0)), name: 'set.ZIP' },
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(emptyZip.message).toBe("The zip 'set.ZIP' is empty (0 bytes). Nothing was stored.");
  });

  it("names a zip member with '..' or an absolute path as unsafe, not as a hidden file", async () => {
    const store = createMemoryStore();
    const r = await importImages(
      store,
      zip({
        ...classImages('set/a', [10, 10]),
        ...classImages('set/b', [20, 20]),
        'a/../../escape.png': makePng(5, 2),
        '/etc/abs.png': makePng(5, 2),
      }),
      OPTS,
      fakeDecoder(),
      () => undefined,
    );
    expect(r.outcome).toBe('complete');
    expect(r.imported).toBe(4);
    expect(r.skipped).toEqual([
      {
        file: 'a/../../escape.png',
        reason: "has an unsafe path: its '..' would climb out of the folder being imported, so it is skipped",
      },
      {
        file: '/etc/abs.png',
        reason:
          'has an unsafe path: it is absolute (it names a place outside the folder being imported), so it is skipped',
      },
    ]);
    expect(r.warnings.join(' ')).not.toMatch(/hidden/);
  });

  it('a full quota while storing a zip fails and rolls back', async () => {
    const store: MemoryImageStore = createMemoryStore({ quotaBytes: 9000 });
    store.estimate = async () => null;
    const r = await importImages(
      store,
      zip(files),
      { ...OPTS, limits: { shuffleBufferBytes: 0 } },
      fakeDecoder(),
      () => undefined,
    );
    expect(r.outcome).toBe('failed');
    expect(r.message).toMatch(/quota is full/);
    expect(await store.listManifests()).toEqual([]);
    expect(store.usage).toBe(0);
  });
});

describe('dataset ids', () => {
  it("'import-<slug>-<timestamp>', never an id already stored", async () => {
    expect(slugify('  Mes Chats & Chiens!  ')).toBe('mes-chats-chiens');
    expect(slugify('★')).toBe('dataset');
    const store = createMemoryStore();
    await store.putManifest({ ...(await existingDataset(store)), id: 'import-cats-5' });
    expect(await newDatasetId(store, 'Cats', 5)).toBe('import-cats-5-2');
    expect(await newDatasetId(store, 'Cats', 6)).toBe('import-cats-6');
  });
});

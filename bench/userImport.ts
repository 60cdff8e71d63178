// The user-image importer: PNG files → the browser decoder → IndexedDB (importImages), and the decoder
// alone.
import { openImageStore } from '../src/engine/data/imageStore';
import { createBrowserDecoder, importImages, type FolderFile } from '../src/engine/data/importers';
import { Rng } from '../src/engine/runtime/random';
import { round } from './rig';
import { log } from './options';

const IMPORT_NAME = 'bench import (temporary)';
const IMPORT_SOURCE_SIDE = 64; // encoded PNGs are 64×64 RGB
const IMPORT_SIZE = 28; // stored as 28×28 greyscale (MNIST-sized), so each file is resized
const IMPORT_CLASSES = 10;

/** `n` 64×64 RGB PNGs (a coloured bar per class on a noisy background), as `bench/<class>/<i>.png`. */
async function makePngFolder(n: number): Promise<FolderFile[]> {
  const canvas = new OffscreenCanvas(IMPORT_SOURCE_SIDE, IMPORT_SOURCE_SIDE);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D OffscreenCanvas here');
  const img = ctx.createImageData(IMPORT_SOURCE_SIDE, IMPORT_SOURCE_SIDE);
  const rng = new Rng(7);
  const files: FolderFile[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % IMPORT_CLASSES;
    const bar = Math.floor(((c + 0.5) * IMPORT_SOURCE_SIDE) / IMPORT_CLASSES);
    for (let y = 0; y < IMPORT_SOURCE_SIDE; y++)
      for (let x = 0; x < IMPORT_SOURCE_SIDE; x++) {
        const o = 4 * (y * IMPORT_SOURCE_SIDE + x);
        const on = Math.abs((c % 2 ? x : y) - bar) < 3;
        for (let ch = 0; ch < 3; ch++)
          img.data[o + ch] = on ? 200 + Math.floor(rng.next() * 55) : Math.floor(rng.next() * 60);
        img.data[o + 3] = 255;
      }
    ctx.putImageData(img, 0, 0);
    const file = await canvas.convertToBlob({ type: 'image/png' });
    files.push({ path: `bench/class-${c}/${i}.png`, file });
  }
  return files;
}

export async function benchImport(images: number) {
  log(`import: encoding ${images} PNGs of ${IMPORT_SOURCE_SIDE}×${IMPORT_SOURCE_SIDE} RGB in the page`);
  const te = performance.now();
  const files = await makePngFolder(images);
  const encodeS = (performance.now() - te) / 1000;
  const inputBytes = files.reduce((a, f) => a + f.file.size, 0);
  const decoder = createBrowserDecoder();

  // The decoder alone, on the same files (no sniffing, no IndexedDB): where the import's time goes.
  const td = performance.now();
  let decodeChecksum = 0;
  for (const f of files) decodeChecksum += (await decoder.decode(f.file, IMPORT_SIZE, 'center-crop', 1))[0]!;
  const decodeS = (performance.now() - td) / 1000;

  const store = await openImageStore();
  try {
    for (const m of await store.listManifests()) if (m.name === IMPORT_NAME) await store.deleteDataset(m.id); // leftovers of an interrupted run
    log(`import: importing ${images} files through importImages`);
    let progressEvents = 0;
    const ti = performance.now();
    const report = await importImages(
      store,
      { kind: 'folder', files },
      {
        name: IMPORT_NAME,
        size: IMPORT_SIZE,
        channels: 1,
        cropPolicy: 'center-crop',
        testShare: 0.1,
        seed: 1,
        onPartial: 'rollback',
      },
      decoder,
      () => progressEvents++,
    );
    const importS = (performance.now() - ti) / 1000;
    log(`import: ${report.outcome}: ${report.message} (${importS.toFixed(2)} s)`);
    if (report.outcome !== 'complete' || !report.manifest)
      throw new Error(`The import did not complete: ${report.message}`);
    const id = report.manifest.id;
    await store.deleteDataset(id);
    const deleted = (await store.getManifest(id)) === undefined;
    const mb = 1e6;
    const storedBytes = report.imported * (IMPORT_SIZE * IMPORT_SIZE + 1);
    return {
      files: images,
      imported: report.imported,
      skipped: report.skipped.length,
      classes: report.manifest.classNames?.length ?? 0,
      source: `${images} PNG files, ${IMPORT_SOURCE_SIDE}×${IMPORT_SOURCE_SIDE} RGB (a bar per class on random noise), encoded in the page by OffscreenCanvas.convertToBlob (${round(encodeS, 2)} s, not timed below), in folder form bench/class-<c>/<i>.png, ${IMPORT_CLASSES} classes`,
      options: `stored ${IMPORT_SIZE}×${IMPORT_SIZE}×1 (greyscale), center-crop, testShare 0.1, onPartial rollback, the default chunk size`,
      inputMB: round(inputBytes / mb, 3),
      meanFileBytes: Math.round(inputBytes / images),
      import: {
        api: 'importImages(openImageStore(), { kind: "folder" }, …, createBrowserDecoder()) on the page\'s main thread (the lab runs it in its worker): plan, sniff, decode + resize (createImageBitmap, OffscreenCanvas), DatasetWriter chunks into IndexedDB, manifest',
        seconds: round(importS),
        imagesPerSec: Math.round(report.imported / importS),
        inputMBps: round(inputBytes / mb / importS, 2),
        storedMBps: round(storedBytes / mb / importS, 3),
        progressEvents,
      },
      decodeOnly: {
        api: 'createBrowserDecoder().decode on the same files, one after another, nothing stored',
        seconds: round(decodeS),
        imagesPerSec: Math.round(images / decodeS),
        checksum: decodeChecksum,
      },
      MB: '10^6 bytes; input = encoded PNG bytes, stored = pixels + labels',
      deletedAfterwards: deleted,
    };
  } finally {
    store.close();
  }
}

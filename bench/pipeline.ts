// The data pipeline: IndexedDB store writes (as the built-in MNIST install) and StreamingSampler reads.
import { createStoreSource, openImageStore } from '../src/engine/data/imageStore';
import { syntheticBars } from '../src/engine/data/memorySource';
import { StreamingSampler } from '../src/engine/data/sampler';
import { MANIFEST_VERSION, type Chunk, type DatasetManifest } from '../src/shared/data/types';
import { CLASS_NAMES, CLASSES, round, SIDE } from './rig';
import { log } from './options';

export async function benchPipeline(images: number, batchSize: number) {
  const id = 'bench-pipeline-tmp';
  const chunkSize = 500; // as the built-in MNIST install
  const perTransaction = 8; // as the built-in MNIST install
  const imageBytes = SIDE * SIDE;
  const all = syntheticBars(images, SIDE, CLASSES, 3);
  const chunkCount = Math.ceil(images / chunkSize);
  const manifest: DatasetManifest = {
    id,
    name: 'bench pipeline (temporary)',
    width: SIDE,
    height: SIDE,
    channels: 1,
    classNames: CLASS_NAMES,
    splits: {
      train: { count: images, chunkSize, chunkCount },
      test: { count: 0, chunkSize, chunkCount: 0 },
    },
    about: 'synthetic, written by npm run bench and deleted afterwards',
    schemaVersion: MANIFEST_VERSION,
    createdAt: Date.now(),
    complete: false,
  };
  const chunks: Chunk[] = Array.from({ length: chunkCount }, (_, index) => {
    const start = index * chunkSize;
    const n = Math.min(chunkSize, images - start);
    return {
      datasetId: id,
      split: 'train',
      index,
      start,
      count: n,
      pixels: all.pixels.slice(start * imageBytes, (start + n) * imageBytes),
      labels: all.labels!.slice(start, start + n),
    };
  });
  const totalBytes = images * (imageBytes + 1); // pixels + labels
  let store = await openImageStore();
  try {
    await store.deleteDataset(id); // leftovers of an interrupted run
    log(
      `data: writing ${images} images in ${chunkCount} chunks of ${chunkSize}, ${perTransaction} per transaction`,
    );
    const tw = performance.now();
    await store.putManifest(manifest);
    for (let i = 0; i < chunkCount; i += perTransaction)
      await store.putChunks(chunks.slice(i, i + perTransaction));
    await store.putManifest({ ...manifest, complete: true });
    const writeS = (performance.now() - tw) / 1000;
    log(`data: wrote in ${writeS.toFixed(2)} s`);

    store.close(); // read through a fresh connection
    store = await openImageStore();
    const stored = await store.getManifest(id);
    if (!stored?.complete) throw new Error('The bench dataset was not stored completely');
    const source = createStoreSource(store, stored);
    const tr = performance.now();
    const sampler = new StreamingSampler(source, { split: 'train', batchSize, limit: 0, seed: 1 });
    let got = 0;
    let checksum = 0;
    for (let s = 0; s < sampler.stepsPerEpoch; s++) {
      const b = await sampler.next();
      got += b.indices.length;
      checksum += b.pixels[0]!;
    }
    const readS = (performance.now() - tr) / 1000;
    sampler.dispose();
    log(`data: sampler read ${got} images in ${readS.toFixed(2)} s (checksum ${checksum})`);

    await store.deleteDataset(id);
    const deleted = (await store.getManifest(id)) === undefined;
    let chunkGone = false;
    try {
      await store.readChunk(id, 'train', 0);
    } catch {
      chunkGone = true;
    }
    log(`data: bench dataset deleted: ${deleted && chunkGone}`);
    const mb = 1e6;
    return {
      images,
      imageShape: [SIDE, SIDE, 1],
      data: 'synthetic syntheticBars 28×28×1 bytes + 1 label byte each (MNIST-sized), random noise background',
      chunkSize,
      chunksPerTransaction: perTransaction,
      write: {
        api: 'openImageStore().putChunks (plus the manifest before and after)',
        seconds: round(writeS),
        MBps: round(totalBytes / mb / writeS, 1),
        imagesPerSec: Math.round(images / writeS),
      },
      read: {
        api: `StreamingSampler over createStoreSource, batchSize ${batchSize}, prefetch 2 chunks, one epoch`,
        images: got,
        seconds: round(readS),
        MBps: round((got * (imageBytes + 1)) / mb / readS, 1),
        imagesPerSec: Math.round(got / readS),
        note: 'read right after writing, through a new connection; the browser and OS caches may be warm',
      },
      MB: '10^6 bytes, pixels + labels',
      deletedAfterwards: deleted && chunkGone,
    };
  } finally {
    store.close();
  }
}

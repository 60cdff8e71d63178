// Installs the built-in MNIST (public/data/mnist, written by scripts/prepare-data.mjs) from the app's own
// origin into the image store, once: a complete stored copy is reused without downloading again.
import type { ImageStore } from './imageStore';
import { StorageError } from './storageError';
import { STORE_SCHEMA_VERSION, type Chunk, type DatasetManifest, type SplitName } from './types';

export const MNIST_ID = 'mnist';
const SPLITS: SplitName[] = ['train', 'test'];
const CHUNKS_PER_TRANSACTION = 8; // ~8 × 500 × 784 B ≈ 3 MB per transaction

/** Progress callback: phase 'download' counts bytes, phase 'store' counts chunks written. */
export type InstallProgress = (done: number, total: number, phase: string) => void;

interface MetaSplit {
  count: number;
  images: string; // file name of raw uint8 pixels [count, height, width]
  labels: string; // file name of uint8 labels [count]
}

interface Meta {
  id: string;
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  classNames: string[];
  splits: Record<SplitName, MetaSplit>;
  about: string;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function parseMeta(raw: unknown): Meta {
  const bad = (what: string) => new Error(`meta.json of the built-in MNIST is malformed: ${what}`);
  const m = raw as Partial<Meta> | null;
  if (typeof m !== 'object' || m === null) throw bad('not an object');
  if (!isCount(m.width) || !isCount(m.height)) throw bad('width/height');
  if (m.channels !== 1 && m.channels !== 3) throw bad('channels');
  if (!Array.isArray(m.classNames) || m.classNames.length === 0 || m.classNames.length > 256)
    throw bad('classNames');
  for (const split of SPLITS) {
    const s = m.splits?.[split];
    if (!s || !isCount(s.count) || typeof s.images !== 'string' || typeof s.labels !== 'string')
      throw bad(`splits.${split}`);
  }
  return m as Meta;
}

/** Fetches `url` into a buffer of exactly `expected` bytes, reporting bytes as they stream in. */
async function download(
  url: string,
  file: string,
  expected: number,
  onBytes: (n: number) => void,
): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not download ${file} of the built-in MNIST: HTTP ${res.status}`);
  // A dev server's SPA fallback answers a missing file with index.html and status 200.
  if (res.headers.get('content-type')?.includes('text/html'))
    throw new Error(
      `${file} of the built-in MNIST is missing on the server (got an HTML page); run npm run prepare-data`,
    );
  const wrongSize = (got: string) =>
    new Error(
      `${file} of the built-in MNIST has ${got} bytes, expected ${expected}; run npm run prepare-data`,
    );
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.length !== expected) throw wrongSize(String(buf.length));
    onBytes(buf.length);
    return buf;
  }
  const out = new Uint8Array(expected);
  const reader = res.body.getReader();
  let offset = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (offset + value.length > expected) {
      await reader.cancel();
      throw wrongSize(`more than ${expected}`);
    }
    out.set(value, offset);
    offset += value.length;
    onBytes(value.length);
  }
  if (offset !== expected) throw wrongSize(String(offset));
  return out;
}

/** Chunk `index` of a split: copies (not views) so each stored record holds only its own bytes. */
function makeChunk(
  split: SplitName,
  index: number,
  chunkSize: number,
  count: number,
  bytesPerImage: number,
  images: Uint8Array,
  labels: Uint8Array,
): Chunk {
  const start = index * chunkSize;
  const n = Math.min(chunkSize, count - start);
  return {
    datasetId: MNIST_ID,
    split,
    index,
    start,
    count: n,
    pixels: images.slice(start * bytesPerImage, (start + n) * bytesPerImage),
    labels: labels.slice(start, start + n),
  };
}

/**
 * Returns the stored MNIST manifest, downloading and storing MNIST first unless a complete copy exists.
 * `baseUrl` is the folder of meta.json on the app's own origin, e.g. './data/mnist/'.
 * A failure while storing removes the partial dataset and throws a StorageError.
 */
export async function installBuiltinMnist(
  store: ImageStore,
  baseUrl: string,
  onProgress: InstallProgress,
  chunkSize = 500,
): Promise<DatasetManifest> {
  const existing = await store.getManifest(MNIST_ID);
  if (existing?.complete && existing.schemaVersion === STORE_SCHEMA_VERSION) return existing;

  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const metaRes = await fetch(`${base}meta.json`);
  if (!metaRes.ok)
    throw new Error(`Could not download meta.json of the built-in MNIST: HTTP ${metaRes.status}`);
  let metaJson: unknown;
  try {
    metaJson = await metaRes.json();
  } catch {
    throw new Error('meta.json of the built-in MNIST is not JSON; run npm run prepare-data');
  }
  const meta = parseMeta(metaJson);
  const bytesPerImage = meta.width * meta.height * meta.channels;

  // Download everything before writing, so a network failure leaves the store untouched.
  const totalBytes = SPLITS.reduce((a, s) => a + meta.splits[s].count * (bytesPerImage + 1), 0);
  let gotBytes = 0;
  let reported = 0;
  const onBytes = (n: number) => {
    gotBytes += n;
    // Report about 200 times, not per network packet.
    if (gotBytes - reported >= totalBytes / 200 || gotBytes === totalBytes) {
      reported = gotBytes;
      onProgress(gotBytes, totalBytes, 'download');
    }
  };
  onProgress(0, totalBytes, 'download');
  const data = {} as Record<SplitName, { images: Uint8Array; labels: Uint8Array }>;
  for (const split of SPLITS) {
    const s = meta.splits[split];
    const images = await download(`${base}${s.images}`, s.images, s.count * bytesPerImage, onBytes);
    const labels = await download(`${base}${s.labels}`, s.labels, s.count, onBytes);
    const bad = labels.findIndex((l) => l >= meta.classNames.length);
    if (bad >= 0) throw new Error(`${s.labels} of the built-in MNIST has label ${labels[bad]} at ${bad}`);
    data[split] = { images, labels };
  }

  const manifest: DatasetManifest = {
    id: MNIST_ID,
    name: meta.name,
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
    classNames: meta.classNames,
    splits: {
      train: {
        count: meta.splits.train.count,
        chunkSize,
        chunkCount: Math.ceil(meta.splits.train.count / chunkSize),
      },
      test: {
        count: meta.splits.test.count,
        chunkSize,
        chunkCount: Math.ceil(meta.splits.test.count / chunkSize),
      },
    },
    about: meta.about,
    schemaVersion: STORE_SCHEMA_VERSION,
    createdAt: Date.now(),
    complete: false,
  };
  const totalChunks = manifest.splits.train.chunkCount + manifest.splits.test.chunkCount;

  try {
    // Clear leftovers of an interrupted install (possibly with another chunk size), then mark as in progress.
    await store.deleteDataset(MNIST_ID);
    await store.putManifest(manifest);
    let written = 0;
    onProgress(0, totalChunks, 'store');
    for (const split of SPLITS) {
      const { chunkCount, count } = manifest.splits[split];
      for (let first = 0; first < chunkCount; first += CHUNKS_PER_TRANSACTION) {
        const group: Chunk[] = [];
        for (let i = first; i < Math.min(first + CHUNKS_PER_TRANSACTION, chunkCount); i++) {
          group.push(
            makeChunk(split, i, chunkSize, count, bytesPerImage, data[split].images, data[split].labels),
          );
        }
        await store.putChunks(group);
        written += group.length;
        onProgress(written, totalChunks, 'store');
      }
    }
    const done: DatasetManifest = { ...manifest, complete: true };
    await store.putManifest(done);
    return done;
  } catch (e) {
    // Leave nothing half-made behind; the original error is what the user needs to see.
    await store.deleteDataset(MNIST_ID).catch(() => undefined);
    if (e instanceof StorageError) throw e;
    const detail = e instanceof Error ? e.message : String(e);
    throw new StorageError('other', `Storing the built-in MNIST failed: ${detail}`, { cause: e });
  }
}

// The built-in datasets: files under public/data/<folder>/ (meta.json plus raw uint8 images and labels per
// split, written by scripts/prepare-data.mjs at install and build time) that are installed from the app's
// own origin into the image store, once: a complete stored copy is reused without downloading again.
// MNIST is installed on first start; the others when the user asks for them. Nothing is downloaded from
// anywhere else.
import type { ImageStore } from './imageStore';
import {
  builtinDataset,
  MNIST_ID,
  type BuiltinDataset,
  type BuiltinId,
} from '../../shared/data/builtinCatalog';
import { StorageError } from '../../shared/data/storageError';
import { MANIFEST_VERSION, type Chunk, type DatasetManifest, type SplitName } from '../../shared/data/types';

const SPLITS: SplitName[] = ['train', 'test'];
const CHUNKS_PER_TRANSACTION = 8; // ~8 × 500 × 784 B ≈ 3 MB per transaction

/** Progress callback: phase 'download' counts bytes, phase 'store' counts chunks written. */
export type InstallProgress = (done: number, total: number, phase: string) => void;

export interface InstallOptions {
  chunkSize?: number; // images per stored chunk, default 500
  signal?: AbortSignal; // cancels the download or the storing; the partial dataset is removed
}

interface MetaSplit {
  count: number;
  images: string; // file name of raw uint8 pixels [count, height, width, channels]
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

function parseMeta(raw: unknown, d: BuiltinDataset): Meta {
  const bad = (what: string) =>
    new Error(`meta.json of the built-in ${d.name} is malformed (${what}); run npm run prepare-data`);
  const m = raw as Partial<Meta> | null;
  if (typeof m !== 'object' || m === null) throw bad('not an object');
  if (m.id !== d.id) throw bad(`id ${JSON.stringify(m.id)}, expected "${d.id}"`);
  if (typeof m.name !== 'string' || typeof m.about !== 'string') throw bad('name/about');
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

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason ?? new DOMException('The installation was cancelled.', 'AbortError');
}

/** Fetches `url` into a buffer of exactly `expected` bytes, reporting bytes as they stream in. */
async function download(
  url: string,
  file: string,
  d: BuiltinDataset,
  expected: number,
  onBytes: (n: number) => void,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const res = await fetch(url, signal ? { signal } : undefined);
  if (!res.ok) throw new Error(`Could not download ${file} of the built-in ${d.name}: HTTP ${res.status}`);
  // A dev server's SPA fallback answers a missing file with index.html and status 200.
  if (res.headers.get('content-type')?.includes('text/html'))
    throw new Error(
      `${file} of the built-in ${d.name} is missing on the server (got an HTML page); run npm run prepare-data`,
    );
  const wrongSize = (got: string) =>
    new Error(
      `${file} of the built-in ${d.name} has ${got} bytes, expected ${expected}; run npm run prepare-data`,
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
  datasetId: string,
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
    datasetId,
    split,
    index,
    start,
    count: n,
    pixels: images.slice(start * bytesPerImage, (start + n) * bytesPerImage),
    labels: labels.slice(start, start + n),
  };
}

/** Downloads and stores one built-in dataset from `folderUrl` (the folder of its meta.json). */
async function installFromFolder(
  store: ImageStore,
  d: BuiltinDataset,
  folderUrl: string,
  onProgress: InstallProgress,
  { chunkSize = 500, signal }: InstallOptions,
): Promise<DatasetManifest> {
  const existing = await store.getManifest(d.id);
  if (existing?.complete && existing.schemaVersion === MANIFEST_VERSION) return existing;
  throwIfAborted(signal);

  const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
  const metaRes = await fetch(`${base}meta.json`, signal ? { signal } : undefined);
  if (!metaRes.ok)
    throw new Error(`Could not download meta.json of the built-in ${d.name}: HTTP ${metaRes.status}`);
  let metaJson: unknown;
  try {
    metaJson = await metaRes.json();
  } catch {
    throwIfAborted(signal);
    throw new Error(`meta.json of the built-in ${d.name} is not JSON; run npm run prepare-data`);
  }
  const meta = parseMeta(metaJson, d);
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
    const images = await download(
      `${base}${s.images}`,
      s.images,
      d,
      s.count * bytesPerImage,
      onBytes,
      signal,
    );
    const labels = await download(`${base}${s.labels}`, s.labels, d, s.count, onBytes, signal);
    const bad = labels.findIndex((l) => l >= meta.classNames.length);
    if (bad >= 0) throw new Error(`${s.labels} of the built-in ${d.name} has label ${labels[bad]} at ${bad}`);
    data[split] = { images, labels };
  }
  throwIfAborted(signal);

  const splitInfo = (split: SplitName) => ({
    count: meta.splits[split].count,
    chunkSize,
    chunkCount: Math.ceil(meta.splits[split].count / chunkSize),
  });
  const manifest: DatasetManifest = {
    id: d.id,
    name: meta.name,
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
    classNames: meta.classNames,
    splits: { train: splitInfo('train'), test: splitInfo('test') },
    about: meta.about,
    schemaVersion: MANIFEST_VERSION,
    createdAt: Date.now(),
    complete: false,
  };
  const totalChunks = manifest.splits.train.chunkCount + manifest.splits.test.chunkCount;

  try {
    // Clear leftovers of an interrupted install (possibly with another chunk size), then mark as in progress.
    await store.deleteDataset(d.id);
    await store.putManifest(manifest);
    let written = 0;
    onProgress(0, totalChunks, 'store');
    for (const split of SPLITS) {
      const { chunkCount, count } = manifest.splits[split];
      const { images, labels } = data[split];
      for (let first = 0; first < chunkCount; first += CHUNKS_PER_TRANSACTION) {
        throwIfAborted(signal);
        const group: Chunk[] = [];
        for (let i = first; i < Math.min(first + CHUNKS_PER_TRANSACTION, chunkCount); i++)
          group.push(makeChunk(d.id, split, i, chunkSize, count, bytesPerImage, images, labels));
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
    await store.deleteDataset(d.id).catch(() => undefined);
    if (e instanceof StorageError || signal?.aborted) throw e;
    const detail = e instanceof Error ? e.message : String(e);
    throw new StorageError('other', `Storing the built-in ${d.name} failed: ${detail}`, { cause: e });
  }
}

/**
 * Returns the stored manifest of built-in dataset `id`, downloading and storing it first unless a
 * complete copy exists. `dataUrl` is the app's data folder on its own origin, e.g. './data/' (the
 * dataset's files lie in its `folder` below). A failure or cancel while storing removes the partial
 * dataset; storage failures are thrown as StorageError, a cancel as the signal's reason (AbortError).
 */
export function installBuiltin(
  store: ImageStore,
  id: BuiltinId,
  dataUrl: string,
  onProgress: InstallProgress,
  opts: InstallOptions = {},
): Promise<DatasetManifest> {
  const d = builtinDataset(id);
  if (!d) return Promise.reject(new Error(`There is no built-in dataset "${String(id)}".`));
  const base = dataUrl.endsWith('/') ? dataUrl : `${dataUrl}/`;
  return installFromFolder(store, d, `${base}${d.folder}/`, onProgress, opts);
}

/**
 * The built-in MNIST from `baseUrl`, the folder of its meta.json (e.g. './data/mnist/').
 * Prefer installBuiltin(store, 'mnist', './data/', …).
 */
export function installBuiltinMnist(
  store: ImageStore,
  baseUrl: string,
  onProgress: InstallProgress,
  chunkSize = 500,
): Promise<DatasetManifest> {
  return installFromFolder(store, builtinDataset(MNIST_ID)!, baseUrl, onProgress, { chunkSize });
}

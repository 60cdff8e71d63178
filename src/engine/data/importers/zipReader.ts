// Streams a zip from a Blob through fflate's Unzip, a slice at a time, inflating only the entries asked
// for and only within limits: an entry's declared size and compression ratio are checked before it is
// inflated, and the bytes it actually inflates to are counted as they come, in small pieces, so that a zip
// bomb (or an entry whose header lies) is stopped after a few megabytes rather than filling memory.
import { Unzip, UnzipInflate, type AsyncFlateStreamHandler, type UnzipDecoder, type UnzipFile } from 'fflate';
import { formatBytes } from '../../../shared/data/storageError';
import { throwIfCancelled } from './cancel';
import { sniffImage } from './sniff';
import type { ImportLimits } from '../../../shared/data/importTypes';

export interface ZipEntry {
  index: number; // position in the archive, 0-based (the same on every read of the same Blob)
  name: string; // path inside the zip
  compression: number; // 0 stored, 8 deflate; others cannot be read
  compressedSize: number | null; // null for a streamed entry, whose sizes follow its data
  size: number | null; // declared uncompressed size; null for a streamed entry
}

export type ZipLimits = Pick<
  ImportLimits,
  'maxFileBytes' | 'maxZipBytes' | 'maxZipRatio' | 'zipRatioMinBytes'
>;

export type ZipEvent =
  | { type: 'listed'; entry: ZipEntry } // not wanted: seen, not inflated
  | { type: 'file'; entry: ZipEntry; data: Uint8Array } // wanted and inflated in full
  | { type: 'refused'; entry: ZipEntry; reason: string }; // wanted, not (fully) inflated

/** The archive as a whole cannot be read (not a zip, damaged, truncated) or expands beyond maxZipBytes. */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipReadOptions {
  wanted: (entry: ZipEntry) => boolean; // decides, as each entry is found, whether to inflate it
  limits: ZipLimits;
  signal?: AbortSignal;
  onBytes?: (read: number, total: number) => void; // archive bytes read so far
  stats?: { inflatedBytes: number }; // incremented by every byte inflated (tests check a bomb stays small)
}

const SLICE_BYTES = 1 << 20; // archive bytes read from the Blob at a time
const PUSH_BYTES = 64 * 1024; // archive bytes pushed to the unzipper between drains of its events
// Deflate expands at most ~1032×, so an 8 KB piece inflates to at most ~8.3 MB before the next check.
const INFLATE_PIECE = 8 * 1024;

const METHODS: Record<number, string> = {
  9: 'Deflate64',
  12: 'BZIP2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'XZ',
  98: 'PPMd',
  99: 'AES encryption',
};

/** Why an entry must not be inflated, judged from its header alone; null when it may be. */
export function declaredProblem(e: ZipEntry, limits: ZipLimits): string | null {
  if (e.compression !== 0 && e.compression !== 8) {
    const method = METHODS[e.compression] ?? `method ${e.compression}`;
    return `is compressed with ${method}, which this lab cannot read (only stored and Deflate entries): re-create the zip with standard compression`;
  }
  if (e.size === null) return null; // streamed entry: checked while inflating
  if (e.size > limits.maxFileBytes)
    return `would expand to ${formatBytes(e.size)}, above the limit of ${formatBytes(limits.maxFileBytes)} per file`;
  const ratio = e.size / Math.max(1, e.compressedSize ?? 0);
  if (e.size >= limits.zipRatioMinBytes && ratio > limits.maxZipRatio)
    return `would expand ${Math.round(ratio)}-fold (${formatBytes(e.compressedSize ?? 0)} to ${formatBytes(e.size)}), above the limit of ${limits.maxZipRatio}-fold: this looks like a zip bomb`;
  return null;
}

/** An entry being inflated: its pieces so far and what it has cost. */
interface Sink {
  entry: ZipEntry;
  pieces: Uint8Array[];
  inBytes: number; // compressed bytes consumed
  outBytes: number; // bytes inflated
  done: boolean;
}

const EMPTY = new Uint8Array(0);

function concat(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Every entry of the zip in archive order, as events; wanted entries come with their bytes. */
export async function* readZip(blob: Blob, zipName: string, opts: ZipReadOptions): AsyncGenerator<ZipEvent> {
  const { limits, stats } = opts;
  const isZipName = /\.zip$/i.test(zipName);
  if (blob.size === 0)
    throw new ZipError(`The ${isZipName ? 'zip' : 'file'} '${zipName}' is empty (0 bytes).`);
  const head = new Uint8Array(await blob.slice(0, 64).arrayBuffer());
  const sig = (head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24)) >>> 0;
  if (sig === 0x06054b50) return; // an empty archive: no entries
  if (sig !== 0x04034b50) {
    const image = sniffImage(head);
    if (image.ok)
      throw new ZipError(
        `'${zipName}' is a ${image.format.toUpperCase()} image, not a zip archive: choose its folder with "Folder…", or put the images in a zip first.`,
      );
    throw new ZipError(`'${zipName}' is not a zip archive: it does not start with the zip signature.`);
  }

  const queue: ZipEvent[] = [];
  let fatal: ZipError | null = null;
  let total = 0; // bytes inflated from wanted entries
  let index = 0;
  let current: ZipEntry | null = null;
  let handoff: Sink | null = null; // the sink of the entry whose decoder file.start() is constructing

  const settle = (s: Sink, reason: string | null) => {
    if (s.done) return;
    s.done = true;
    const { entry } = s;
    if (reason === null && entry.size !== null && s.outBytes !== entry.size)
      reason = `is damaged: it inflates to ${s.outBytes} bytes, not the ${entry.size} its header declares`;
    queue.push(
      reason === null
        ? { type: 'file', entry, data: concat(s.pieces, s.outBytes) }
        : { type: 'refused', entry, reason },
    );
    s.pieces = [];
  };

  const receive = (s: Sink, err: Error | null, data: Uint8Array | null, final: boolean) => {
    if (s.done) return;
    if (err) return settle(s, `is damaged: its compressed data cannot be inflated (${err.message})`);
    if (data && data.length > 0) {
      s.outBytes += data.length;
      total += data.length;
      if (stats) stats.inflatedBytes += data.length;
      const { entry } = s;
      if (entry.size !== null && s.outBytes > entry.size)
        return settle(
          s,
          `is damaged or hostile: it inflates beyond the ${entry.size} bytes its header declares`,
        );
      if (s.outBytes > limits.maxFileBytes)
        return settle(
          s,
          `expands to more than ${formatBytes(limits.maxFileBytes)}, the limit per file (stopped while inflating)`,
        );
      if (s.outBytes >= limits.zipRatioMinBytes && s.outBytes / Math.max(1, s.inBytes) > limits.maxZipRatio)
        return settle(
          s,
          `expands more than ${limits.maxZipRatio}-fold (stopped while inflating): this looks like a zip bomb`,
        );
      if (total > limits.maxZipBytes && !fatal)
        fatal = new ZipError(
          `The zip '${zipName}' expands to more than ${formatBytes(limits.maxZipBytes)} of images, the limit for one zip (reached at '${entry.name}'): split it into smaller zips.`,
        );
      s.pieces.push(data);
    }
    if (final) settle(s, null);
  };

  /** A decoder class per compression method; deflate is inflated a small piece at a time. */
  const decoderFor = (code: number) =>
    class GuardedDecoder implements UnzipDecoder {
      static compression = code;
      ondata: AsyncFlateStreamHandler = () => undefined; // wired by fflate to the file's ondata
      private readonly sink = handoff;
      private readonly inflater = code === 8 && this.sink ? new UnzipInflate() : null;

      constructor() {
        if (this.inflater) this.inflater.ondata = (err, data, final) => this.ondata(err, data, final);
      }

      push(chunk: Uint8Array, final: boolean): void {
        const s = this.sink;
        if (!s || s.done) return; // not wanted, or refused: the rest is skipped without inflating
        if (!this.inflater) {
          if (code !== 0) return;
          s.inBytes += chunk.length;
          this.ondata(null, chunk.slice(), final); // a copy: fflate's buffer is reused
          return;
        }
        if (chunk.length === 0) this.inflater.push(EMPTY, final);
        for (let o = 0; o < chunk.length && !s.done; o += INFLATE_PIECE) {
          const piece = chunk.subarray(o, o + INFLATE_PIECE);
          s.inBytes += piece.length;
          this.inflater.push(piece, final && o + INFLATE_PIECE >= chunk.length);
        }
      }
    };

  const unzip = new Unzip();
  const registered = new Set([0, 8]);
  unzip.register(decoderFor(0));
  unzip.register(decoderFor(8));
  unzip.onfile = (file: UnzipFile) => {
    const entry: ZipEntry = {
      index: index++,
      name: file.name,
      compression: file.compression,
      compressedSize: file.size ?? null,
      size: file.originalSize ?? null,
    };
    current = entry;
    let sink: Sink | null = null;
    if (opts.wanted(entry)) {
      const problem = declaredProblem(entry, limits);
      if (problem) queue.push({ type: 'refused', entry, reason: problem });
      else sink = { entry, pieces: [], inBytes: 0, outBytes: 0, done: false };
    } else queue.push({ type: 'listed', entry });
    // Every entry is started, unwanted ones with a decoder that drops their bytes: an entry never started
    // would have its compressed bytes kept by the unzipper until the end.
    if (!registered.has(file.compression)) {
      registered.add(file.compression);
      unzip.register(decoderFor(file.compression));
    }
    file.ondata = sink ? (err, data, final) => receive(sink, err, data, final) : () => undefined;
    handoff = sink;
    try {
      file.start();
    } finally {
      handoff = null;
    }
  };

  for (let pos = 0; pos < blob.size; pos += SLICE_BYTES) {
    throwIfCancelled(opts.signal);
    const buf = new Uint8Array(await blob.slice(pos, pos + SLICE_BYTES).arrayBuffer());
    for (let o = 0; o < buf.length; o += PUSH_BYTES) {
      const final = pos + o + PUSH_BYTES >= blob.size;
      try {
        unzip.push(buf.subarray(o, o + PUSH_BYTES), final);
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e);
        const where = current ? ` inside '${(current as ZipEntry).name}'` : '';
        throw new ZipError(`The zip '${zipName}' is damaged or truncated: it ends${where} (${detail}).`);
      }
      if (fatal) throw fatal;
      while (queue.length > 0) yield queue.shift()!;
      throwIfCancelled(opts.signal);
    }
    opts.onBytes?.(Math.min(blob.size, pos + SLICE_BYTES), blob.size);
  }
}

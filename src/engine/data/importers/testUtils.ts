// Test helpers (imported by *.test.ts only): real image headers and files built byte by byte, and a fake
// ImageDecoder for Node, where createImageBitmap and OffscreenCanvas do not exist.
import { deflateSync } from 'node:zlib';
import { sniffImage } from './sniff';
import type { CropPolicy, ImageDecoder } from '../../../shared/data/importTypes';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const text = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

export function concatBytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of arrays) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const le16 = (v: number) => [v & 255, (v >>> 8) & 255];
const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = concatBytes(text(type), data);
  return concatBytes(be32(data.length), body, be32(crc32(body)));
}

/**
 * A valid RGB PNG of width×height whose pixel bytes are `fill` (a value, or a function of the byte's index
 * in R, G, B order, e.g. noise); `idat: false` gives the signature and header only.
 */
export function makePng(
  width: number,
  height: number,
  fill: number | ((i: number) => number) = 128,
  idat = true,
): Uint8Array {
  const ihdr = concatBytes(be32(width), be32(height), [8, 2, 0, 0, 0]); // 8-bit RGB
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr)];
  if (idat) {
    const stride = 1 + width * 3;
    const raw = new Uint8Array(height * stride); // each row: filter type 0 (None), then its pixels
    let i = 0;
    for (let y = 0; y < height; y++)
      for (let x = 1; x < stride; x++) raw[y * stride + x] = typeof fill === 'number' ? fill : fill(i++);
    parts.push(pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0)));
  }
  return concatBytes(...parts);
}

/** A baseline JPEG's marker structure up to its frame header; `metadata` bytes of APP1 before it. */
export function makeJpegHeader(width: number, height: number, metadata = 0, sof = 0xc0): Uint8Array {
  const app0 = concatBytes([0xff, 0xe0], [0, 16], text('JFIF\0'), [1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const app1 =
    metadata > 0
      ? concatBytes([0xff, 0xe1], [(metadata + 2) >> 8, (metadata + 2) & 255], new Uint8Array(metadata))
      : new Uint8Array(0);
  const dqt = concatBytes([0xff, 0xdb], [0, 67, 0], new Uint8Array(64).fill(1));
  const frame = concatBytes(
    [0xff, sof],
    [0, 17, 8],
    [height >> 8, height & 255, width >> 8, width & 255],
    [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
  );
  return concatBytes(
    [0xff, 0xd8],
    app0,
    app1,
    dqt,
    frame,
    [0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0],
    [0xff, 0xd9],
  );
}

export function makeGif(width: number, height: number): Uint8Array {
  return concatBytes(text('GIF89a'), le16(width), le16(height), [0, 0, 0], [0x3b]);
}

export function makeBmp(width: number, height: number, header: 'info' | 'core' = 'info'): Uint8Array {
  const dib =
    header === 'core'
      ? concatBytes(le32(12), le16(width), le16(height), le16(1), le16(24))
      : concatBytes(le32(40), le32(width), le32(height), le16(1), le16(24), new Uint8Array(24));
  return concatBytes(text('BM'), le32(14 + dib.length), [0, 0, 0, 0], le32(14 + dib.length), dib);
}

export function makeWebp(kind: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number): Uint8Array {
  let chunk: Uint8Array;
  if (kind === 'VP8 ')
    chunk = concatBytes([0x50, 0x01, 0x00], [0x9d, 0x01, 0x2a], le16(width), le16(height), new Uint8Array(4));
  else if (kind === 'VP8L') {
    const bits = ((width - 1) | ((height - 1) << 14)) >>> 0; // alpha and version bits zero
    chunk = concatBytes([0x2f], le32(bits), new Uint8Array(5));
  } else {
    const w = width - 1;
    const h = height - 1;
    chunk = concatBytes(
      [0, 0, 0, 0],
      [w & 255, (w >> 8) & 255, (w >> 16) & 255],
      [h & 255, (h >> 8) & 255, (h >> 16) & 255],
    );
  }
  const body = concatBytes(text(kind), le32(chunk.length), chunk);
  return concatBytes(text('RIFF'), le32(4 + body.length), text('WEBP'), body);
}

export const blobOf = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);

/**
 * A decoder that "decodes" by sniffing: every pixel is (width + channel) mod 256, so tests can tell which file an
 * image came from; a PNG without IEND is truncated and throws. `calls` lists the sizes of the blobs it got.
 */
export function fakeDecoder(onDecode?: (n: number) => void): ImageDecoder & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    async decode(blob: Blob, size: number, _policy: CropPolicy, channels: 1 | 3): Promise<Uint8Array> {
      calls.push(blob.size);
      onDecode?.(calls.length);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const s = sniffImage(bytes);
      if (!s.ok) throw new Error('not an image');
      if (s.format === 'png' && !Buffer.from(bytes).includes('IEND'))
        throw new Error('The source image could not be decoded.');
      const out = new Uint8Array(size * size * channels);
      for (let i = 0; i < out.length; i++) out[i] = (s.width + (i % channels)) % 256;
      return out;
    },
  };
}

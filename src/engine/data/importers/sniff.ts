// Reads an image's format and pixel size from its first bytes, before anything decodes it, so that a
// non-image is named as such and a 20000×20000 image is refused without allocating 1.6 GB for it.

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp';

export const FORMAT_NAMES = 'PNG, JPEG, WebP, GIF or BMP';

export type SniffResult =
  | { ok: true; format: ImageFormat; width: number; height: number }
  /** needMore: the header may lie beyond the bytes given (a JPEG's frame header after large metadata). */
  | { ok: false; reason: string; needMore: boolean };

/** Bytes to read first; JPEGs whose frame header lies further in ask for more. */
export const SNIFF_BYTES = 64 * 1024;

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => (u16be(b, i) * 65536 + u16be(b, i + 2)) >>> 0;
const i32le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  return sig.every((v, k) => b[at + k] === v);
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = ascii('IHDR');
const TRUNCATABLE = [PNG_SIG, [0xff, 0xd8, 0xff], ascii('GIF8'), ascii('RIFF')];

const fail = (reason: string, needMore = false): SniffResult => ({ ok: false, reason, needMore });

function sized(format: ImageFormat, width: number, height: number): SniffResult {
  if (width <= 0 || height <= 0)
    return fail(`is damaged: its ${format.toUpperCase()} header gives a size of ${width}×${height} pixels`);
  return { ok: true, format, width, height };
}

function png(b: Uint8Array): SniffResult {
  // 8-byte signature, then the IHDR chunk: length (4), 'IHDR', width (4, BE), height (4, BE).
  if (b.length < 24) return fail('is truncated: the PNG ends before its header (IHDR)');
  if (!startsWith(b, IHDR, 12)) return fail('is damaged: the PNG does not start with its IHDR header');
  return sized('png', u32be(b, 16), u32be(b, 20));
}

function jpeg(b: Uint8Array): SniffResult {
  // Walk the marker segments from SOI to the first frame header SOFn (C0–CF except C4 DHT, C8 JPG, CC DAC).
  let i = 2;
  for (;;) {
    while (i < b.length && b[i] !== 0xff) i++; // tolerate junk between segments, as decoders do
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    if (i + 1 > b.length) break;
    const marker = b[i]!;
    i++;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda)
      return fail('is damaged: the JPEG has no frame header before its image data');
    if (i + 2 > b.length) break;
    const length = u16be(b, i);
    if (length < 2) return fail('is damaged: a JPEG segment has an impossible length');
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 7 > b.length) break;
      const height = u16be(b, i + 3);
      const width = u16be(b, i + 5);
      if (height === 0)
        return fail('is not supported: the JPEG gives its height only after the image data (DNL)');
      return sized('jpeg', width, height);
    }
    i += length;
  }
  return fail('is truncated: the JPEG ends before its frame header', true);
}

function gif(b: Uint8Array): SniffResult {
  // 'GIF87a' / 'GIF89a', then the logical screen width and height (LE 16-bit).
  if (b.length < 10) return fail('is truncated: the GIF ends before its screen size');
  return sized('gif', u16le(b, 6), u16le(b, 8));
}

function bmp(b: Uint8Array): SniffResult {
  // 14-byte file header, then the DIB header whose first field is its own size.
  if (b.length < 26) return fail('is truncated: the BMP ends before its header');
  const dib = i32le(b, 14);
  if (dib === 12) return sized('bmp', u16le(b, 18), u16le(b, 20)); // BITMAPCOREHEADER (OS/2 1.x)
  if (dib < 40) return fail(`is damaged: the BMP has an unknown header of ${dib} bytes`);
  // BITMAPINFOHEADER and later: signed 32-bit width and height; a negative height means top-down rows.
  return sized('bmp', i32le(b, 18), Math.abs(i32le(b, 22)));
}

function webp(b: Uint8Array): SniffResult {
  // RIFF container: 'RIFF' size 'WEBP', then the first chunk: 'VP8 ' (lossy), 'VP8L' (lossless) or 'VP8X'.
  if (b.length < 30) return fail('is truncated: the WebP ends before its header');
  const chunk = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height (top 2 bits: scaling).
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23))
      return fail('is damaged: the WebP (VP8) frame has no start code');
    return sized('webp', u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Signature 0x2F, then width − 1 and height − 1 in 14 bits each, little-endian bit order.
    if (b[20] !== 0x2f) return fail('is damaged: the WebP (VP8L) stream has no signature');
    const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
    return sized('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    // Flags (1) + reserved (3), then canvas width − 1 and height − 1 in 24 bits each.
    return sized('webp', u24le(b, 24) + 1, u24le(b, 27) + 1);
  }
  return fail(`is damaged: the WebP starts with an unknown chunk '${chunk.replace(/[^ -~]/g, '?')}'`);
}

/** Format and size from the first bytes of a file (SNIFF_BYTES are enough except for some JPEGs). */
export function sniffImage(b: Uint8Array): SniffResult {
  if (b.length === 0) return fail('is empty (0 bytes)');
  if (startsWith(b, PNG_SIG)) return png(b);
  if (startsWith(b, [0xff, 0xd8, 0xff])) return jpeg(b);
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return gif(b);
  if (startsWith(b, ascii('BM'))) return bmp(b);
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return webp(b);
  if (TRUNCATABLE.some((sig) => b.length < sig.length && b.every((v, k) => sig[k] === v)))
    return fail('is truncated: it ends inside the image signature');
  return fail(`is not an image this lab reads: its content is not ${FORMAT_NAMES}`);
}

/** "is 20000×20000 pixels (400 megapixels), above the limit of 50 megapixels", or null when within it. */
export function pixelLimitProblem(width: number, height: number, maxPixels: number): string | null {
  if (width * height <= maxPixels) return null;
  const mp = (n: number) => `${Number((n / 1e6).toFixed(1))} megapixels`;
  return `is ${width}×${height} pixels (${mp(width * height)}), above the limit of ${mp(maxPixels)}`;
}

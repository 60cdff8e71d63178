// One file to one stored image: empty and non-images are named as such, the header is sniffed and the
// pixel limit checked before the decoder (which allocates width × height × 4 bytes) ever sees the file.
import { pixelLimitProblem, sniffImage, SNIFF_BYTES, type ImageFormat } from './sniff';
import type { ImportContext } from './context';

const MIME: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

/**
 * The reason for a file the decoder refused, saying "could not be decoded" once: the browser's own message
 * ("The source image could not be decoded.") adds nothing and is left out; any other detail is kept.
 */
export function decodeFailure(detail: string): string {
  if (detail.startsWith('could not be decoded')) return detail;
  const extra = detail === '' || /could not be decoded/i.test(detail) ? '' : ` (${detail})`;
  return `could not be decoded: the image is truncated or corrupt${extra}`;
}

async function read(blob: Blob, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(0, end).arrayBuffer());
}

/**
 * Decodes `blob` (a folder file, or `bytes` inflated from a zip) into [size, size, channels], or says why
 * not: the reason reads after the file name ("'cats/1.png' is empty (0 bytes)").
 */
export async function decodeFile(
  ctx: ImportContext,
  blob: Blob,
  bytes?: Uint8Array,
): Promise<{ pixels: Uint8Array } | { reason: string }> {
  if (blob.size === 0) return { reason: 'is empty (0 bytes)' };
  let head = bytes ?? (await read(blob, SNIFF_BYTES));
  let sniff = sniffImage(head);
  if (!sniff.ok && sniff.needMore && !bytes && blob.size > head.length) {
    head = await read(blob, blob.size); // a JPEG with large metadata before its frame header
    sniff = sniffImage(head);
  }
  if (!sniff.ok) return { reason: sniff.reason };
  const tooBig = pixelLimitProblem(sniff.width, sniff.height, ctx.limits.maxPixels);
  if (tooBig) return { reason: tooBig };
  const { size, channels, cropPolicy } = ctx.opts;
  const typed = blob.type ? blob : new Blob([blob], { type: MIME[sniff.format] });
  let pixels: Uint8Array;
  try {
    pixels = await ctx.decoder.decode(typed, size, cropPolicy, channels);
  } catch (e) {
    return { reason: decodeFailure(e instanceof Error ? e.message : String(e)) };
  }
  const expected = size * size * channels;
  if (pixels.length !== expected)
    return { reason: `could not be decoded: the decoder gave ${pixels.length} bytes, not ${expected}` };
  return { pixels };
}

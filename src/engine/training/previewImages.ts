// Read-back values → plain preview data (images as 0–255 bytes, per-sample rows): the helpers that
// previews.ts and each hard-example generator's readPreview share.
import type { PreviewImage } from '../../shared/trainingTypes';

/** Values of an [n, h, w, c] tensor in [0, 1] → n images of 0–255 bytes. */
export function toImages(data: Float32Array | Int32Array | Uint8Array, shape: number[]): PreviewImage[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const size = h * w * c;
  return Array.from({ length: n }, (_, i) => {
    const pixels = new Uint8Array(size);
    for (let j = 0; j < size; j++)
      pixels[j] = Math.round(Math.min(1, Math.max(0, data[i * size + j]!)) * 255);
    return { width: w, height: h, channels: c, pixels };
  });
}

/** Values of an [n, …] tensor → its n rows. */
export function splitRows(data: Float32Array | Int32Array | Uint8Array, n: number): Float32Array[] {
  const size = data.length / n;
  return Array.from({ length: n }, (_, i) => Float32Array.from(data.subarray(i * size, (i + 1) * size)));
}

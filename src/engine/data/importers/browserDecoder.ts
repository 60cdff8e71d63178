// The ImageDecoder of browsers (a Web Worker or a page): createImageBitmap decodes, a second
// createImageBitmap crops and resizes with high-quality filtering, an OffscreenCanvas composites the result
// onto black (pad borders, transparent pixels) and hands back the pixels. Both are worker globals.
import { decodeFailure } from './decodeFile';
import { drawRect, fromRgba } from './pixels';
import type { CropPolicy, ImageDecoder } from '../../../shared/data/importTypes';

async function cropAndResize(
  bitmap: ImageBitmap,
  r: ReturnType<typeof drawRect>,
): Promise<ImageBitmap | null> {
  try {
    return await createImageBitmap(bitmap, r.sx, r.sy, r.sw, r.sh, {
      resizeWidth: r.dw,
      resizeHeight: r.dh,
      resizeQuality: 'high',
    });
  } catch {
    return null; // resize options unsupported here: drawImage scales instead
  }
}

export function createBrowserDecoder(): ImageDecoder {
  return {
    async decode(blob: Blob, size: number, policy: CropPolicy, channels: 1 | 3): Promise<Uint8Array> {
      let bitmap: ImageBitmap;
      try {
        bitmap = await createImageBitmap(blob);
      } catch (e) {
        throw new Error(decodeFailure(e instanceof Error ? e.message : ''), { cause: e });
      }
      let resized: ImageBitmap | null = null;
      try {
        const r = drawRect(bitmap.width, bitmap.height, size, policy);
        const canvas = new OffscreenCanvas(size, size);
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        if (!ctx) throw new Error('could not be decoded: this browser offers no 2D canvas in workers');
        ctx.fillStyle = '#000';
        ctx.fillRect(0, 0, size, size);
        resized = await cropAndResize(bitmap, r);
        if (resized) ctx.drawImage(resized, r.dx, r.dy);
        else {
          ctx.imageSmoothingEnabled = true;
          ctx.imageSmoothingQuality = 'high';
          ctx.drawImage(bitmap, r.sx, r.sy, r.sw, r.sh, r.dx, r.dy, r.dw, r.dh);
        }
        return fromRgba(ctx.getImageData(0, 0, size, size).data, channels);
      } finally {
        resized?.close();
        bitmap.close();
      }
    },
  };
}

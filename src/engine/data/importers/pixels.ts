// Pixel helpers shared by the decoders and the CIFAR reader: colour to greyscale, area resizing, and where
// to draw an image under each crop policy.
import type { CropPolicy } from '../../../shared/data/importTypes';

/** BT.601 luma, as most image tools compute greyscale. */
export const luma = (r: number, g: number, b: number) => Math.round(0.299 * r + 0.587 * g + 0.114 * b);

/** [N·4] RGBA → [N·channels] RGB or luma; alpha is dropped (the browser decoder composites onto black first). */
export function fromRgba(rgba: Uint8Array | Uint8ClampedArray, channels: 1 | 3): Uint8Array {
  const n = rgba.length >> 2;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (channels === 1) out[p] = luma(r, g, b);
    else {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    }
  }
  return out;
}

/** [N·3] RGB → [N] luma. */
export function rgbToGrey(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let p = 0; p < out.length; p++) out[p] = luma(rgb[3 * p]!, rgb[3 * p + 1]!, rgb[3 * p + 2]!);
  return out;
}

/**
 * Resizes [sh, sw, c] to [dh, dw, c] by area averaging: each output pixel is the mean of the source area it
 * covers, weighted by coverage (exact for downscaling; for upscaling each output pixel takes its source pixel).
 */
export function resizeArea(
  src: Uint8Array,
  sw: number,
  sh: number,
  c: number,
  dw: number,
  dh: number,
): Uint8Array {
  if (sw === dw && sh === dh) return src;
  const out = new Uint8Array(dw * dh * c);
  const fx = sw / dw;
  const fy = sh / dh;
  const acc = new Float64Array(c);
  for (let y = 0; y < dh; y++) {
    const y0 = y * fy;
    const y1 = y0 + fy;
    for (let x = 0; x < dw; x++) {
      const x0 = x * fx;
      const x1 = x0 + fx;
      acc.fill(0);
      let total = 0;
      for (let sy = Math.floor(y0); sy < Math.min(sh, Math.ceil(y1)); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.min(sw, Math.ceil(x1)); sx++) {
          const w = wy * (Math.min(x1, sx + 1) - Math.max(x0, sx));
          const base = (sy * sw + sx) * c;
          for (let k = 0; k < c; k++) acc[k]! += w * src[base + k]!;
          total += w;
        }
      }
      const o = (y * dw + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = Math.round(acc[k]! / total);
    }
  }
  return out;
}

/** Source rectangle (s*) of a width×height image drawn into the rectangle (d*) of a size×size square. */
export interface DrawRect {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  dx: number;
  dy: number;
  dw: number;
  dh: number;
}

export function drawRect(width: number, height: number, size: number, policy: CropPolicy): DrawRect {
  const whole = { sx: 0, sy: 0, sw: width, sh: height };
  if (policy === 'stretch') return { ...whole, dx: 0, dy: 0, dw: size, dh: size };
  if (policy === 'center-crop') {
    const side = Math.min(width, height);
    const sx = Math.floor((width - side) / 2);
    const sy = Math.floor((height - side) / 2);
    return { sx, sy, sw: side, sh: side, dx: 0, dy: 0, dw: size, dh: size };
  }
  // pad: the whole image, its longer side filling the square, centred on black.
  const scale = size / Math.max(width, height);
  const dw = Math.max(1, Math.round(width * scale));
  const dh = Math.max(1, Math.round(height * scale));
  return { ...whole, dx: Math.floor((size - dw) / 2), dy: Math.floor((size - dh) / 2), dw, dh };
}

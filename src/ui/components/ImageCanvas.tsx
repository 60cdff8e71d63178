// Draws read-back preview images with a 2D canvas (WebGPU canvases can screenshot black headless).
import { useEffect, useRef } from 'react';
import type { PreviewImage } from '../../shared/trainingTypes';

export type Overlay = { mask: Uint8Array } | null;

/** Greyscale or RGB bytes → RGBA ImageData; optional mask outline in orange. */
function toImageData(img: PreviewImage, overlay: Overlay): ImageData {
  const { width: w, height: h, channels: c, pixels } = img;
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = pixels[i * c]!;
    rgba[4 * i + 1] = pixels[i * c + (c === 3 ? 1 : 0)]!;
    rgba[4 * i + 2] = pixels[i * c + (c === 3 ? 2 : 0)]!;
    rgba[4 * i + 3] = 255;
  }
  if (overlay) {
    const m = overlay.mask;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!m[i]) continue;
        const edge =
          x === 0 ||
          y === 0 ||
          x === w - 1 ||
          y === h - 1 ||
          !m[i - 1] ||
          !m[i + 1] ||
          !m[i - w] ||
          !m[i + w];
        if (edge) rgba.set([255, 140, 0, 255], 4 * i);
      }
  }
  return new ImageData(rgba, w, h);
}

/** Signed perturbation → diverging blue–white–red map, scaled so ±scale is full colour. */
export function divergingImage(
  delta: Float32Array,
  w: number,
  h: number,
  c: number,
  scale: number,
): ImageData {
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    let v = 0;
    for (let k = 0; k < c; k++) v += delta[i * c + k]!;
    v /= c;
    const t = scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0;
    const a = Math.round(255 * (1 - Math.abs(t)));
    rgba.set(t >= 0 ? [255, a, a, 255] : [a, a, 255, 255], 4 * i);
  }
  return new ImageData(rgba, w, h);
}

export function ImageCanvas(props: {
  image?: PreviewImage;
  data?: ImageData;
  overlay?: Overlay;
  size?: number;
  testId?: string;
  title?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { image, data, overlay = null } = props;
  useEffect(() => {
    const canvas = ref.current;
    const img = data ?? (image ? toImageData(image, overlay) : null);
    if (!canvas || !img) return;
    canvas.width = img.width;
    canvas.height = img.height;
    canvas.getContext('2d')?.putImageData(img, 0, 0);
  }, [image, data, overlay]);
  const size = props.size ?? 64;
  return (
    <canvas
      ref={ref}
      className="pixelated"
      style={{ width: size, height: size }}
      data-testid={props.testId}
      title={props.title}
    />
  );
}

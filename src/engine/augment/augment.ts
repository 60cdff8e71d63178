// Batched SSL augmentations on the GPU: random resized crop + flip, colour jitter, greyscale, Gaussian blur.
// Random parameters (B numbers each) are drawn on the CPU from the seeded Rng and uploaded as small
// tensors; the pixel work is one fixed op sequence for the whole batch, with no GPU read-back. Which ops
// run depends only on the config (a probability or strength of 0 drops its op), never on the draws, so a
// config always dispatches the same kernels with the same shapes.

import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../shared/config';
import type { Rng } from '../runtime/random';

export type AugmentParams = Pick<
  TrainConfig,
  | 'imageSize'
  | 'cropScaleMin'
  | 'flipProb'
  | 'jitterProb'
  | 'brightness'
  | 'contrast'
  | 'saturation'
  | 'hue'
  | 'grayscaleProb'
  | 'blurProb'
  | 'blurSigmaMax'
>;

const LUMA = [0.299, 0.587, 0.114] as const; // ITU-R 601 weights, as torchvision's rgb_to_grayscale
const LOG_RATIO_MIN = Math.log(3 / 4);
const LOG_RATIO_MAX = Math.log(4 / 3);
const BLUR_SIGMA_MIN = 0.1;

/** Per-image random parameters of one batch, drawn on the CPU. */
interface BatchDraws {
  boxes: Float32Array; // [B, 4] cropAndResize boxes (y1, x1, y2, x2) in the edge-padded image
  brightness: Float32Array; // [B] multiplicative factor; 1 = unchanged
  contrast: Float32Array; // [B] blend factor around the mean grey; 1 = unchanged
  saturation: Float32Array; // [B] blend factor around the pixel's grey; 1 = unchanged
  hueDelta: Float32Array; // [B, 3, 3] (M − I)ᵀ of the YIQ hue rotation M; zeros = unchanged
  grey: Float32Array; // [B] 1 = convert to grey
  blurTaps: Float32Array; // [K, B·C] 1-D Gaussian taps per image and channel; a delta = unchanged
}

/** uint8 pixels [b, h, w, c] (row-major, 0–255) → float32 images in [0, 1]. */
export function toFloatImages(pixels: Uint8Array, b: number, h: number, w: number, c: number): tf.Tensor4D {
  const n = b * h * w * c;
  if (pixels.length !== n) {
    throw new Error(`toFloatImages: expected ${b}×${h}×${w}×${c} = ${n} bytes, got ${pixels.length}.`);
  }
  // Scaled on the CPU: tfjs has no uint8 dtype, so int32 would upload as many bytes as float32.
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = pixels[i]! / 255;
  return tf.tidy(() => tf.tensor4d(values, [b, h, w, c])); // [B, H, W, C]
}

/**
 * Side of the Gaussian kernel used for every image of a batch: 2·⌈2σmax⌉ + 1, capped at the largest odd
 * size not above imageSize (so the reflect padding always fits). 1 means no blur.
 */
export function blurKernelSize(blurSigmaMax: number, imageSize: number): number {
  const wanted = 2 * Math.ceil(2 * Math.max(blurSigmaMax, BLUR_SIGMA_MIN)) + 1;
  const cap = imageSize % 2 === 1 ? imageSize : imageSize - 1;
  return Math.max(1, Math.min(wanted, cap));
}

/**
 * Augments a batch of images. x: [B, H, W, C] float32 in [0, 1], C = 1 or 3.
 * Returns [B, imageSize, imageSize, C] in [0, 1]. Draws from `rng` in a fixed order per image.
 */
export function augmentBatch(x: tf.Tensor4D, p: AugmentParams, rng: Rng): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const k = checkAndKernelSize(x, p);
  return augmentDrawn(x, drawBatch(b, h, w, c, k, p, rng), p, k, 1);
}

/**
 * Several augmented views of one batch, each drawn from `rng` in turn exactly as successive
 * augmentBatch calls draw them (view 0's images, then view 1's…), so the results are the same values.
 * When every view has the same parameters the pixel work runs once over all views' images ([V·B, …]:
 * one crop of the padded batch with every view's boxes, one jitter and blur chain, then a split):
 * half the crop uploads and dispatches of two calls for MoCo's query and key views. Otherwise
 * (e.g. multi-crop sizes) each view is its own augmentBatch.
 */
export function augmentViews(x: tf.Tensor4D, ps: AugmentParams[], rng: Rng): tf.Tensor4D[] {
  const first = ps[0];
  if (!first || ps.length < 2 || !ps.every((p) => sameAugmentation(p, first)))
    return ps.map((p) => augmentBatch(x, p, rng));
  const [b, h, w, c] = x.shape;
  const k = checkAndKernelSize(x, first);
  const draws = ps.map(() => drawBatch(b, h, w, c, k, first, rng));
  return tf.tidy(() => {
    const all = augmentDrawn(x, concatDraws(draws, b * c, k), first, k, ps.length);
    return tf.split(all, ps.length, 0);
  });
}

const AUGMENT_KEYS = [
  'imageSize',
  'cropScaleMin',
  'flipProb',
  'jitterProb',
  'brightness',
  'contrast',
  'saturation',
  'hue',
  'grayscaleProb',
  'blurProb',
  'blurSigmaMax',
] as const satisfies readonly (keyof AugmentParams)[];

function sameAugmentation(a: AugmentParams, b: AugmentParams): boolean {
  return AUGMENT_KEYS.every((key) => a[key] === b[key]);
}

/** The views' draws as one batch of V·B images (blur taps [K, V·B·C], view-major in each tap row). */
function concatDraws(draws: BatchDraws[], perView: number, k: number): BatchDraws {
  const cat = (f: (d: BatchDraws) => Float32Array) => {
    const parts = draws.map(f);
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const v = draws.length;
  const blurTaps = new Float32Array(k * v * perView);
  for (let t = 0; t < k; t++)
    draws.forEach((d, i) =>
      blurTaps.set(d.blurTaps.subarray(t * perView, (t + 1) * perView), t * v * perView + i * perView),
    );
  return {
    boxes: cat((d) => d.boxes),
    brightness: cat((d) => d.brightness),
    contrast: cat((d) => d.contrast),
    saturation: cat((d) => d.saturation),
    hueDelta: cat((d) => d.hueDelta),
    grey: cat((d) => d.grey),
    blurTaps,
  };
}

/** Checks the batch and the parameters; returns the blur kernel's side. */
function checkAndKernelSize(x: tf.Tensor4D, p: AugmentParams): number {
  const c = x.shape[3];
  const s = p.imageSize;
  if (c !== 1 && c !== 3) throw new Error(`augmentBatch: images need 1 or 3 channels, got ${c}.`);
  if (!Number.isInteger(s) || s < 1) throw new Error(`augmentBatch: imageSize must be a positive integer.`);
  return blurKernelSize(p.blurSigmaMax, s);
}

/**
 * The pixel work for drawn parameters of `copies`·B images: image i is a crop of batch image i mod B
 * (copies > 1: several views of the batch). Returns [copies·B, imageSize, imageSize, C].
 */
function augmentDrawn(
  x: tf.Tensor4D,
  d: BatchDraws,
  p: AugmentParams,
  k: number,
  copies: number,
): tf.Tensor4D {
  const [b0, , , c] = x.shape;
  const b = b0 * copies;
  const s = p.imageSize;

  const colour = c === 3;
  const jitter = p.jitterProb > 0;
  const doBrightness = jitter && p.brightness > 0;
  const doContrast = jitter && p.contrast > 0;
  const doSaturation = jitter && colour && p.saturation > 0;
  const doHue = jitter && colour && p.hue > 0;
  const doGrey = colour && p.grayscaleProb > 0;
  const doBlur = p.blurProb > 0 && k > 1;

  return tf.tidy(() => {
    // Crop + flip + resize. A 1-pixel edge replica keeps samples that float rounding pushes just past
    // the border inside the image, where cropAndResize would otherwise write its extrapolation value.
    const padded = tf.mirrorPad(
      x,
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      'symmetric',
    ); // [B, H+2, W+2, C]
    const boxes = tf.tensor2d(d.boxes, [b, 4]);
    const boxInd = tf.tensor1d(
      Int32Array.from({ length: b }, (_, i) => i % b0),
      'int32',
    );
    let y: tf.Tensor4D = tf.image.cropAndResize(padded, boxes, boxInd, [s, s], 'bilinear'); // [B, S, S, C]

    const perImage = (v: Float32Array): tf.Tensor4D => tf.tensor4d(v, [b, 1, 1, 1]); // [B, 1, 1, 1]
    const clip = (t: tf.Tensor4D): tf.Tensor4D => tf.clipByValue(t, 0, 1);

    // Colour jitter in torchvision's fixed order; images without jitter get neutral factors, and every
    // step is written as x + (f − 1)·(…) so a neutral factor adds an exact zero.
    if (doBrightness) y = clip(tf.mul(y, perImage(d.brightness)));
    if (doContrast) {
      const mean = tf.mean(luma(y), [1, 2, 3], true); // [B, 1, 1, 1]
      y = clip(tf.add(y, tf.mul(perImage(minusOne(d.contrast)), tf.sub(y, mean))));
    }
    if (doSaturation) {
      y = clip(tf.add(y, tf.mul(perImage(minusOne(d.saturation)), tf.sub(y, luma(y)))));
    }
    if (doHue) {
      const flat = tf.reshape(y, [b, s * s, 3]); // [B, S·S, 3]
      const deltaT = tf.tensor3d(d.hueDelta, [b, 3, 3]); // [B, 3, 3]
      y = clip(tf.add(y, tf.reshape<tf.Rank.R4>(tf.matMul(flat, deltaT), [b, s, s, 3])));
    }
    if (doGrey) {
      y = tf.add(y, tf.mul(perImage(d.grey), tf.sub(luma(y), y))); // grey broadcast to 3 channels
    }
    if (doBlur) y = blur(y, d.blurTaps, k);
    return clip(y);
  });
}

/** f − 1 per image, computed on the CPU. */
function minusOne(f: Float32Array): Float32Array {
  return f.map((v) => v - 1);
}

/** Luma of [B, H, W, C] → [B, H, W, 1]; a 1-channel image is its own luma. */
function luma(x: tf.Tensor4D): tf.Tensor4D {
  if (x.shape[3] === 1) return x;
  return tf.tidy(() => tf.sum(tf.mul(x, tf.tensor1d([...LUMA])), -1, true));
}

/**
 * Separable Gaussian blur with a different σ per image, in two depthwise convs: the batch is folded into
 * the channel axis ([1, H, W, B·C]), so each image-channel gets its own kernel in a single op. Every
 * kernel has the same K taps; a small σ simply has near-zero tails, an unblurred image a delta. Borders
 * are reflect-padded, as torchvision's GaussianBlur.
 */
function blur(x: tf.Tensor4D, taps: Float32Array, k: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const r = (k - 1) / 2;
    const folded = tf.reshape<tf.Rank.R4>(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, b * c]); // [1, H, W, B·C]
    const padded = tf.mirrorPad(
      folded,
      [
        [0, 0],
        [r, r],
        [r, r],
        [0, 0],
      ],
      'reflect',
    ); // [1, H+2r, W+2r, B·C]
    const vertical = tf.tensor4d(taps, [k, 1, b * c, 1]);
    const horizontal = tf.reshape<tf.Rank.R4>(vertical, [1, k, b * c, 1]);
    const blurred = tf.depthwiseConv2d(
      tf.depthwiseConv2d(padded, vertical, 1, 'valid'), // [1, H, W+2r, B·C]
      horizontal,
      1,
      'valid',
    ); // [1, H, W, B·C]
    return tf.transpose(tf.reshape<tf.Rank.R4>(blurred, [h, w, b, c]), [2, 0, 1, 3]); // [B, H, W, C]
  });
}

/** Draws every per-image parameter, in a fixed order per image (crop, flip, jitter, grey, blur). */
function drawBatch(
  b: number,
  h: number,
  w: number,
  c: number,
  k: number,
  p: AugmentParams,
  rng: Rng,
): BatchDraws {
  const d: BatchDraws = {
    boxes: new Float32Array(b * 4),
    brightness: new Float32Array(b).fill(1),
    contrast: new Float32Array(b).fill(1),
    saturation: new Float32Array(b).fill(1),
    hueDelta: new Float32Array(b * 9),
    grey: new Float32Array(b),
    blurTaps: new Float32Array(k * b * c),
  };
  const r = (k - 1) / 2;
  const taps = new Float64Array(k);
  for (let i = 0; i < b; i++) {
    const crop = randomResizedCrop(h, w, p.cropScaleMin, rng);
    const flip = rng.next() < p.flipProb;
    const [y1, y2] = cropSpan(crop.top, crop.height, h, p.imageSize);
    const [x1, x2] = cropSpan(crop.left, crop.width, w, p.imageSize);
    // A box with x1 > x2 is sampled right to left: cropAndResize mirrors it.
    d.boxes.set(flip ? [y1, x2, y2, x1] : [y1, x1, y2, x2], i * 4);

    // All jitter factors are drawn even when unused, so the stream does not depend on the strengths.
    const jitter = rng.next() < p.jitterProb;
    const fb = rng.uniform(Math.max(0, 1 - p.brightness), 1 + p.brightness);
    const fc = rng.uniform(Math.max(0, 1 - p.contrast), 1 + p.contrast);
    const fs = rng.uniform(Math.max(0, 1 - p.saturation), 1 + p.saturation);
    const fh = rng.uniform(-p.hue, p.hue);
    if (jitter) {
      d.brightness[i] = fb;
      d.contrast[i] = fc;
      d.saturation[i] = fs;
      if (fh !== 0) d.hueDelta.set(hueDeltaTransposed(2 * Math.PI * fh), i * 9);
    }

    if (rng.next() < p.grayscaleProb) d.grey[i] = 1;

    const blurred = rng.next() < p.blurProb;
    const sigma = rng.uniform(BLUR_SIGMA_MIN, Math.max(BLUR_SIGMA_MIN, p.blurSigmaMax));
    if (blurred) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += taps[t] = Math.exp(-((t - r) ** 2) / (2 * sigma * sigma));
      for (let t = 0; t < k; t++) taps[t]! /= sum;
    } else {
      taps.fill(0);
      taps[r] = 1;
    }
    for (let t = 0; t < k; t++) {
      for (let ch = 0; ch < c; ch++) d.blurTaps[t * b * c + i * c + ch] = taps[t]!; // [K, B·C]
    }
  }
  return d;
}

interface Crop {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** torchvision's RandomResizedCrop.get_params: integer pixel crop, area share and log-uniform aspect. */
function randomResizedCrop(h: number, w: number, scaleMin: number, rng: Rng): Crop {
  const area = h * w;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(Math.min(scaleMin, 1), 1);
    const ratio = Math.exp(rng.uniform(LOG_RATIO_MIN, LOG_RATIO_MAX));
    const cw = Math.round(Math.sqrt(target * ratio));
    const ch = Math.round(Math.sqrt(target / ratio));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      return { top: rng.int(h - ch + 1), left: rng.int(w - cw + 1), height: ch, width: cw };
    }
  }
  // Fallback: a centre crop of the whole image, its aspect clamped into [3/4, 4/3].
  const inRatio = w / h;
  let cw = w;
  let ch = h;
  if (inRatio < 3 / 4) ch = Math.round(w / (3 / 4));
  else if (inRatio > 4 / 3) cw = Math.round(h * (4 / 3));
  return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), height: ch, width: cw };
}

/**
 * Normalised box coordinates along one axis for a crop [start, start + len) of an n-pixel axis resized to
 * `out` samples, in the frame of the image padded by one pixel each side (n + 2 pixels). cropAndResize
 * spaces samples evenly from the first to the last coordinate (align-corners). When shrinking, the ends
 * sit half an output pixel inside the crop (half-pixel centres, as torchvision's resize); when enlarging,
 * they sit on the crop's outer pixel centres, so no sample leaves the crop.
 */
function cropSpan(start: number, len: number, n: number, out: number): [number, number] {
  const margin = Math.max(0, (0.5 * len) / out - 0.5);
  const scale = n + 1; // (padded size − 1)
  return [(1 + start + margin) / scale, (1 + start + len - 1 - margin) / scale];
}

/** (M − I)ᵀ for M = T⁻¹·R(θ)·T, the rotation by θ of the chroma plane (I, Q) of YIQ; row-major [3, 3]. */
function hueDeltaTransposed(theta: number): number[] {
  const t = [LUMA, [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]] as const;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const rot = [
    [1, 0, 0],
    [0, cos, -sin],
    [0, sin, cos],
  ];
  const m = matMul3(inverse3(t), matMul3(rot, t));
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out.push(m[j]![i]! - (i === j ? 1 : 0));
  }
  return out;
}

type Mat3 = readonly (readonly number[])[];

function matMul3(a: Mat3, b: Mat3): number[][] {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => [0, 1, 2].reduce((s, k) => s + a[i]![k]! * b[k]![j]!, 0)));
}

function inverse3(m: Mat3): number[][] {
  const e = (i: number, j: number): number => m[i]![j]!;
  const cof = (i: number, j: number): number => {
    const [r0, r1] = [0, 1, 2].filter((x) => x !== i) as [number, number];
    const [c0, c1] = [0, 1, 2].filter((x) => x !== j) as [number, number];
    return ((i + j) % 2 === 0 ? 1 : -1) * (e(r0, c0) * e(r1, c1) - e(r0, c1) * e(r1, c0));
  };
  const det = e(0, 0) * cof(0, 0) + e(0, 1) * cof(0, 1) + e(0, 2) * cof(0, 2);
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cof(j, i) / det)); // adjugate / det
}

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../runtime/random';
import { augmentBatch, augmentViews, blurKernelSize, toFloatImages, type AugmentParams } from './augment';

const NONE: AugmentParams = {
  imageSize: 8,
  cropScaleMin: 1,
  flipProb: 0,
  jitterProb: 0,
  brightness: 0.4,
  contrast: 0.4,
  saturation: 0.4,
  hue: 0.1,
  grayscaleProb: 0,
  blurProb: 0,
  blurSigmaMax: 1,
};
const DEFAULTS: AugmentParams = {
  ...NONE,
  cropScaleMin: 0.3,
  flipProb: 0.5,
  jitterProb: 0.8,
  grayscaleProb: 0.2,
  blurProb: 0.5,
};

function randomImages(b: number, h: number, w: number, c: number, seed = 7): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: b * h * w * c }, () => rng.next()),
    [b, h, w, c],
  );
}

/** Runs augmentBatch, reads the result back and disposes it. */
function run(x: tf.Tensor4D, p: AugmentParams, seed = 1): { shape: number[]; values: Float32Array } {
  const y = augmentBatch(x, p, new Rng(seed));
  const out = { shape: y.shape.slice(), values: y.dataSync() as Float32Array };
  y.dispose();
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('augmentBatch', () => {
  it('gives [B, imageSize, imageSize, C] for grey and colour, shrinking and enlarging', () => {
    const grey = randomImages(4, 12, 12, 1);
    const colour = randomImages(3, 10, 10, 3);
    expect(run(grey, { ...DEFAULTS, imageSize: 8 }).shape).toEqual([4, 8, 8, 1]);
    expect(run(colour, { ...DEFAULTS, imageSize: 16 }).shape).toEqual([3, 16, 16, 3]);
    expect(run(colour, { ...DEFAULTS, imageSize: 10 }).shape).toEqual([3, 10, 10, 3]);
    tf.dispose([grey, colour]);
  });

  it('stays in [0, 1] under the strongest jitter', () => {
    for (const c of [1, 3]) {
      const x = randomImages(8, 12, 12, c);
      const strong: AugmentParams = {
        imageSize: 12,
        cropScaleMin: 0.05,
        flipProb: 0.5,
        jitterProb: 1,
        brightness: 1,
        contrast: 1,
        saturation: 1,
        hue: 0.5,
        grayscaleProb: 0.5,
        blurProb: 1,
        blurSigmaMax: 5,
      };
      const { values } = run(x, strong, 3);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      x.dispose();
    }
  });

  it('returns the input when every probability is 0 and cropScaleMin is 1', () => {
    for (const c of [1, 3]) {
      const x = randomImages(5, 8, 8, c);
      expect(maxAbsDiff(run(x, NONE).values, x.dataSync())).toBeLessThan(1e-5);
      x.dispose();
    }
  });

  it('leaves images that drew no jitter unchanged and changes the others', () => {
    const one = randomImages(1, 8, 8, 3);
    const x = tf.tile(one, [16, 1, 1, 1]) as tf.Tensor4D;
    const p = { ...NONE, jitterProb: 0.5, brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.3 };
    const { values } = run(x, p, 5);
    const ref = one.dataSync();
    const n = ref.length;
    let same = 0;
    for (let i = 0; i < 16; i++) {
      const d = maxAbsDiff(values.subarray(i * n, (i + 1) * n), ref);
      if (d < 1e-6) same++;
      else expect(d).toBeGreaterThan(1e-3);
    }
    expect(same).toBeGreaterThan(0);
    expect(same).toBeLessThan(16);
    tf.dispose([one, x]);
  });

  it('mirrors the image along width with flipProb 1 (boxes with x1 > x2)', () => {
    // prettier-ignore
    const x = tf.tensor4d([
      0.1, 0.2, 0.3, 0.4,
      0.5, 0.0, 0.0, 0.0,
      0.0, 0.9, 0.0, 0.7,
      1.0, 0.0, 0.0, 0.6,
    ], [1, 4, 4, 1]);
    // prettier-ignore
    const expected = [
      0.4, 0.3, 0.2, 0.1,
      0.0, 0.0, 0.0, 0.5,
      0.7, 0.0, 0.9, 0.0,
      0.6, 0.0, 0.0, 1.0,
    ];
    const p = { ...NONE, imageSize: 4, flipProb: 1 };
    expect(maxAbsDiff(run(x, p).values, expected)).toBeLessThan(1e-5);

    const colour = randomImages(3, 8, 8, 3);
    const reversed = tf.reverse(colour, 2);
    expect(maxAbsDiff(run(colour, { ...NONE, flipProb: 1 }).values, reversed.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, colour, reversed]);
  });

  it('crops inside the image: a horizontal ramp stays linear per row, rising or (flipped) falling', () => {
    const [h, w] = [16, 16];
    const ramp = Float32Array.from({ length: 8 * h * w }, (_, i) => (i % w) / (w - 1));
    const x = tf.tensor4d(ramp, [8, h, w, 1]);
    const { values } = run(x, { ...NONE, imageSize: 8, cropScaleMin: 0.3, flipProb: 0.5 }, 11);
    let rising = 0;
    for (let i = 0; i < 8; i++) {
      const img = values.subarray(i * 64, (i + 1) * 64);
      const step = img[1]! - img[0]!;
      expect(Math.abs(step)).toBeGreaterThan(1e-3);
      for (let r = 0; r < 8; r++) {
        for (let q = 0; q < 8; q++) expect(img[r * 8 + q]).toBeCloseTo(img[0]! + q * step, 5);
      }
      if (step > 0) rising++;
    }
    expect(rising).toBeGreaterThan(0);
    expect(rising).toBeLessThan(8);
    x.dispose();
  });

  it('rotates hue without changing luma, and keeps it in range', () => {
    const x = tf.add(0.3, tf.mul(0.4, randomImages(4, 8, 8, 3))) as tf.Tensor4D; // values in [0.3, 0.7]
    const p = { ...NONE, jitterProb: 1, brightness: 0, contrast: 0, saturation: 0, hue: 0.5 };
    const { values } = run(x, p, 2);
    const src = x.dataSync();
    expect(maxAbsDiff(values, src)).toBeGreaterThan(1e-2);
    for (let i = 0; i < values.length; i += 3) {
      const before = 0.299 * src[i]! + 0.587 * src[i + 1]! + 0.114 * src[i + 2]!;
      const after = 0.299 * values[i]! + 0.587 * values[i + 1]! + 0.114 * values[i + 2]!;
      expect(after).toBeCloseTo(before, 5);
    }
    x.dispose();
  });

  it('gives equal channels, the luma of the input, with grayscaleProb 1', () => {
    const x = randomImages(4, 8, 8, 3);
    const { values } = run(x, { ...NONE, grayscaleProb: 1 });
    const src = x.dataSync();
    for (let i = 0; i < values.length; i += 3) {
      const luma = 0.299 * src[i]! + 0.587 * src[i + 1]! + 0.114 * src[i + 2]!;
      expect(values[i + 1]).toBeCloseTo(values[i]!, 6);
      expect(values[i + 2]).toBeCloseTo(values[i]!, 6);
      expect(values[i]).toBeCloseTo(luma, 5);
    }
    // No-op for one channel.
    const grey = randomImages(2, 8, 8, 1);
    expect(maxAbsDiff(run(grey, { ...NONE, grayscaleProb: 1 }).values, grey.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, grey]);
  });

  it('spreads a single bright pixel with blurProb 1, conserving its sum', () => {
    for (const c of [1, 3]) {
      const pixels = new Float32Array(2 * 9 * 9 * c);
      for (let i = 0; i < 2; i++) {
        for (let ch = 0; ch < c; ch++) pixels[((i * 9 + 4) * 9 + 4) * c + ch] = 1; // centre pixel
      }
      const x = tf.tensor4d(pixels, [2, 9, 9, c]);
      const p = { ...NONE, imageSize: 9, blurProb: 1, blurSigmaMax: 1.5 };
      const { values } = run(x, p);
      const n = 81 * c;
      for (let i = 0; i < 2; i++) {
        const img = values.subarray(i * n, (i + 1) * n);
        const sum = img.reduce((s, v) => s + v, 0);
        expect(sum).toBeCloseTo(c, 4);
        expect(Math.max(...img)).toBeLessThan(1);
        expect(img[((4 * 9 + 5) * c) as number]).toBeGreaterThan(0); // right neighbour
        expect(img[((3 * 9 + 4) * c) as number]).toBeGreaterThan(0); // upper neighbour
      }
      x.dispose();
    }
  });

  it('is reproducible: same seed, same output; another seed, another output', () => {
    const x = randomImages(6, 12, 12, 3);
    const a = run(x, DEFAULTS, 42).values;
    const b = run(x, DEFAULTS, 42).values;
    const c = run(x, DEFAULTS, 43).values;
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3);
    x.dispose();
  });

  it('leaks no tensors', () => {
    const x = randomImages(4, 12, 12, 3);
    const strong = { ...DEFAULTS, jitterProb: 1, grayscaleProb: 0.5, blurProb: 1 };
    const before = tf.memory().numTensors;
    const rng = new Rng(9);
    for (let i = 0; i < 10; i++) augmentBatch(x, strong, rng).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('augmentViews', () => {
  it('gives the very values of successive augmentBatch calls (same draws, same order), in one pass', () => {
    for (const [x, p] of [
      [randomImages(5, 12, 12, 3), { ...DEFAULTS, imageSize: 8, hue: 0.1 }],
      [randomImages(4, 11, 9, 1), { ...DEFAULTS, imageSize: 7 }],
      [randomImages(1, 10, 10, 3), { ...NONE, imageSize: 10 }],
    ] as const) {
      const rngA = new Rng(5);
      const one = [0, 1, 2].map(() => augmentBatch(x, p, rngA));
      const rngB = new Rng(5);
      const before = tf.memory().numTensors;
      const together = augmentViews(x, [p, p, p], rngB);
      expect(tf.memory().numTensors).toBe(before + 3); // the three views only
      together.forEach((v, i) => {
        expect(v.shape).toEqual(one[i]!.shape);
        expect(Array.from(v.dataSync())).toEqual(Array.from(one[i]!.dataSync())); // bit for bit
      });
      expect(rngB.next()).toBe(rngA.next()); // the stream is left where the calls leave it
      [...one, ...together, x].forEach((t) => t.dispose());
    }
  });

  it('augments views with different settings one by one (multi-crop sizes)', () => {
    const x = randomImages(3, 12, 12, 1);
    const a = { ...DEFAULTS, imageSize: 8 };
    const b = { ...DEFAULTS, imageSize: 5 };
    const rngA = new Rng(9);
    const one = [augmentBatch(x, a, rngA), augmentBatch(x, b, rngA)];
    const views = augmentViews(x, [a, b], new Rng(9));
    expect(views.map((v) => v.shape)).toEqual([
      [3, 8, 8, 1],
      [3, 5, 5, 1],
    ]);
    views.forEach((v, i) => expect(maxAbsDiff(v.dataSync(), one[i]!.dataSync())).toBe(0));
    [...one, ...views, x].forEach((t) => t.dispose());
  });
});

describe('toFloatImages', () => {
  it('maps uint8 [B, H, W, C] to float32 in [0, 1]', () => {
    const pixels = Uint8Array.from([0, 51, 255, 128, 1, 254]);
    const t = toFloatImages(pixels, 1, 1, 2, 3);
    expect(t.shape).toEqual([1, 1, 2, 3]);
    expect(t.dtype).toBe('float32');
    expect(maxAbsDiff(t.dataSync(), [0, 0.2, 1, 128 / 255, 1 / 255, 254 / 255])).toBeLessThan(1e-7);
    t.dispose();
    expect(() => toFloatImages(pixels, 1, 2, 2, 3)).toThrow();
  });
});

describe('blurKernelSize', () => {
  it('is odd, about 2·ceil(2σ)+1, capped by the image size', () => {
    expect(blurKernelSize(1, 24)).toBe(5);
    expect(blurKernelSize(2, 32)).toBe(9);
    expect(blurKernelSize(5, 16)).toBe(15);
    expect(blurKernelSize(5, 9)).toBe(9);
  });
});

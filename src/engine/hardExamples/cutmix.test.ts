import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../runtime/random';
import { tinyConfig, useCpu } from '../testing/fixtures';
import type { PseudoLabelTask } from '../methods/types';
import { boxMask, cutMix, cutMixGenerator, drawCutMix, maskAndLambda } from './cutmix';

beforeAll(useCpu);

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;

/** Pixels inside each image's box, counted from the mask [B, H, W, 1]. */
async function maskCounts(boxes: Int32Array, b: number, h: number, w: number): Promise<number[]> {
  const mask = boxMask(boxes, b, h, w);
  const m = await mask.data();
  mask.dispose();
  return Array.from({ length: b }, (_, i) =>
    Array.from(m.subarray(i * h * w, (i + 1) * h * w)).reduce((s, x) => s + x, 0),
  );
}

describe('drawCutMix', () => {
  it('λ is exactly the share of pixels outside the (clipped) box, counted from the mask', async () => {
    for (const [h, w, a, seed] of [
      [16, 16, 1, 1],
      [24, 20, 0.3, 2],
      [9, 13, 5, 3],
    ] as const) {
      const b = 64;
      const d = drawCutMix(b, h, w, a, new Rng(seed));
      const counts = await maskCounts(d.boxes, b, h, w);
      for (let i = 0; i < b; i++) {
        const [y1, x1, y2, x2] = d.boxes.subarray(4 * i, 4 * i + 4);
        // Boxes lie inside the image (clipped) and are well-formed.
        expect(0 <= y1! && y1! <= y2! && y2! <= h && 0 <= x1! && x1! <= x2! && x2! <= w).toBe(true);
        expect(counts[i]).toBe((y2! - y1!) * (x2! - x1!));
        expect(d.lambda[i]).toBe(Math.fround(1 - counts[i]! / (h * w)));
      }
    }
  });

  it('recomputes λ from the clipped box (boxes at the border keep more own pixels)', async () => {
    // a = 1000: λ0 ≈ 0.5 for every draw, so an unclipped box would always cover about half the
    // image: 16 · √0.5 = 11.3 → 11 × 11 = 121 of 256 pixels, λ = 1 − 121/256 = 0.527. Boxes whose
    // centre lies near a border are clipped and cover fewer pixels, so λ there is larger.
    const b = 256;
    const d = drawCutMix(b, 16, 16, 1000, new Rng(9));
    const counts = await maskCounts(d.boxes, b, 16, 16);
    let clipped = 0;
    for (let i = 0; i < b; i++) {
      const [y1, x1, y2, x2] = d.boxes.subarray(4 * i, 4 * i + 4);
      const atBorder = y1 === 0 || x1 === 0 || y2 === 16 || x2 === 16;
      if (!atBorder) {
        expect(counts[i]).toBe(121);
        expect(d.lambda[i]).toBe(Math.fround(1 - 121 / 256));
      } else if (counts[i]! < 121) {
        clipped++;
        expect(d.lambda[i]).toBeGreaterThan(1 - 121 / 256);
        expect(d.lambda[i]).toBe(Math.fround(1 - counts[i]! / 256));
      }
    }
    expect(clipped).toBeGreaterThan(b / 4);
  });

  it('partners form a permutation of the batch', () => {
    for (const seed of [1, 2, 3]) {
      const d = drawCutMix(33, 16, 16, 1, new Rng(seed));
      expect(Array.from(d.partner).sort((p, q) => p - q)).toEqual(Array.from({ length: 33 }, (_, i) => i));
    }
  });

  it('is reproducible from the seed', () => {
    const a = drawCutMix(16, 16, 16, 1, new Rng(4));
    const b = drawCutMix(16, 16, 16, 1, new Rng(4));
    expect(a).toEqual(b);
  });

  it('λ0 = max(β, 1 − β) with β ~ Beta(a, a) lies in [0.5, 1]; a small → near 1, a large → near 0.5', () => {
    const n = 4000;
    const draws = (a: number) => {
      const rng = new Rng(12);
      return Array.from({ length: n }, () => {
        const x = rng.beta(a, a);
        return Math.max(x, 1 - x);
      });
    };
    const small = draws(0.1);
    const one = draws(1);
    const large = draws(10);
    for (const l of [...small, ...one, ...large]) {
      expect(l).toBeGreaterThanOrEqual(0.5);
      expect(l).toBeLessThanOrEqual(1);
    }
    // a = 1: β ~ U(0, 1), so λ0 ~ U(0.5, 1), mean 0.75 (standard error √(1/48 / 4000) = 0.0023).
    expect(mean(one)).toBeGreaterThan(0.74);
    expect(mean(one)).toBeLessThan(0.76);
    // a = 0.1: β piles up near 0 and 1 → mean λ0 ≈ 0.93; a = 10: sd(β) = √(1/(4·21)) = 0.109 →
    // E|β − 0.5| ≈ 0.109·√(2/π) = 0.087, mean λ0 ≈ 0.587.
    expect(mean(small)).toBeGreaterThan(0.88);
    expect(mean(large)).toBeGreaterThan(0.55);
    expect(mean(large)).toBeLessThan(0.62);
  });

  it('the drawn λ follows a: small a keeps most own pixels, large a much fewer', () => {
    // Clipping at the border only ever raises λ above λ0 (uniform centres clip often: with a = 10,
    // mean λ0 ≈ 0.587 becomes mean λ ≈ 0.71 on 16×16 images).
    const small = drawCutMix(2000, 16, 16, 0.1, new Rng(13)).lambda;
    const large = drawCutMix(2000, 16, 16, 10, new Rng(13)).lambda;
    expect(mean(small)).toBeGreaterThan(0.9);
    expect(mean(large)).toBeLessThan(0.75);
    expect(mean(small) - mean(large)).toBeGreaterThan(0.15);
    expect(Math.min(...large)).toBeGreaterThanOrEqual(0.5);
  });
});

describe('boxMask and cutMix', () => {
  it('boxMask marks the half-open box [y1, y2) × [x1, x2)', async () => {
    // One 4×5 image, box rows 1..2, cols 2..4 → 2·3 = 6 ones.
    const mask = boxMask(Int32Array.from([1, 2, 3, 5]), 1, 4, 5);
    expect(mask.shape).toEqual([1, 4, 5, 1]);
    expect(Array.from(await mask.data())).toEqual([
      ...[0, 0, 0, 0, 0],
      ...[0, 0, 1, 1, 1],
      ...[0, 0, 1, 1, 1],
      ...[0, 0, 0, 0, 0],
    ]);
    mask.dispose();
  });

  it('maskAndLambda unpacks one upload into the box mask and λ', async () => {
    const [b, h, w] = [5, 7, 6];
    const d = drawCutMix(b, h, w, 1, new Rng(4));
    const before = tf.memory().numTensors;
    const { mask, lambda } = maskAndLambda(d, b, h, w);
    expect(tf.memory().numTensors).toBe(before + 2);
    const ref = boxMask(d.boxes, b, h, w);
    expect(mask.shape).toEqual([b, h, w, 1]);
    expect(Array.from(await mask.data())).toEqual(Array.from(await ref.data()));
    expect(Array.from(await lambda.data())).toEqual(Array.from(d.lambda));
    // λ is the share of own pixels: 1 − (ones in the mask) / (h·w)
    const ones = Array.from(await ref.data()).reduce((a, x) => a + x, 0);
    expect(Array.from(d.lambda).reduce((a, x) => a + x, 0)).toBeCloseTo(b - ones / (h * w), 5);
    [mask, lambda, ref].forEach((t) => t.dispose());
  });

  it('takes own pixels outside the box and the partner’s inside, in every channel', async () => {
    const [b, h, w, c] = [6, 10, 12, 3];
    const d = drawCutMix(b, h, w, 1, new Rng(21));
    const x = tf.randomUniform([b, h, w, c], 0, 1, 'float32', 22) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const mask = boxMask(d.boxes, b, h, w);
    const partner = tf.tensor1d(d.partner, 'int32');
    const mixed = cutMix(x, mask, partner);
    expect(mixed.shape).toEqual([b, h, w, c]);
    const xs = await x.data();
    const ms = await mixed.data();
    let inside = 0;
    for (let i = 0; i < b; i++) {
      const j = d.partner[i]!;
      const [y1, x1, y2, x2] = d.boxes.subarray(4 * i, 4 * i + 4);
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) {
          const inBox = y >= y1! && y < y2! && xx >= x1! && xx < x2!;
          if (inBox) inside++;
          for (let ch = 0; ch < c; ch++) {
            const at = (n: number) => ((n * h + y) * w + xx) * c + ch;
            expect(ms[at(i)]).toBe(xs[at(inBox ? j : i)]);
          }
        }
    }
    // Not vacuous: some pixels came from a partner other than the image itself.
    expect(inside).toBeGreaterThan(0);
    expect(Array.from(d.partner).some((j, i) => j !== i)).toBe(true);
    [mask, partner, mixed].forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('cutMixGenerator', () => {
  it('is enabled only with the switch on and w_mix > 0', () => {
    const cfg = tinyConfig();
    expect(cutMixGenerator.enabled(cfg)).toBe(true);
    expect(cutMixGenerator.enabled({ ...cfg, cutmix: false })).toBe(false);
    expect(cutMixGenerator.enabled({ ...cfg, wMix: 0 })).toBe(false);
  });

  it('passes its view, partner and λ to the task and disposes everything it made', async () => {
    const cfg = tinyConfig();
    const xq = tf.randomUniform([8, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const seen: { partner: number[]; lambda: number[] }[] = [];
    const task = {
      mixedLoss: (_v: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D) => {
        seen.push({ partner: Array.from(partner.dataSync()), lambda: Array.from(lambda.dataSync()) });
        return tf.zeros([8]) as tf.Tensor1D;
      },
    } as unknown as PseudoLabelTask;
    const before = tf.memory().numTensors;
    const hard = cutMixGenerator.generate(task, xq, cfg, new Rng(6));
    const drawn = drawCutMix(8, 16, 16, cfg.mixBeta, new Rng(6));
    tf.dispose(hard.loss(task, { training: true }).loss);
    expect(seen).toEqual([{ partner: Array.from(drawn.partner), lambda: Array.from(drawn.lambda) }]);
    expect(hard.weight).toBe(cfg.wMix);
    const shown = tf.tidy(() => hard.previews({ clean: null!, hard: null, query: xq }, 8)); // the step's tidy
    expect(Array.from(await shown.lambda!.data())).toEqual(Array.from(drawn.lambda));
    tf.dispose(Object.values(shown));
    hard.dispose();
    expect(tf.memory().numTensors).toBe(before);
    xq.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_GALLERY, mergeTopK, nearestNeighbours, updateGallery, type Ranked } from './gallery';
import type { PreviewImage, PreviewSet } from '../../shared/trainingTypes';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const r = (key: string, score: number, step: number): Ranked => ({ key, score, step });

describe('mergeTopK', () => {
  it('keeps the k highest scores over read-backs, highest first', () => {
    let kept: Ranked[] = [];
    kept = mergeTopK(kept, [r('a', 1, 2), r('b', 5, 2), r('c', 3, 2)], 3);
    kept = mergeTopK(kept, [r('d', 4, 4), r('e', 0.5, 4)], 3);
    expect(kept.map((x) => x.key)).toEqual(['b', 'd', 'c']);
    expect(mergeTopK(kept, [], 2).map((x) => x.key)).toEqual(['b', 'd']);
  });

  it('shows each sample once, with its newest score (which may drop it out)', () => {
    let kept = mergeTopK([], [r('a', 9, 2), r('b', 5, 2), r('c', 3, 2)], 3);
    kept = mergeTopK(kept, [r('a', 1, 4)], 3); // a's loss fell: re-ranked, not kept at 9
    expect(kept.map((x) => [x.key, x.score])).toEqual([
      ['b', 5],
      ['c', 3],
      ['a', 1],
    ]);
    kept = mergeTopK(kept, [r('d', 4, 6)], 3);
    expect(kept.map((x) => x.key)).toEqual(['b', 'd', 'c']);
    // An older observation does not replace a newer one; NaN scores are ignored.
    expect(mergeTopK(kept, [r('b', 100, 1), r('z', NaN, 8)], 3).map((x) => x.score)).toEqual([5, 4, 3]);
    expect(kept.length).toBe(3);
  });
});

const img = (v: number): PreviewImage => ({
  width: 2,
  height: 2,
  channels: 1,
  pixels: new Uint8Array(4).fill(v),
});

describe('updateGallery', () => {
  it('files the hardest losses, the largest logit drops and the smallest λ under dataset indices', () => {
    const p: PreviewSet = {
      step: 2,
      epoch: 1,
      labelKind: 'key',
      views: { query: [img(1), img(2)], key: [img(3), img(4)] },
      indices: [10, 11],
      hardest: { images: [img(5), img(6)], losses: [3, 2], positions: [1, 0], indices: [11, 10] },
      adversarial: {
        clean: [img(1), img(2)],
        adversarial: [img(7), img(8)],
        perturbation: [new Float32Array([0.1, -0.2, 0, 0]), new Float32Array(4)],
        scale: 0.2,
        epsilon: 0.1,
        rankBefore: [0, 0],
        rankAfter: [2, 0],
        logitBefore: [5, 4],
        logitAfter: [1, 3.5],
        ownLabel: [0, 1],
        argmaxBefore: [0, 1],
        argmaxAfter: [3, 1],
      },
      cutmix: {
        own: [img(1), img(2)],
        partner: [img(2), img(1)],
        mixed: [img(9), img(9)],
        masks: [new Uint8Array(4), new Uint8Array(4)],
        lambda: [0.9, 0.6],
        partnerIndex: [1, 0],
        ownLabel: [0, 1],
        partnerLabel: [1, 0],
      },
      mixup: null,
    };
    const g = updateGallery(EMPTY_GALLERY, p, 12);
    expect(g.loss.map((x) => [x.index, x.loss, x.step])).toEqual([
      [11, 3, 2],
      [10, 2, 2],
    ]);
    expect(g.loss[0]!.image.pixels[0]).toBe(5);
    expect(g.adversarial.map((x) => [x.index, x.score])).toEqual([
      [10, 4],
      [11, 0.5],
    ]);
    expect(g.adversarial[0]!.scale).toBeCloseTo(0.2);
    expect(g.cutmix.map((x) => x.index)).toEqual([11, 10]);
    expect(g.cutmix[0]!.score).toBeCloseTo(0.4);
    // A preview without hard examples keeps what the gallery has.
    const plain = updateGallery(g, { ...p, step: 4, adversarial: null, cutmix: null, hardest: null }, 12);
    expect(plain.loss.length).toBe(2);
    expect(plain.adversarial.length).toBe(2);
    expect(updateGallery(g, p, 1).loss.length).toBe(1);
  });
});

describe('nearestNeighbours', () => {
  // Reference rows (scaled, to check the normalisation); cosine sims to q0 = (1, 0):
  // r0 (2, 0) 1 · r1 (0, 3) 0 · r2 (1, 1) .707 · r3 (-1, 0) -1 · r4 (3, 1) .949
  it('returns the cosine top-k, most similar first, and leaks nothing', async () => {
    const ref = tf.tensor2d([
      [2, 0],
      [0, 3],
      [1, 1],
      [-1, 0],
      [3, 1],
    ]);
    const q = tf.tensor2d([
      [0.5, 0],
      [0, -2],
    ]);
    const before = tf.memory().numTensors;
    const [a, b] = await nearestNeighbours(q, ref, 3);
    expect(tf.memory().numTensors).toBe(before);
    expect(a!.map((n) => n.index)).toEqual([0, 4, 2]);
    expect(a!.map((n) => n.similarity)).toEqual([
      expect.closeTo(1, 5),
      expect.closeTo(3 / Math.sqrt(10), 5),
      expect.closeTo(Math.SQRT1_2, 5),
    ]);
    // q1 = (0, -1): r0 0, r1 -1, r2 -.707, r3 0, r4 -.316 → r0, r3 (ties), then r4.
    expect(new Set(b!.slice(0, 2).map((n) => n.index))).toEqual(new Set([0, 3]));
    expect(b![2]!.index).toBe(4);
    // k larger than the reference set: all of it.
    const [all] = await nearestNeighbours(q, ref, 8);
    expect(all!.length).toBe(5);
    ref.dispose();
    q.dispose();
  });
});

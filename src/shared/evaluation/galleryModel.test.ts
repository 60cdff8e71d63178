// The gallery's top-K bookkeeping: mergeTopK, and updateGallery's sections, each read from a generator's
// preview by the gallery spec in its descriptor (the built-in three, and a plug-in's own spec).
import { describe, expect, it } from 'vitest';
import { GENERATOR_INFO, gallerySection } from '../catalog';
import {
  EMPTY_GALLERY,
  GALLERY_SOURCES,
  galleryCount,
  mergeTopK,
  shownSections,
  updateGallery,
  type GalleryItem,
  type GallerySource,
  type Ranked,
} from './galleryModel';
import type { MixupPreview, PreviewImage, PreviewSet } from '../trainingTypes';

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

/** Tile ids → the first pixel of each image tile (the signed tile: its scale). */
const tileSummary = (it: GalleryItem) =>
  it.tiles.map((t) => [t.id, t.caption, t.kind === 'image' ? t.image.pixels[0] : t.scale]);

const base = (step: number): PreviewSet => ({
  step,
  epoch: 1,
  labelKind: 'key',
  views: { query: [img(1), img(2), img(3)], key: [img(4), img(5), img(6)] },
  indices: [10, 11, 12],
  hardest: null,
  adversarial: null,
  cutmix: null,
  mixup: null,
});

const mixup = (lambda: number[]): MixupPreview => ({
  own: [img(1), img(2), img(3)],
  partner: [img(3), img(1), img(2)],
  mixed: lambda.map((_, i) => img(20 + i)),
  lambda,
  partnerIndex: [2, 0, 1],
  ownLabel: [0, 1, 2],
  partnerLabel: [2, 0, 1],
});

describe('updateGallery', () => {
  it('files the hardest losses, the largest logit drops and the smallest λ under dataset indices', () => {
    const p: PreviewSet = {
      ...base(2),
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
        masks: [new Uint8Array(4), new Uint8Array([1, 1, 0, 0])],
        lambda: [0.9, 0.6],
        partnerIndex: [1, 0],
        ownLabel: [0, 1],
        partnerLabel: [1, 0],
      },
    };
    const g = updateGallery(EMPTY_GALLERY, p, 12);
    expect(g.loss.map((x) => [x.index, x.loss, x.step])).toEqual([
      [11, 3, 2],
      [10, 2, 2],
    ]);
    expect(g.loss[0]!.image.pixels[0]).toBe(5);
    // Adversarial: score = logit drop (5 − 1 = 4, 4 − 3.5 = 0.5); clean, δ (its own max |δ|), adversarial.
    const adv = g.sections.adversarial!;
    expect(adv.map((x) => [x.index, x.score])).toEqual([
      [10, 4],
      [11, 0.5],
    ]);
    expect(tileSummary(adv[0]!)).toEqual([
      ['clean', 'clean', 1],
      ['delta', 'perturbation', expect.closeTo(0.2, 6)],
      ['view', 'adversarial', 7],
    ]);
    expect(adv[0]!.tiles[1]).toMatchObject({ kind: 'signed', width: 2, height: 2, channels: 1 });
    expect(adv[1]!.tiles[1]).toMatchObject({ scale: 0 });
    expect(adv[0]!.caption).toBe('logit 5.00 → 1.00, rank 0 → 2');
    // Cut-mix: score = 1 − λ (largest pasted box first); own, partner, mixed with the box as its mask.
    const mix = g.sections.cutmix!;
    expect(mix.map((x) => x.index)).toEqual([11, 10]);
    expect(mix[0]!.score).toBeCloseTo(0.4);
    expect(tileSummary(mix[0]!)).toEqual([
      ['own', 'own', 2],
      ['partner', 'partner', 1],
      ['view', 'mixed', 9],
    ]);
    expect(mix[0]!.tiles.map((t) => (t.kind === 'image' ? t.of : 'signed'))).toEqual([
      'sample',
      'other',
      'sample',
    ]);
    expect(mix[0]!.tiles[2]).toMatchObject({ mask: new Uint8Array([1, 1, 0, 0]) });
    expect(mix[0]!.tiles[0]).toMatchObject({ mask: null });
    expect(mix[0]!.caption).toBe('λ = 0.60');
    // Mix-up did not run: no section.
    expect(g.sections.mixup).toBeUndefined();
    expect(galleryCount(g)).toBe(6);
    // A preview without hard examples keeps what the gallery has.
    const plain = updateGallery(g, { ...p, step: 4, adversarial: null, cutmix: null, hardest: null }, 12);
    expect(plain.loss.length).toBe(2);
    expect(plain.sections.adversarial!.length).toBe(2);
    expect(plain.sections.cutmix).toBe(g.sections.cutmix);
    const one = updateGallery(g, p, 1);
    expect([one.loss.length, one.sections.adversarial!.length, one.sections.cutmix!.length]).toEqual([
      1, 1, 1,
    ]);
  });

  it('keeps the most mixed mix-ups (λ closest to 0.5) over read-backs, with own, partner and mixed', () => {
    let g = updateGallery(EMPTY_GALLERY, { ...base(2), mixup: mixup([0.9, 0.45, 0.3]) }, 2);
    let items = g.sections.mixup!;
    // Scores 0.5 − |λ − 0.5|: 0.1, 0.45, 0.3 → #11, #12 kept (k = 2).
    expect(items.map((x) => [x.index, x.step])).toEqual([
      [11, 2],
      [12, 2],
    ]);
    expect(items.map((x) => x.score)).toEqual([expect.closeTo(0.45, 6), expect.closeTo(0.3, 6)]);
    expect(tileSummary(items[0]!)).toEqual([
      ['own', 'own', 2],
      ['partner', 'partner', 1],
      ['view', 'mixed', 21],
    ]);
    expect(items[0]!.caption).toBe('λ = 0.45');
    // λ above 0.5 counts as much as below: 0.52 (score 0.48) now leads; #11's newer λ 0.95 drops it.
    g = updateGallery(g, { ...base(4), indices: [13, 11, 14], mixup: mixup([0.52, 0.95, 0.05]) }, 2);
    items = g.sections.mixup!;
    expect(items.map((x) => [x.index, x.step])).toEqual([
      [13, 4],
      [12, 2],
    ]);
    expect(items[0]!.caption).toBe('λ = 0.52');
    expect(g.sections.adversarial).toBeUndefined();
    expect(g.loss).toEqual([]);
  });

  it('draws a plug-in generator section from its descriptor alone', () => {
    // A generator of its own with its own preview type: the gallery reads it through its spec.
    interface SwapPreview {
      before: PreviewImage[];
      after: PreviewImage[];
      shift: number[];
    }
    const swap: GallerySource = {
      id: 'swap',
      gallery: gallerySection<SwapPreview>({
        title: 'Largest shifts',
        ranking: 'the largest shift',
        rows: (p) => p.after.length,
        score: (p, i) => p.shift[i]!,
        tiles: [
          { kind: 'image', id: 'before', caption: 'before', of: 'sample', image: (p, i) => p.before[i]! },
          { kind: 'image', id: 'after', caption: 'after', of: 'sample', image: (p, i) => p.after[i]! },
        ],
        caption: (p, i) => `shift ${p.shift[i]!}`,
      }),
    };
    const preview: SwapPreview = { before: [img(1), img(2)], after: [img(31), img(32)], shift: [1, 7] };
    const p: PreviewSet = { ...base(6), indices: [40, 41] };
    (p as unknown as Record<string, unknown>).swap = preview; // under its id, as the step files previews
    const sources = [...GALLERY_SOURCES, swap];
    const g = updateGallery(EMPTY_GALLERY, { ...p, mixup: mixup([0.5, 0.1, 0.2]) }, 12, sources);
    expect(g.sections.swap!.map((x) => [x.index, x.score, x.caption])).toEqual([
      [41, 7, 'shift 7'],
      [40, 1, 'shift 1'],
    ]);
    expect(tileSummary(g.sections.swap![0]!)).toEqual([
      ['before', 'before', 2],
      ['after', 'after', 32],
    ]);
    expect(g.sections.mixup!.length).toBe(3); // the built-ins read beside it
    // Without the plug-in among the sources its preview is ignored; a preview missing a row's image
    // skips that item instead of keeping a hole.
    expect(updateGallery(EMPTY_GALLERY, p, 12).sections.swap).toBeUndefined();
    (p as unknown as Record<string, unknown>).swap = { ...preview, before: [img(1)] };
    expect(updateGallery(EMPTY_GALLERY, p, 12, sources).sections.swap!.map((x) => x.index)).toEqual([40]);
  });
});

describe('shownSections', () => {
  it('shows the generators switched on, and those that kept items, in the sources order', () => {
    const g = updateGallery(EMPTY_GALLERY, { ...base(2), mixup: mixup([0.5, 0.5, 0.5]) });
    const ids = (active: string[]) => shownSections(g, active, GALLERY_SOURCES).map((s) => s.id);
    expect(ids([])).toEqual(['mixup']);
    expect(ids(['mixup', 'adversarial'])).toEqual(['adversarial', 'mixup']);
    expect(ids(['cutmix'])).toEqual(['cutmix', 'mixup']);
    expect(shownSections(EMPTY_GALLERY, [], GALLERY_SOURCES)).toEqual([]);
  });
});

describe('gallery specs of the built-in generators', () => {
  it.each(Object.values(GENERATOR_INFO))('$id: distinct tile ids, a clickable view of the sample', (d) => {
    const ids = d.gallery.tiles.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(d.gallery.tiles.some((t) => t.kind === 'image' && t.of === 'sample')).toBe(true);
    expect(d.gallery.title.length).toBeGreaterThan(0);
  });
});

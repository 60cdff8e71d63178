// Hard-example gallery: running top-K bookkeeping over read-backs. Plain JS, no tfjs: the page's
import type { PreviewImage, PreviewSet } from '../trainingTypes';
// run store keeps the gallery with it (the nearest-neighbour search lives in gallery.ts).

export const GALLERY_SIZE = 12;
export const NEIGHBOURS_K = 8;

/** One kept entry: `key` identifies the sample (a newer entry with the same key replaces the older). */
export interface Ranked {
  key: string;
  score: number; // higher = more extreme
  step: number;
}

/**
 * Merges `incoming` into the running top-K `kept` (both any order) and returns the new top-K, highest
 * score first. A key seen again keeps only its newest entry (by step; on a tie the incoming one): the
 * gallery shows each sample's *current* score, not its best ever. Pure: inputs are not modified.
 */
export function mergeTopK<T extends Ranked>(kept: readonly T[], incoming: readonly T[], k: number): T[] {
  const byKey = new Map<string, T>();
  for (const item of [...kept, ...incoming]) {
    if (!Number.isFinite(item.score)) continue;
    const prev = byKey.get(item.key);
    if (!prev || item.step >= prev.step) byKey.set(item.key, item);
  }
  return [...byKey.values()]
    .sort((a, b) => b.score - a.score || b.step - a.step || (a.key < b.key ? -1 : 1))
    .slice(0, Math.max(0, k));
}

/** (a) A training view with a high clean loss. */
export interface LossItem extends Ranked {
  index: number; // dataset index (train split)
  image: PreviewImage; // the augmented view the loss was computed on
  loss: number;
}

/** (b) An adversarial view whose own pseudo-label lost the most. score = logit drop. */
export interface AdversarialItem extends Ranked {
  index: number;
  clean: PreviewImage;
  adversarial: PreviewImage;
  perturbation: Float32Array; // [h, w, c] signed, pixel units
  scale: number; // max |δ| of this item (colour scale)
  logitBefore: number;
  logitAfter: number;
  rankBefore: number;
  rankAfter: number;
}

/** (c) A cut-mix. score = 1 − λ (the partner's share). */
export interface CutMixItem extends Ranked {
  index: number;
  own: PreviewImage;
  partner: PreviewImage;
  mixed: PreviewImage;
  mask: Uint8Array;
  lambda: number;
}

export interface Gallery {
  loss: LossItem[];
  adversarial: AdversarialItem[];
  cutmix: CutMixItem[];
}

export const EMPTY_GALLERY: Gallery = { loss: [], adversarial: [], cutmix: [] };

/** The gallery after one more read-back's previews. */
export function updateGallery(g: Gallery, p: PreviewSet, k = GALLERY_SIZE): Gallery {
  const idx = (i: number) => p.indices?.[i] ?? -1;
  const key = (i: number) => (idx(i) >= 0 ? `#${idx(i)}` : `s${p.step}:${i}`);
  const h = p.hardest;
  const loss: LossItem[] = h
    ? h.losses.map((l, i) => ({
        key: `#${h.indices[i]!}`,
        score: l,
        step: p.step,
        index: h.indices[i]!,
        image: h.images[i]!,
        loss: l,
      }))
    : [];
  const a = p.adversarial;
  const adversarial: AdversarialItem[] = a
    ? a.adversarial.map((img, i) => {
        const before = a.logitBefore[i]!;
        const after = a.logitAfter[i]!;
        const delta = a.perturbation[i]!;
        return {
          key: key(i),
          score: before - after,
          step: p.step,
          index: idx(i),
          clean: a.clean[i]!,
          adversarial: img,
          perturbation: delta,
          scale: delta.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
          logitBefore: before,
          logitAfter: after,
          rankBefore: a.rankBefore[i]!,
          rankAfter: a.rankAfter[i]!,
        };
      })
    : [];
  const m = p.cutmix;
  const cutmix: CutMixItem[] = m
    ? m.mixed.map((img, i) => ({
        key: key(i),
        score: 1 - m.lambda[i]!,
        step: p.step,
        index: idx(i),
        own: m.own[i]!,
        partner: m.partner[i]!,
        mixed: img,
        mask: m.masks[i]!,
        lambda: m.lambda[i]!,
      }))
    : [];
  return {
    loss: mergeTopK(g.loss, loss, k),
    adversarial: mergeTopK(g.adversarial, adversarial, k),
    cutmix: mergeTopK(g.cutmix, cutmix, k),
  };
}

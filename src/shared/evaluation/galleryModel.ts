// Hard-example gallery: running top-K bookkeeping over read-backs. Plain JS, no tfjs: the page's
// run store keeps the gallery with it (the nearest-neighbour search lives in engine/evaluation/gallery.ts).
// Two kinds of section: the batch's highest clean losses (the step's own previews), and one section per
// hard-example generator, read from its preview by the gallery spec in its descriptor (GENERATOR_INFO
// in catalog.ts): what it ranks, which images make an item, the captions. Nothing here names a generator.
import { GENERATOR_INFO, type GallerySpec } from '../catalog';
import type { PreviewImage, PreviewSet } from '../trainingTypes';

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

/** A training view with a high clean loss. */
export interface LossItem extends Ranked {
  index: number; // dataset index (train split)
  image: PreviewImage; // the augmented view the loss was computed on
  loss: number;
}

/** One image of a generator's gallery item (see GalleryTileSpec in catalog.ts). */
export type GalleryTile =
  | {
      kind: 'image';
      id: string;
      caption: string;
      of: 'sample' | 'other';
      image: PreviewImage;
      mask: Uint8Array | null;
    }
  | {
      kind: 'signed';
      id: string;
      caption: string;
      values: Float32Array; // [h, w, c] signed
      width: number;
      height: number;
      channels: number;
      scale: number; // max |value| of this tile (its colour scale)
    };

/** One kept item of a generator's section: `score` is its spec's ranking. */
export interface GalleryItem extends Ranked {
  index: number; // dataset index (train split); -1 when unknown
  tiles: GalleryTile[];
  caption: string;
}

export interface Gallery {
  loss: LossItem[];
  /** Each generator's kept items, by generator id (a generator that never sent a preview has none). */
  sections: Readonly<Record<string, GalleryItem[]>>;
}

export const EMPTY_GALLERY: Gallery = { loss: [], sections: {} };

/** Where a section comes from: the preview under `id`, read by `gallery`. A generator descriptor is one. */
export interface GallerySource {
  id: string;
  gallery: GallerySpec<unknown>;
}

/** Every built-in generator, in GENERATOR_INFO's order. */
export const GALLERY_SOURCES: readonly GallerySource[] = Object.values(GENERATOR_INFO);

const maxAbs = (v: Float32Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** Row i's tiles; null when the preview lacks one of them (the item is skipped). */
function tilesOf(spec: GallerySpec<unknown>, preview: unknown, i: number): GalleryTile[] | null {
  const tiles: GalleryTile[] = [];
  for (const t of spec.tiles) {
    if (t.kind === 'image') {
      const image = t.image(preview, i) as PreviewImage | undefined;
      if (!image) return null;
      const mask = t.mask?.(preview, i) ?? null;
      tiles.push({ kind: 'image', id: t.id, caption: t.caption, of: t.of, image, mask });
    } else {
      const values = t.values(preview, i) as Float32Array | undefined;
      const like = t.like(preview, i) as PreviewImage | undefined;
      if (!values || !like) return null;
      const { width, height, channels } = like;
      tiles.push({
        kind: 'signed',
        id: t.id,
        caption: t.caption,
        values,
        width,
        height,
        channels,
        scale: maxAbs(values),
      });
    }
  }
  return tiles;
}

/** A section's items from one preview (its spec's rows, scored, under dataset-index keys). */
function sectionItems(src: GallerySource, preview: unknown, p: PreviewSet): GalleryItem[] {
  const spec = src.gallery;
  const idx = (i: number) => p.indices?.[i] ?? -1;
  const key = (i: number) => (idx(i) >= 0 ? `#${idx(i)}` : `s${p.step}:${i}`);
  const items: GalleryItem[] = [];
  for (let i = 0; i < spec.rows(preview); i++) {
    const tiles = tilesOf(spec, preview, i);
    if (!tiles) continue;
    items.push({
      key: key(i),
      score: spec.score(preview, i),
      step: p.step,
      index: idx(i),
      tiles,
      caption: spec.caption(preview, i),
    });
  }
  return items;
}

/**
 * The gallery after one more read-back's previews: the highest clean losses, and for each source whose
 * preview this read-back carries (a generator that ran), its top items merged with the kept ones. A
 * source without a preview keeps what it has.
 */
export function updateGallery(
  g: Gallery,
  p: PreviewSet,
  k = GALLERY_SIZE,
  sources: readonly GallerySource[] = GALLERY_SOURCES,
): Gallery {
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
  const sections: Record<string, GalleryItem[]> = { ...g.sections };
  for (const src of sources) {
    const preview = (p as unknown as Record<string, unknown>)[src.id];
    if (preview === null || preview === undefined) continue;
    sections[src.id] = mergeTopK(g.sections[src.id] ?? [], sectionItems(src, preview, p), k);
  }
  return { loss: mergeTopK(g.loss, loss, k), sections };
}

/** Items in the whole gallery (0: nothing to show yet). */
export const galleryCount = (g: Gallery): number =>
  Object.values(g.sections).reduce((n, items) => n + items.length, g.loss.length);

/**
 * The generator sections to draw, in `sources` order: those switched on for the run (`active`, ids) and
 * those that kept items (a generator switched off while the run trains keeps its section).
 */
export const shownSections = <S extends GallerySource>(
  g: Gallery,
  active: readonly string[],
  sources: readonly S[],
): S[] => sources.filter((s) => active.includes(s.id) || (g.sections[s.id]?.length ?? 0) > 0);

// What a run shows of its model besides metrics and previews: frozen backbone features (the
// evaluations' input), the embedding projection, the clusters after a re-clustering and the gallery's
// nearest neighbours. Functions of the model, the data and the settings only: they never touch the
// run's Rng, optimiser or step counter, so calling them between steps changes nothing of the training.
import * as tf from '@tensorflow/tfjs';
import { toFloatImages } from '../augment/augment';
import type { TrainConfig } from '../../shared/config';
import { readSubset } from '../data/sampler';
import { yieldToEvents } from '../runtime/yieldToEvents';
import type { Chunk, ChunkSource } from '../../shared/data/types';
import { projectFeatures } from '../evaluation/embedding';
import { nearestNeighbours, NEIGHBOURS_K } from '../evaluation/gallery';
import type { LabelledFeatures } from '../evaluation/types';
import type { BaseMethod } from '../methods/types';
import type {
  ClusterSnapshot,
  EmbeddingSnapshot,
  NeighbourResult,
  PreviewImage,
} from '../../shared/trainingTypes';

/** What the views read: the run's method (its encoder, its clusters), its data, the settings in effect. */
export interface ViewContext {
  readonly base: BaseMethod;
  readonly source: ChunkSource;
  readonly cfg: TrainConfig; // imageSize (the crop the encoder sees), seed
}

const FEATURE_BATCH = 256; // images per batch of a feature pass (evaluation is batched)
const NEIGHBOUR_REFERENCE = 256; // held-out images searched for a gallery item's neighbours
const CLUSTER_STRIPS = 6; // largest clusters shown
const CLUSTER_STRIP_IMAGES = 8; // member images per shown cluster

/** Lets the worker handle messages (pause, stop) between steps: awaiting a promise alone does not. */
export { yieldToEvents };

/** Called after each batch of a long pass (frozen features, recalibration): images done of total. */
export type PassProgress = (done: number, total: number) => void;

/** The first n images of a split as bytes with labels (for one or more feature passes). */
export type Subset = Awaited<ReturnType<typeof readSubset>>;

/**
 * Runs `f` on the images of `sub` resized to the crop size, FEATURE_BATCH at a time, and concatenates
 * the results [N, F]. Yields to the event loop between batches (pause/stop stay responsive).
 */
export async function mapImages(
  ctx: Pick<ViewContext, 'source' | 'cfg'>,
  sub: Subset,
  f: (x: tf.Tensor4D) => tf.Tensor2D,
  onProgress?: PassProgress,
): Promise<tf.Tensor2D> {
  const m = ctx.source.manifest;
  const rowBytes = m.height * m.width * m.channels;
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < sub.count; i += FEATURE_BATCH) {
    const b = Math.min(FEATURE_BATCH, sub.count - i);
    parts.push(
      tf.tidy(() => {
        const x = toFloatImages(
          sub.pixels.subarray(i * rowBytes, (i + b) * rowBytes),
          b,
          m.height,
          m.width,
          m.channels,
        );
        return f(tf.image.resizeBilinear(x, [ctx.cfg.imageSize, ctx.cfg.imageSize]));
      }),
    );
    onProgress?.(i + b, sub.count);
    await yieldToEvents();
  }
  if (parts.length === 0) return tf.zeros([0, 0]);
  const out = tf.concat(parts) as tf.Tensor2D;
  parts.forEach((p) => p.dispose());
  return out;
}

/** Pooled backbone features [N, F] of the first n images of a split, resized to the crop size. */
export async function frozenFeatures(
  ctx: ViewContext,
  split: 'train' | 'test',
  n: number,
  onProgress?: PassProgress,
): Promise<LabelledFeatures> {
  const sub = await readSubset(ctx.source, split, n);
  const features = await mapImages(
    ctx,
    sub,
    (x) => ctx.base.encoder.features(x, { training: false }),
    onProgress,
  );
  return { features, labels: sub.labels ?? new Int32Array(sub.count) };
}

/**
 * Cluster sizes and up to 8 member images of the 6 largest clusters (head 0), or null for a method
 * without clusters or before its first clustering.
 */
export async function clusterSnapshot(
  ctx: Pick<ViewContext, 'base' | 'source'>,
  step: number,
): Promise<ClusterSnapshot | null> {
  const stats = ctx.base.clusterStats?.();
  const assigned = ctx.base.assignments?.(0);
  if (!stats || !assigned) return null;
  const m = ctx.source.manifest;
  const largest = stats.sizes
    .map((size, cluster) => ({ size, cluster }))
    .sort((a, b) => b.size - a.size)
    .slice(0, CLUSTER_STRIPS)
    .filter((c) => c.size > 0);
  const chunkSize = m.splits.train.chunkSize;
  const rowBytes = m.height * m.width * m.channels;
  const chunks = new Map<number, Promise<Chunk>>();
  const members = await Promise.all(
    largest.map(async ({ cluster, size }) => {
      const indices: number[] = [];
      for (let i = 0; i < assigned.length && indices.length < CLUSTER_STRIP_IMAGES; i++)
        if (assigned[i] === cluster) indices.push(i);
      const images = await Promise.all(
        indices.map(async (index): Promise<PreviewImage> => {
          const c = Math.floor(index / chunkSize);
          if (!chunks.has(c)) chunks.set(c, ctx.source.readChunk('train', c));
          const chunk = await chunks.get(c)!;
          const r = index - chunk.start;
          const pixels = chunk.pixels.slice(r * rowBytes, (r + 1) * rowBytes);
          return { width: m.width, height: m.height, channels: m.channels, pixels };
        }),
      );
      return { cluster, size, images };
    }),
  );
  return { step, stats, members };
}

/**
 * Embedding view: PCA and UMAP of the held-out features coloured by label; clustering methods (once
 * clustered) show the probe's train images coloured by their cluster instead. The sets are not disposed.
 */
export async function embeddingSnapshot(
  ctx: ViewContext,
  trainSet: LabelledFeatures,
  testSet: LabelledFeatures,
  at: { step: number; epoch: number },
): Promise<EmbeddingSnapshot> {
  const assigned = ctx.base.assignments?.(0) ?? null;
  const byCluster = assigned !== null && trainSet.features.shape[0] <= assigned.length;
  const set = byCluster ? trainSet : testSet;
  const r = await projectFeatures(set.features, { seed: ctx.cfg.seed ^ 0x5eed });
  const groups = Array.from(byCluster ? assigned.subarray(0, r.count) : set.labels.subarray(0, r.count));
  const classNames = ctx.source.manifest.classNames ?? [];
  const names = byCluster
    ? Array.from({ length: Math.max(0, ...groups) + 1 }, (_, c) => `cluster ${c}`)
    : classNames.map(String);
  return {
    step: at.step,
    epoch: at.epoch,
    split: byCluster ? 'train' : 'test',
    colourBy: byCluster ? 'cluster' : 'label',
    names,
    groups,
    pca: r.pca,
    umap: r.umap,
  };
}

/**
 * Gallery: the k nearest of the first ≤256 held-out images to `image` (any size, the dataset's
 * channels) in backbone feature space, inference mode, current weights.
 */
export async function findNeighbours(
  ctx: ViewContext,
  image: PreviewImage,
  k = NEIGHBOURS_K,
): Promise<NeighbourResult> {
  const m = ctx.source.manifest;
  if (image.channels !== m.channels)
    throw new Error(`neighbours: ${image.channels} channels, expected ${m.channels}`);
  const ref = await frozenFeatures(ctx, 'test', Math.min(NEIGHBOUR_REFERENCE, m.splits.test.count));
  const sub = await readSubset(ctx.source, 'test', ref.features.shape[0]);
  const query = tf.tidy(() => {
    const x = toFloatImages(image.pixels, 1, image.height, image.width, image.channels);
    const sized = tf.image.resizeBilinear(x, [ctx.cfg.imageSize, ctx.cfg.imageSize]);
    return ctx.base.encoder.features(sized, { training: false });
  });
  try {
    const [found] = await nearestNeighbours(query, ref.features, k);
    const rowBytes = m.height * m.width * m.channels;
    return {
      split: 'test',
      reference: ref.features.shape[0],
      neighbours: (found ?? []).map(({ index, similarity }) => ({
        index,
        similarity,
        label: sub.labels ? (sub.labels[index] ?? null) : null,
        image: {
          width: m.width,
          height: m.height,
          channels: m.channels,
          pixels: sub.pixels.slice(index * rowBytes, (index + 1) * rowBytes),
        },
      })),
    };
  } finally {
    query.dispose();
    ref.features.dispose();
  }
}

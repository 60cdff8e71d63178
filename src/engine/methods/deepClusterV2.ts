// DeepCluster-v2 as a base method (docs/DESIGN-NOTES.md, "DeepCluster-v2"): an encoder with a
// Linear–BN–ReLU–Linear head (Linear–ReLU–Linear with headBn off), a memory bank of the clean embeddings of two views of every train image,
// re-clustered by spherical k-means at each epoch start into H heads of K frozen prototypes. Each view
// must predict its image's cluster: cross-entropy of z·C_hᵀ/τ against a_h[index], averaged over heads.
// Hard-example generators see only the PseudoLabelTask, so HEXA-DCluster reuses them unchanged; only the
// clean embeddings of the step (never hard views) enter the bank.
import * as tf from '@tensorflow/tfjs';
import { toFloatImages } from '../augment/augment';
import type { TrainConfig } from '../../shared/config';
import { chunkProblem, imageBytes } from '../../shared/data/chunkCheck';
import { nmi } from '../evaluation/nmi';
import { mixedTargets, softCrossEntropyPerSample } from '../losses/softCrossEntropy';
import { createEncoder, l2n, type Encoder } from '../nn/encoder';
import { newVariable, type ForwardMode } from '../nn/layers';
import { Rng } from '../runtime/random';
import { sphericalKMeans } from './kmeans';
import { scoreFromLogits } from './scoring';
import type {
  BaseMethod,
  CleanLoss,
  EncodedViews,
  PrepareContext,
  PseudoLabelTask,
  StepInput,
  ViewScore,
} from './types';
import type { ClusterStats } from '../../shared/trainingTypes';

/** k-means updates per head at each re-clustering (the DeepCluster-v2 reference uses 10). */
export const KMEANS_ITERATIONS = 10;
/** Bank rows per chunk of the N×K similarity work. */
const KMEANS_CHUNK_ROWS = 4096;
/** Batches of the bank-filling pass between yields to the event loop (the worker's messages). */
const PREPARE_YIELD_EVERY = 8;
/** Most tensors joined by one concat (WebGPU binds every input as a buffer). */
const CONCAT_GROUP = 32;

/** DeepCluster-v2's plain-JS state in a checkpoint (the bank and prototypes are variables). */
export interface DeepClusterState {
  rng: number; // state of the k-means initialisation Rng
  bankRows: number; // N, 0 before prepare()
  labels: Int32Array | null;
  assignments: Int32Array[]; // H × [N], empty before the first clustering
  stats: ClusterStats | null;
  round: number;
}

/**
 * Targets of cut-mixed views per head: λ·onehot(a[i]) + (1−λ)·onehot(a[partner[i]]). own int32 [B]
 * clusters of the batch, partner int32 [B] batch positions, lambda [B] → [B, K].
 */
export function mixedClusterTargets(
  own: tf.Tensor1D,
  partner: tf.Tensor1D,
  lambda: tf.Tensor1D,
  k: number,
): tf.Tensor2D {
  return tf.tidy(() => mixedTargets(own, tf.gather(own, partner), lambda, k));
}

/** Per-sample cross-entropy of logits [B, K] against int32 targets [B] → [B]. */
const crossEntropy = (logits: tf.Tensor2D, target: tf.Tensor1D): tf.Tensor1D =>
  softCrossEntropyPerSample(logits, tf.oneHot(target, logits.shape[1]) as tf.Tensor2D);

/** Mean of per-head per-sample losses, H × [B] → [B]. */
const meanOverHeads = (losses: tf.Tensor1D[]): tf.Tensor1D =>
  losses.length === 1 ? losses[0]! : (tf.div(tf.addN(losses), losses.length) as tf.Tensor1D);

/** A batch's pseudo-label task: its images' cluster assignments a_h[index] under the frozen prototypes. */
export class ClusterTask implements PseudoLabelTask {
  readonly ownLabel: tf.Tensor1D; // int32 [B] head-0 clusters
  /** Clean embeddings [B, d] of xq and xk from the step's clean forward (the bank's update). */
  zq: tf.Tensor2D | null = null;
  zk: tf.Tensor2D | null = null;

  constructor(
    private readonly encoder: Encoder,
    private readonly prototypes: readonly tf.Tensor2D[], // H × [K, d]
    private readonly tau: number,
    readonly indices: tf.Tensor1D, // int32 [B] dataset indices (owned)
    readonly own: readonly tf.Tensor1D[], // H × int32 [B] clusters of the batch (owned)
    private readonly xq: tf.Tensor4D, // [B, S, S, C] the query view (not owned)
    private readonly xk: tf.Tensor4D, // [B, S, S, C] the second clean view (not owned)
  ) {
    this.ownLabel = own[0]!;
  }

  /** z [B, d] → H × [B, K] logits z·C_hᵀ / τ. */
  private logits(z: tf.Tensor2D): tf.Tensor2D[] {
    return this.prototypes.map((c) => tf.div(tf.matMul(z, c, false, true), this.tau) as tf.Tensor2D);
  }

  /** Mean over heads of CE(z·C_hᵀ/τ, a_h) → [B]. */
  private lossOf(z: tf.Tensor2D): tf.Tensor1D {
    return meanOverHeads(this.logits(z).map((l, h) => crossEntropy(l, this.own[h]!)));
  }

  /** Both clean views: L_clean is the mean over xq's and xk's per-sample losses. */
  clean(mode: ForwardMode): CleanLoss {
    const query = this.score(this.xq, mode);
    return { loss: tf.concat([query.loss, this.secondViewLoss(query, mode)]), query };
  }

  /** The encoder pass of score() and mixedLoss() (PseudoLabelTask.encode: trainStep may share it). */
  encode(views: tf.Tensor4D, mode: ForwardMode): EncodedViews {
    const features = this.encoder.features(views, mode); // [B, F]
    return { features, embedding: l2n(this.encoder.head.apply(features, mode)) }; // z [B, d]
  }

  score(views: tf.Tensor4D, mode: ForwardMode): ViewScore {
    return this.scoreEncoded(this.encode(views, mode));
  }

  scoreEncoded({ features, embedding: z }: EncodedViews): ViewScore {
    const logits = this.logits(z);
    // Logit, rank and arg-max from head 0; the loss averages over all heads.
    const first = scoreFromLogits(logits[0]!, this.own[0]!, features, z);
    const rest = logits.slice(1).map((l, h) => crossEntropy(l, this.own[h + 1]!));
    return { ...first, loss: meanOverHeads([first.loss, ...rest]) };
  }

  mixedLoss(views: tf.Tensor4D, partner: tf.Tensor1D, lambda: tf.Tensor1D, mode: ForwardMode): tf.Tensor1D {
    return this.mixedLossEncoded(this.encode(views, mode), partner, lambda);
  }

  mixedLossEncoded({ embedding: z }: EncodedViews, partner: tf.Tensor1D, lambda: tf.Tensor1D): tf.Tensor1D {
    const k = this.prototypes[0]!.shape[0];
    return meanOverHeads(
      this.logits(z).map((l, h) =>
        softCrossEntropyPerSample(l, mixedClusterTargets(this.own[h]!, partner, lambda, k)),
      ),
    );
  }

  /** The loss of the second clean view xk [B]; keeps both clean embeddings for the memory bank. */
  secondViewLoss(clean: ViewScore, mode: ForwardMode): tf.Tensor1D {
    const zk = this.encoder.embed(this.xk, mode); // [B, d]
    this.zq?.dispose();
    this.zk?.dispose();
    this.zq = tf.keep(tf.clone(clean.embedding));
    this.zk = tf.keep(tf.clone(zk));
    return this.lossOf(zk);
  }

  dispose(): void {
    [this.indices, ...this.own].forEach((t) => t.dispose());
    this.zq?.dispose();
    this.zk?.dispose();
    this.zq = null;
    this.zk = null;
  }
}

/** Joins many [n_i, d] tensors in groups (keeps each concat's input count small) → [Σn_i, d]. */
function concatMany(parts: tf.Tensor2D[]): tf.Tensor2D {
  let level = parts;
  while (level.length > 1) {
    const next: tf.Tensor2D[] = [];
    for (let i = 0; i < level.length; i += CONCAT_GROUP)
      next.push(tf.concat(level.slice(i, i + CONCAT_GROUP)));
    if (level !== parts) level.forEach((t) => t.dispose());
    level = next;
  }
  return level === parts ? tf.clone(parts[0]!) : level[0]!;
}

export class DeepClusterV2 implements BaseMethod {
  readonly encoder: Encoder;
  /** H × [K, d] prototypes, frozen (not trained): each epoch start sets them to k-means centroids. */
  readonly prototypes: tf.Variable<tf.Rank.R2>[];
  readonly heads: number; // H
  readonly clusterCount: number; // K per head
  private readonly embedDim: number;
  private readonly rng: Rng; // k-means initialisation
  /** Clean embeddings of view 0 (xq) and view 1 (xk) by dataset index, [N, d] each. */
  private bank: [tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R2>] | null = null;
  private labels: Int32Array | null = null; // [N] class labels of the bank's images, for NMI
  private assignTensors: tf.Tensor1D[] = []; // H × int32 [N], for gathering a batch's clusters
  private assignArrays: Int32Array[] = []; // H × [N], the same on the CPU
  private stats: ClusterStats | null = null;
  private round = 0;

  constructor(cfg: TrainConfig, channels: number, rng: Rng) {
    const { clusterHeads: h, clusterCount: k } = cfg;
    if (!Number.isInteger(h) || h < 1)
      throw new Error(`DeepCluster-v2: cluster heads must be ≥ 1 (got ${h}).`);
    if (!Number.isInteger(k) || k < 2) throw new Error(`DeepCluster-v2: clusters K must be ≥ 2 (got ${k}).`);
    this.heads = h;
    this.clusterCount = k;
    this.embedDim = cfg.embedDim;
    this.encoder = createEncoder({ ...cfg, channels, head: cfg.headBn ? 'mlp-bn' : 'mlp' }, rng);
    this.rng = new Rng(rng.seed());
    // Random unit prototypes until the first clustering (steps need an assignment first anyway).
    this.prototypes = Array.from(
      { length: h },
      () =>
        newVariable(
          () => l2n(tf.randomNormal([k, cfg.embedDim], 0, 1, 'float32', this.rng.seed())),
          false,
          'prototypes',
        ) as tf.Variable<tf.Rank.R2>,
    );
  }

  params(): tf.Variable[] {
    return this.encoder.params;
  }

  /** Encoder params and statistics, prototypes, then the bank's two views once prepare() has run. */
  stateVariables(): tf.Variable[] {
    return [...this.encoder.params, ...this.encoder.state, ...this.prototypes, ...(this.bank ?? [])];
  }

  extraState(): DeepClusterState {
    return {
      rng: this.rng.getState(),
      bankRows: this.bank?.[0].shape[0] ?? 0,
      labels: this.labels?.slice() ?? null,
      assignments: this.assignArrays.map((a) => a.slice()),
      stats: this.stats && structuredClone(this.stats),
      round: this.round,
    };
  }

  /** Rebuilds the bank (zeros, of the saved size: the checkpoint's values are assigned next) and the assignments. */
  restoreExtraState(state: unknown): void {
    const s = state as DeepClusterState;
    if (typeof s?.bankRows !== 'number' || !Array.isArray(s.assignments))
      throw new Error('DeepCluster-v2: the checkpoint holds no DeepCluster state.');
    if (s.assignments.length !== 0 && s.assignments.length !== this.heads)
      throw new Error(`DeepCluster-v2: the checkpoint has ${s.assignments.length} heads, not ${this.heads}.`);
    this.disposeState();
    if (s.bankRows > 0) {
      this.checkCount(s.bankRows);
      const zeros = () =>
        newVariable(() => tf.zeros([s.bankRows, this.embedDim]), false, 'bank') as tf.Variable<tf.Rank.R2>;
      this.bank = [zeros(), zeros()];
    }
    this.labels = s.labels?.slice() ?? null;
    this.assignArrays = s.assignments.map((a) => Int32Array.from(a));
    this.assignTensors = this.assignArrays.map((a) => tf.tensor1d(a, 'int32'));
    this.stats = s.stats && structuredClone(s.stats);
    this.round = s.round;
    this.rng.setState(s.rng);
  }

  /** The memory bank's two views, [N, d] each, or null before prepare(). Read-only: do not dispose. */
  bankViews(): readonly [tf.Tensor2D, tf.Tensor2D] | null {
    return this.bank;
  }

  /** Cluster of every dataset index under head h, from the last re-clustering; null before the first. */
  assignments(head = 0): Int32Array | null {
    return this.assignArrays[head] ?? null;
  }

  /** Statistics of the last re-clustering; null before the first. */
  clusterStats(): ClusterStats | null {
    return this.stats;
  }

  /**
   * Replaces the memory bank: z0, z1 [N, d] clean embeddings of two views by dataset index (copied; the
   * caller keeps them), with the images' class labels [N] when known. Clears the assignments.
   */
  setBank(z0: tf.Tensor2D, z1: tf.Tensor2D, labels: Int32Array | null = null): void {
    const [n, d] = z0.shape;
    if (z1.shape[0] !== n || z1.shape[1] !== d || d !== this.embedDim)
      throw new Error(`DeepCluster-v2: bank views must both be [N, ${this.embedDim}].`);
    if (labels && labels.length !== n)
      throw new Error(`DeepCluster-v2: ${labels.length} labels for ${n} rows.`);
    this.checkCount(n);
    this.disposeState();
    const v = (z: tf.Tensor2D) => newVariable(() => tf.clone(z), false, 'bank') as tf.Variable<tf.Rank.R2>;
    this.bank = [v(z0), v(z1)];
    this.labels = labels;
  }

  /** Fills the memory bank: one no-grad pass of two augmented views of every train image in use. */
  async prepare(ctx: PrepareContext): Promise<void> {
    const { source, count, cfg } = ctx;
    this.checkCount(count);
    const m = source.manifest;
    const rb = imageBytes(m);
    const b = cfg.batchSize;
    const labels = m.classNames !== null ? new Int32Array(count) : null;
    const zq: tf.Tensor2D[] = [];
    const zk: tf.Tensor2D[] = [];
    const order = new Int32Array(count); // dataset index of each embedded row, in embedding order
    let done = 0;
    // Embeds `rows` images and keeps the rows from `from` on (the rest only fill BatchNorm's batch).
    const embed = (pixels: Uint8Array, rows: number, from: number, idx: Int32Array, groups: number) => {
      const [q, k] = tf.tidy(() => {
        const x = toFloatImages(pixels, rows, m.height, m.width, m.channels); // [rows, H, W, C]
        const [xq, xk] = ctx.augment(x);
        const mode = { training: true, bnGroups: groups };
        return [xq, xk].map((v) => tf.slice(this.encoder.embed(v, mode), from)) as tf.Tensor2D[];
      });
      zq.push(q!);
      zk.push(k!);
      order.set(idx, done);
      done += idx.length;
    };

    const tryAll = async () => {
      const chunkCount = Math.ceil(count / m.splits.train.chunkSize);
      const chunkOrder = ctx.rng.permutation(chunkCount);
      const read = (i: number) => {
        const p = source.readChunk('train', chunkOrder[i]!);
        p.catch(() => undefined); // reported when awaited, not as unhandled
        return p;
      };
      let pixels: Uint8Array = new Uint8Array(b * rb); // [B, H, W, C] the batch being filled
      let previous: Uint8Array | null = null; // the last full batch
      const idx = new Int32Array(b);
      let fill = 0;
      let batches = 0;
      let next = read(0);
      for (let c = 0; c < chunkCount; c++) {
        const index = chunkOrder[c]!;
        const chunk = await next;
        if (c + 1 < chunkCount) next = read(c + 1); // the next read overlaps this chunk's work
        const problem = chunkProblem(chunk, m, 'train', index);
        if (problem) throw new Error(`Chunk ${index} of the train split ${problem}`);
        const usable = Math.min(chunk.count, count - chunk.start);
        for (const row of ctx.rng.permutation(usable)) {
          pixels.set(chunk.pixels.subarray(row * rb, (row + 1) * rb), fill * rb);
          idx[fill] = chunk.start + row;
          if (labels) labels[chunk.start + row] = chunk.labels![row]!;
          if (++fill < b) continue;
          embed(pixels, b, 0, idx, cfg.bnGroups);
          const spare: Uint8Array = previous ?? new Uint8Array(b * rb);
          previous = pixels;
          pixels = spare;
          fill = 0;
          if (++batches % PREPARE_YIELD_EVERY === 0) {
            ctx.onProgress?.(batches * b, count);
            await new Promise<void>((r) => setTimeout(r, 0));
          }
        }
      }
      if (fill === 0) return;
      const last = idx.slice(0, fill);
      if (previous) {
        // Top the last partial batch up with the end of the previous one: BatchNorm sees a full batch.
        const padded = new Uint8Array(b * rb);
        padded.set(previous.subarray(fill * rb), 0);
        padded.set(pixels.subarray(0, fill * rb), (b - fill) * rb);
        embed(padded, b, b - fill, last, cfg.bnGroups);
      } else {
        embed(pixels.subarray(0, fill * rb), fill, 0, last, fill % cfg.bnGroups === 0 ? cfg.bnGroups : 1);
      }
    };

    try {
      await tryAll();
      if (done !== count) throw new Error(`DeepCluster-v2: embedded ${done} of ${count} images.`);
      const where = new Int32Array(count); // row of each dataset index in embedding order
      order.forEach((index, row) => (where[index] = row));
      const [z0, z1] = tf.tidy(() => {
        const at = tf.tensor1d(where, 'int32');
        return [zq, zk].map((parts) => {
          const all = concatMany(parts); // [N, d] in embedding order
          return tf.gather(all, at) as tf.Tensor2D; // [N, d] by dataset index
        });
      });
      this.setBank(z0!, z1!, labels);
      z0!.dispose();
      z1!.dispose();
    } finally {
      [...zq, ...zk].forEach((t) => t.dispose());
    }
  }

  /** Re-clusters each head's bank view (h mod 2) by spherical k-means; prototypes ← centroids. */
  async onEpochStart(epoch: number): Promise<void> {
    const bank = this.bank;
    if (!bank) throw new Error('DeepCluster-v2: the memory bank is empty; call prepare() first.');
    const n = bank[0].shape[0];
    const arrays: Int32Array[] = [];
    const sizes: Int32Array[] = [];
    for (let h = 0; h < this.heads; h++) {
      const view = bank[h % 2]!;
      const pick = this.rng.permutation(n).slice(0, this.clusterCount); // K distinct random rows
      const init = tf.tidy(() => tf.gather(view, tf.tensor1d(pick, 'int32'))); // [K, d]
      const r = await sphericalKMeans(view, init, KMEANS_ITERATIONS, KMEANS_CHUNK_ROWS);
      init.dispose();
      this.prototypes[h]!.assign(r.centroids);
      r.centroids.dispose();
      this.assignTensors[h]?.dispose();
      this.assignTensors[h] = tf.tensor1d(r.assignments, 'int32');
      arrays.push(r.assignments);
      sizes.push(r.sizes);
    }
    const previous = this.assignArrays[0];
    this.assignArrays = arrays;
    const maxOf = (s: Int32Array) => s.reduce((a, c) => Math.max(a, c), 0);
    this.stats = {
      epoch,
      round: ++this.round,
      images: n,
      clusters: this.clusterCount,
      empty: sizes.map((s) => s.filter((c) => c === 0).length),
      largestShare: sizes.map((s) => maxOf(s) / n),
      sizes: Array.from(sizes[0]!),
      nmiLabels: this.labels ? nmi(arrays[0]!, this.labels) : null,
      nmiPrevious: previous ? nmi(arrays[0]!, previous) : null,
    };
  }

  beginStep(input: StepInput, cfg: TrainConfig): PseudoLabelTask {
    const n = this.bank?.[0].shape[0] ?? 0;
    if (n === 0 || this.assignTensors.length !== this.heads)
      throw new Error('DeepCluster-v2: no clusters yet; call prepare() and onEpochStart() before a step.');
    for (const i of input.indices)
      if (i < 0 || i >= n)
        throw new Error(`DeepCluster-v2: dataset index ${i} is outside the bank (N = ${n}).`);
    const indices = tf.keep(tf.tensor1d(input.indices, 'int32')); // [B]
    const own = this.assignTensors.map((a) => tf.keep(tf.gather(a, indices))); // H × [B]
    const [xq, xk] = input.views as [tf.Tensor4D, tf.Tensor4D];
    return new ClusterTask(this.encoder, this.prototypes, cfg.clusterTemperature, indices, own, xq, xk);
  }

  /** Writes the step's clean embeddings into the bank at the batch's dataset indices. */
  endStep(task: PseudoLabelTask): void {
    const bank = this.bank;
    if (!(task instanceof ClusterTask) || !bank || !task.zq || !task.zk) return;
    const [zq, zk] = [task.zq, task.zk];
    tf.tidy(() => {
      const at = tf.expandDims(task.indices, 1); // [B, 1]
      bank[0].assign(tf.tensorScatterUpdate(bank[0], at, zq));
      bank[1].assign(tf.tensorScatterUpdate(bank[1], at, zk));
    });
  }

  private checkCount(n: number): void {
    if (this.clusterCount >= n)
      throw new Error(
        `DeepCluster-v2: Clusters K (${this.clusterCount}) must be fewer than the train images in use (${n}); lower K or use more images.`,
      );
  }

  private disposeState(): void {
    this.bank?.forEach((v) => v.dispose());
    this.bank = null;
    this.assignTensors.forEach((t) => t.dispose());
    this.assignTensors = [];
    this.assignArrays = [];
    this.labels = null;
    this.stats = null;
    this.round = 0;
  }

  dispose(): void {
    this.disposeState();
    this.encoder.dispose();
    this.prototypes.forEach((p) => p.dispose());
  }
}

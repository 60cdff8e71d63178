// Encoder = backbone + projection head → L2-normalised embedding. Momentum (key) copies share the
// structure and map parameters one to one by position.
import * as tf from '@tensorflow/tfjs';
import type { BackboneId } from '../../shared/config';
import { l2Normalize } from '../evaluation/normalize';
import { emaUpdate } from '../runtime/kernels/fused';
import type { Rng } from '../runtime/random';
import { createBackbone, type Backbone } from './backbones';
import { batchNorm, dense, relu, sequential, type ForwardMode, type Layer } from './layers';

export interface EncoderSpec {
  backbone: BackboneId;
  channels: number;
  width: number;
  hiddenDim: number;
  embedDim: number;
  /** 'mlp': Linear–ReLU–Linear (MoCo-v2); 'mlp-bn': Linear–BN–ReLU–Linear (DeepCluster-v2). */
  head: 'mlp' | 'mlp-bn';
}

export interface Encoder {
  spec: EncoderSpec;
  backbone: Backbone;
  head: Layer<tf.Tensor2D, tf.Tensor2D>;
  params: tf.Variable[]; // backbone params then head params
  state: tf.Variable[];
  /** Pooled backbone features [B, F]. */
  features(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D;
  /** L2-normalised embedding [B, d]. */
  embed(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D;
  dispose(): void;
}

/** Rows scaled to unit L2 norm. x [B, d] → [B, d]. */
export const l2n = (x: tf.Tensor2D): tf.Tensor2D => l2Normalize(x);

export function createEncoder(spec: EncoderSpec, rng: Rng): Encoder {
  const backbone = createBackbone(spec.backbone, spec.channels, spec.width, rng);
  const head = sequential(
    spec.head === 'mlp-bn'
      ? [
          dense(backbone.featureDim, spec.hiddenDim, rng),
          batchNorm(spec.hiddenDim),
          relu,
          dense(spec.hiddenDim, spec.embedDim, rng),
        ]
      : [dense(backbone.featureDim, spec.hiddenDim, rng), relu, dense(spec.hiddenDim, spec.embedDim, rng)],
  ) as Layer<tf.Tensor2D, tf.Tensor2D>;
  const params = [...backbone.params, ...head.params];
  const state = [...backbone.state, ...head.state];
  return {
    spec,
    backbone,
    head,
    params,
    state,
    features: (x, mode) => backbone.apply(x, mode),
    embed: (x, mode) => l2n(head.apply(backbone.apply(x, mode), mode)),
    dispose: () => [...params, ...state].forEach((v) => v.dispose()),
  };
}

/** A copy of `src` with identical weights and statistics (the momentum key encoder's start). */
export function cloneEncoder(src: Encoder, rng: Rng): Encoder {
  const copy = createEncoder(src.spec, rng);
  copyVariables(src.params, copy.params);
  copyVariables(src.state, copy.state);
  return copy;
}

export function copyVariables(from: tf.Variable[], to: tf.Variable[]): void {
  from.forEach((v, i) => to[i]!.assign(v));
}

/** θk ← m·θk + (1−m)·θq for parameters only (MoCo; buffers such as BN statistics are not averaged). */
export function momentumUpdate(online: tf.Variable[], target: tf.Variable[], m: number): void {
  emaUpdate(online, target, m); // fused on WebGPU (runtime/kernels/fused.ts)
}

// Backbones map [B, H, W, C] images in [0, 1] to pooled features [B, F]. The first "layer" is the
// mean/std normalisation, so perturbation budgets stay in pixel units (docs/DESIGN-NOTES.md, "HEXA").
import * as tf from '@tensorflow/tfjs';
import type { BackboneId } from '../../shared/config';
import { normaliseInput } from '../runtime/kernels/pixels';
import type { Rng } from '../runtime/random';
import {
  batchNorm,
  conv2d,
  globalAvgPool,
  maxPool2,
  relu,
  sequential,
  type ForwardMode,
  type Layer,
} from './layers';

export interface Backbone extends Layer<tf.Tensor4D, tf.Tensor2D> {
  featureDim: number;
}

/** (x − 0.5) / 0.25; one dispatch on WebGPU (runtime/kernels/pixels.ts). */
const normalise = (x: tf.Tensor) => normaliseInput(x, 0.5, 0.25);

/** Three conv–BN–ReLU stages (w, 2w, 4w channels), two max-pools, global average pool → 4w features. */
function tinyConvNet(channels: number, width: number, rng: Rng): Backbone {
  const net = sequential([
    normalise,
    conv2d(channels, width, 3, 1, rng),
    batchNorm(width),
    relu,
    maxPool2,
    conv2d(width, 2 * width, 3, 1, rng),
    batchNorm(2 * width),
    relu,
    maxPool2,
    conv2d(2 * width, 4 * width, 3, 1, rng),
    batchNorm(4 * width),
    relu,
    globalAvgPool,
  ]);
  return { ...net, featureDim: 4 * width, apply: (x, m) => net.apply(x, m) as tf.Tensor2D };
}

/** A basic residual block: conv–BN–ReLU–conv–BN plus a (projected when shapes differ) shortcut. */
function basicBlock(inC: number, outC: number, stride: number, rng: Rng): Layer {
  const main = sequential([
    conv2d(inC, outC, 3, stride, rng),
    batchNorm(outC),
    relu,
    conv2d(outC, outC, 3, 1, rng),
    batchNorm(outC),
  ]);
  const shortcut =
    stride !== 1 || inC !== outC ? sequential([conv2d(inC, outC, 1, stride, rng), batchNorm(outC)]) : null;
  return {
    params: [...main.params, ...(shortcut?.params ?? [])],
    state: [...main.state, ...(shortcut?.state ?? [])],
    apply: (x: tf.Tensor, mode: ForwardMode) =>
      tf.relu(tf.add(main.apply(x, mode), shortcut ? shortcut.apply(x, mode) : x)),
  };
}

/** A small ResNet: stem conv, then one basic block per stage at w, 2w (stride 2), 4w (stride 2). */
function smallResNet(channels: number, width: number, rng: Rng): Backbone {
  const net = sequential([
    normalise,
    conv2d(channels, width, 3, 1, rng),
    batchNorm(width),
    relu,
    basicBlock(width, width, 1, rng),
    basicBlock(width, 2 * width, 2, rng),
    basicBlock(2 * width, 4 * width, 2, rng),
    globalAvgPool,
  ]);
  return { ...net, featureDim: 4 * width, apply: (x, m) => net.apply(x, m) as tf.Tensor2D };
}

const BACKBONES: Record<BackboneId, (channels: number, width: number, rng: Rng) => Backbone> = {
  'tiny-convnet': tinyConvNet,
  'small-resnet': smallResNet,
};

export function createBackbone(id: BackboneId, channels: number, width: number, rng: Rng): Backbone {
  return BACKBONES[id](channels, width, rng);
}

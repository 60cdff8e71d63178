// Small deterministic inputs for engine unit tests (tfjs CPU backend).
import * as tf from '@tensorflow/tfjs';
import { PRESETS, type TrainConfig } from '../../shared/config';
import { installCpuConvFilterGrad } from '../runtime/kernels/cpuConvFilterGrad';
import { Rng } from '../runtime/random';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  installCpuConvFilterGrad(); // tfjs's conv filter gradient, the same values about 50× faster
}

/**
 * The tiny preset scaled down for fast unit tests (96 images, batch 8, queue 16, probes of 64: the
 * sizes the tiny preset had before issue 10), with overrides. It does not learn much: the learning
 * test (learning.test.ts) uses the real preset.
 */
export const tinyConfig = (over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...PRESETS.tiny.config,
  trainLimit: 96,
  batchSize: 8,
  embedDim: 16,
  epochs: 3,
  warmupSteps: 8,
  queueSize: 16,
  clusterHeads: 2,
  clusterCount: 4,
  readbackEvery: 2,
  checkpointEvery: 4,
  probeTrainSize: 64,
  probeTestSize: 64,
  knnK: 5,
  ...over,
});

/** A fixed batch of smooth random images [B, S, S, C] in [0, 1]. */
export function fixedImages(b: number, s: number, c: number, seed = 7): tf.Tensor4D {
  return tf.tidy(() => {
    const small = tf.randomUniform([b, Math.max(2, s / 4), Math.max(2, s / 4), c], 0, 1, 'float32', seed);
    return tf.image.resizeBilinear(small as tf.Tensor4D, [s, s]);
  });
}

export const rng = (seed = 1) => new Rng(seed);

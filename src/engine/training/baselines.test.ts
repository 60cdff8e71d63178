import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { readSubset } from '../data/sampler';
import { createEncoder } from '../nn/encoder';
import { Rng } from '../runtime/random';
import { tinyConfig, useCpu } from '../testing/fixtures';
import { computeBaselines, recalibrateBatchNorm } from './baselines';
import { Trainer } from './trainer';
import type { Baselines, EvalPoint } from '../../shared/trainingTypes';

beforeAll(useCpu);

const source = () =>
  createMemorySource(
    { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
    { train: syntheticBars(64, 16, 4, 1), test: syntheticBars(32, 16, 4, 2) },
    24,
  );

describe('baselines', () => {
  it('recalibration sets BN moving statistics to the mean of the batch statistics, weights unchanged', async () => {
    const cfg = tinyConfig({ imageSize: 16, probeTrainSize: 64 });
    const src = source();
    const enc = createEncoder({ ...cfg, channels: 1, head: 'mlp' }, new Rng(3));
    const weights = enc.params.map((p) => p.arraySync());
    const sub = await readSubset(src, 'train', 64);
    await recalibrateBatchNorm({ source: src, cfg }, enc, sub);
    // The first BN's input is the first conv of the normalised images: its mean over all 64 images
    // (one batch here) is what the moving mean must now hold.
    const expected = tf.tidy(() => {
      const x = tf.div(
        tf.tensor4d(
          Float32Array.from(sub.pixels, (v) => v / 255),
          [64, 16, 16, 1],
        ),
        1,
      );
      const conv = tf.conv2d(
        tf.div(tf.sub(x, 0.5), 0.25) as tf.Tensor4D,
        enc.params[0] as tf.Tensor4D,
        1,
        'same',
      );
      return tf.moments(conv, [0, 1, 2]).mean.arraySync() as number[];
    });
    const movingMean = enc.state[0]!.arraySync() as number[];
    movingMean.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    enc.params.forEach((p, i) => expect(p.arraySync()).toEqual(weights[i]));
    enc.dispose();
  });

  it('pixels separate the bars; the random-init network with BN on data scores above chance', async () => {
    const cfg = tinyConfig({ imageSize: 16, probeTrainSize: 64, probeTestSize: 32, knnK: 5 });
    const enc = createEncoder({ ...cfg, channels: 1, head: 'mlp' }, new Rng(3));
    const before = tf.memory().numTensors;
    const b = await computeBaselines({ source: source(), cfg }, enc, 4);
    expect(tf.memory().numTensors).toBe(before);
    expect(b).toMatchObject({ trainCount: 64, testCount: 32 });
    expect(b.pixels.knnTop1).toBe(1); // each class is one bright bar: pixels alone tell them apart
    expect(b.pixels.linearTop1).toBe(1);
    expect(b.randomInit.knnTop1).toBeGreaterThan(0.25);
    // The copy was recalibrated, never the encoder itself: its moving mean is still 0.
    expect(enc.state[0]!.arraySync()).toEqual(new Array(cfg.width).fill(0));
    enc.dispose();
  });

  it('a new run scores its step-0 network and the baselines at its first evaluation, before the step-N one', async () => {
    const cfg = tinyConfig({
      trainLimit: 0,
      batchSize: 8,
      queueSize: 16,
      epochs: 1,
      probeTrainSize: 64,
      probeTestSize: 32,
    });
    const evals: EvalPoint[] = [];
    const order: string[] = [];
    let baselines: Baselines | null = null;
    const t = new Trainer(cfg, source(), {
      metrics: () => order.push('metrics'),
      preview: () => {},
      evaluation: (p) => {
        evals.push(p);
        order.push(`eval@${p.step}`);
      },
      baselines: (b) => {
        baselines = b;
        order.push('baselines');
      },
      status: () => {},
    });
    await t.run();
    t.dispose();
    // The first step is not held up by evaluation: metrics come first.
    expect(order[0]).toBe('metrics');
    expect(order.filter((o) => o !== 'metrics')).toEqual(['eval@0', 'baselines', 'eval@8']);
    expect(evals.map((e) => e.testCount)).toEqual([32, 32]);
    expect(baselines).not.toBeNull();
  });
});

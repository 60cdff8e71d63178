// A Trainer whose construction fails frees every tensor it made (the model's variables, SGD's velocities).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { METHOD_IDS } from '../../shared/config';
import { tinyConfig, useCpu } from '../testing/fixtures';
import { Trainer } from './trainer';

// The online probe is made last, after the model and SGD: making it fail on demand shows a late failure.
const failProbe = vi.hoisted(() => ({ now: false }));
vi.mock('../evaluation/onlineProbe', async (importOriginal) => {
  const real = await importOriginal<typeof import('../evaluation/onlineProbe')>();
  class FailingProbe extends real.OnlineProbe {
    constructor(...args: ConstructorParameters<typeof real.OnlineProbe>) {
      if (failProbe.now) throw new Error('probe construction failed');
      super(...args);
    }
  }
  return { ...real, OnlineProbe: FailingProbe };
});

beforeAll(useCpu);

const silent = { metrics: () => {}, preview: () => {}, evaluation: () => {}, status: () => {} };
const bars = (train: number) =>
  createMemorySource(
    { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
    { train: syntheticBars(train, 16, 4, 1), test: syntheticBars(8, 16, 4, 2) },
    8,
  );

describe('Trainer construction that fails', () => {
  it.each(METHOD_IDS)('%s: a dataset smaller than one batch throws and leaves no tensor behind', (method) => {
    const before = tf.memory().numTensors;
    expect(() => new Trainer(tinyConfig({ method, batchSize: 8, trainLimit: 0 }), bars(4), silent)).toThrow(
      /fewer than one batch of 8/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a failure after the model and SGD exist (the probe) leaves no tensor behind', () => {
    const cfg = tinyConfig({ batchSize: 8, trainLimit: 0 });
    const before = tf.memory().numTensors;
    failProbe.now = true;
    try {
      expect(() => new Trainer(cfg, bars(16), silent)).toThrow('probe construction failed');
    } finally {
      failProbe.now = false;
    }
    expect(tf.memory().numTensors).toBe(before);
    // The same config builds and disposes cleanly once the probe can be made.
    const t = new Trainer(cfg, bars(16), silent);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

// Trainer edge cases: datasets without a held-out split, and construction that fails.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { tinyConfig, useCpu } from '../testing/fixtures';
import { Trainer, type EvalPoint, type MetricsPoint } from './trainer';

beforeAll(useCpu);

const silent = { metrics: () => {}, preview: () => {}, evaluation: () => {}, status: () => {} };

describe('Trainer edge cases', () => {
  it('a labelled dataset with an empty test split (a partial import) trains and skips the frozen probe', async () => {
    const source = createMemorySource(
      { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
      { train: syntheticBars(16, 16, 4, 1), test: syntheticBars(0, 16, 4, 2) },
      8,
    );
    const cfg = tinyConfig({ trainLimit: 0, batchSize: 8, queueSize: 16, epochs: 1, readbackEvery: 2 });
    const metrics: MetricsPoint[] = [];
    const evals: EvalPoint[] = [];
    const t = new Trainer(cfg, source, {
      ...silent,
      metrics: (p) => metrics.push(p),
      evaluation: (p) => evals.push(p),
    });
    try {
      await t.run();
      expect(t.step).toBe(2);
      expect(metrics.map((m) => m.step)).toEqual([2]);
      expect(evals).toEqual([]);
    } finally {
      t.dispose();
    }
  });
});

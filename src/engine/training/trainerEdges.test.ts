// Trainer edge cases: datasets without a held-out split, and construction that fails.
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { tinyConfig, useCpu } from '../testing/fixtures';
import { Trainer } from './trainer';
import { cosineLr } from './schedule';
import type { EvalPoint, MetricsPoint, PreviewSet } from '../../shared/trainingTypes';

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

  it('a settings change arriving while a read-back waits for the GPU does not relabel that point or its previews', async () => {
    const source = createMemorySource(
      { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
      { train: syntheticBars(16, 16, 4, 1), test: syntheticBars(8, 16, 4, 2) },
      8,
    );
    const cfg = tinyConfig({
      method: 'hexa-moco',
      trainLimit: 0,
      batchSize: 8,
      queueSize: 16,
      epochs: 2,
      readbackEvery: 2,
      warmupSteps: 0,
      probeEveryEpochs: 100,
    });
    const metrics: MetricsPoint[] = [];
    const previews: PreviewSet[] = [];
    const t = new Trainer(cfg, source, {
      ...silent,
      metrics: (p) => metrics.push(p),
      preview: (p) => previews.push(p),
    });
    // The change lands inside the first read-back's wait for readMetrics(), as a worker message would.
    const changed = { ...cfg, epsilon: 8, lr: cfg.lr * 2 };
    const read = t.readMetrics.bind(t);
    let calls = 0;
    t.readMetrics = async (...args: Parameters<Trainer['readMetrics']>) => {
      const r = await read(...args); // the metric sums and the previews, read together
      if (++calls === 1) t.changeSettings(changed);
      return r;
    };
    try {
      await t.run();
      expect(metrics.map((m) => m.step)).toEqual([2, 4]);
      expect(metrics[0]!.lr).toBeCloseTo(cosineLr(cfg.lr, 1, 4, 0), 10); // made with the old lr
      expect(previews[0]!.adversarial!.epsilon).toBeCloseTo(4 / 255, 10); // and the old ε
      expect(metrics[1]!.lr).toBeCloseTo(cosineLr(changed.lr, 3, 4, 0), 10); // the next window: the new one
      expect(previews[1]!.adversarial!.epsilon).toBeCloseTo(8 / 255, 10);
    } finally {
      t.dispose();
    }
  });
});

// A window's time (images/s, elapsed) includes its read-back's wait: on a GPU, stepOnce only enqueues
// work, and the window's GPU time is spent inside the read-back. Simulated here with a read-back that
// takes 400 ms longer (the CPU backend computes while it enqueues).
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { tinyConfig, useCpu } from '../testing/fixtures';
import { Trainer } from './trainer';
import type { MetricsPoint } from '../../shared/trainingTypes';

beforeAll(useCpu);

describe('Trainer window timing', () => {
  it("images/s and elapsed time count the wait for the window's read-back", async () => {
    const source = createMemorySource(
      { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
      { train: syntheticBars(16, 16, 4, 1), test: syntheticBars(0, 16, 4, 2) },
      8,
    );
    const cfg = tinyConfig({ trainLimit: 0, batchSize: 8, queueSize: 16, epochs: 1, readbackEvery: 2 });
    const metrics: MetricsPoint[] = [];
    const silent = { preview: () => {}, evaluation: () => {}, status: () => {} };
    let metricsAt = 0;
    const t = new Trainer(cfg, source, {
      ...silent,
      metrics: (p) => {
        metricsAt = performance.now();
        metrics.push(p);
      },
    });
    const read = t.readMetrics.bind(t);
    const WAIT_MS = 400;
    t.readMetrics = async (...args: Parameters<Trainer['readMetrics']>) => {
      const r = await read(...args);
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS)); // the GPU still working
      return r;
    };
    try {
      const started = performance.now();
      await t.run();
      expect(metrics).toHaveLength(1);
      const p = metrics[0]!;
      // The one window runs from run()'s start to its read-back's end (minus a little bookkeeping);
      // without the wait it would be about WAIT_MS shorter.
      const windowMs = metricsAt - started;
      expect(p.elapsedMs).toBeGreaterThan(windowMs - WAIT_MS / 4);
      expect(p.elapsedMs).toBeLessThanOrEqual(windowMs);
      expect(p.imagesPerSec).toBeCloseTo((2 * 8 * 1000) / p.elapsedMs, 6);
    } finally {
      t.dispose();
    }
  });
});

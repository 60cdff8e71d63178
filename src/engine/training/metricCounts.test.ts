// Per-metric step counts: a metric switched on mid-window (a generator turned on with "Apply to this
// run") is averaged over the steps it was computed in, not over the whole read-back window.
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { tinyConfig, useCpu } from '../testing/fixtures';
import { Trainer } from './trainer';

beforeAll(useCpu);

const silent = { metrics: () => {}, preview: () => {}, evaluation: () => {}, status: () => {} };
const source = () =>
  createMemorySource(
    { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
    { train: syntheticBars(32, 16, 4, 1), test: syntheticBars(16, 16, 4, 2) },
    8,
  );

describe('Trainer.readMetrics', () => {
  it('averages a metric switched on mid-window over its own steps', async () => {
    // HEXA-MoCo with cut-mix off for 2 steps, then on for 2 (adversarial off throughout), read once.
    const cfg = tinyConfig({
      method: 'hexa-moco',
      adversarial: false,
      cutmix: false,
      batchSize: 8,
      readbackEvery: 100,
    });
    const window = new Trainer(cfg, source(), silent);
    // The same run read back after every step: the per-step values to average by hand.
    const each = new Trainer(cfg, source(), silent);
    try {
      const perStep: Record<string, number>[] = [];
      for (let i = 0; i < 4; i++) {
        if (i === 2) {
          window.changeSettings({ ...window.cfg, cutmix: true });
          each.changeSettings({ ...each.cfg, cutmix: true });
        }
        window.stepOnce(await window.sampler.next(), false);
        each.stepOnce(await each.sampler.next(), false);
        perStep.push((await each.readMetrics()).values);
      }
      const read = await window.readMetrics();
      expect(read.steps).toBe(4);
      expect(read.counts.loss).toBe(4);
      expect(read.counts.lambda).toBe(2);
      expect(read.counts.loss_mix).toBe(2);
      expect(read.counts.loss_adv).toBeUndefined();
      const mean = (k: string, steps: number[]) =>
        steps.reduce((a, s) => a + perStep[s]![k]!, 0) / steps.length;
      // λ ≥ 0.5 at every step (the larger part is kept), so a mean over all 4 steps would fall to ≤ 0.5.
      expect(read.values.lambda).toBeGreaterThan(0.5);
      expect(read.values.lambda).toBeCloseTo(mean('lambda', [2, 3]), 5);
      expect(read.values.loss_mix).toBeCloseTo(mean('loss_mix', [2, 3]), 4);
      expect(read.values.loss).toBeCloseTo(mean('loss', [0, 1, 2, 3]), 4);
      // A new window starts with fresh counts.
      window.stepOnce(await window.sampler.next(), false);
      expect((await window.readMetrics()).counts).toMatchObject({ loss: 1, lambda: 1 });
    } finally {
      window.dispose();
      each.dispose();
    }
  });
});

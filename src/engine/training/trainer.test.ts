import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { DeepClusterV2 } from '../methods/deepClusterV2';
import { tinyConfig } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { Trainer } from './trainer';
import type { SettingsEvent } from '../../shared/runEvents';
import { cosineLr } from './schedule';
import type { ClusterSnapshot, EvalPoint, MetricsPoint, PreviewSet } from '../../shared/trainingTypes';

// Behaviour of whole runs, not CPU-exact numbers: on tfjs's WebAssembly backend, about 10× faster here.
beforeAll(useWasm);

const source = () =>
  createMemorySource(
    { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
    { train: syntheticBars(32, 16, 4, 1), test: syntheticBars(16, 16, 4, 2) },
    10,
  );

describe('Trainer', () => {
  it.each([
    'moco-v2',
    'hexa-moco',
    'deepcluster-v2',
    'hexa-dcluster',
    'simclr',
    'hexa-simclr',
    'byol',
    'lejepa',
  ] as const)(
    '%s: runs epochs, reads back every N steps, evaluates, previews, and does not leak',
    async (method) => {
      const cfg = tinyConfig({
        method,
        trainLimit: 0,
        batchSize: 8,
        queueSize: 16,
        epochs: 2,
        readbackEvery: 2,
        probeTrainSize: 32,
        probeTestSize: 16,
        mixup: method === 'hexa-dcluster', // all three generators on DeepCluster's cluster targets
      });
      const metrics: MetricsPoint[] = [];
      const evals: EvalPoint[] = [];
      const previews: PreviewSet[] = [];
      const clusters: ClusterSnapshot[] = [];
      const start = tf.memory().numTensors; // before the trainer exists
      const trainer = new Trainer(cfg, source(), {
        metrics: (p) => metrics.push(p),
        preview: (p) => previews.push(p),
        evaluation: (p) => evals.push(p),
        clusters: (p) => clusters.push(p),
        status: () => {},
      });
      await trainer.run();
      expect(trainer.step).toBe(8); // 2 epochs × floor(32 / 8)
      expect(metrics.map((m) => m.step)).toEqual([2, 4, 6, 8]);
      expect(metrics.every((m) => Number.isFinite(m.values.loss))).toBe(true);
      expect(metrics[0]!.values.probe_acc).toBeGreaterThanOrEqual(0);
      // Tensor count is flat across read-backs (epoch boundaries and re-clustering included), except
      // that until the first evaluation (epoch 1, after step 4) the trainer keeps a copy of the step-0
      // encoder, which that evaluation scores with the baselines and frees.
      const counts = metrics.map((m) => m.numTensors);
      const copy = trainer.base.encoder.params.length + trainer.base.encoder.state.length;
      expect(counts[1]).toBe(counts[2]! + copy); // step 4: before the first evaluation
      expect(new Set(counts.slice(2)).size).toBe(1);
      // Nothing left behind by the run (DeepCluster's memory bank is made in prepare(), inside run()).
      expect(tf.memory().numTensors).toBe(counts.at(-1));
      // Initial probe, after epoch 1, and at the end.
      expect(evals.length).toBeGreaterThanOrEqual(2);
      evals.forEach((e) => expect(e.linearTop1).toBeGreaterThanOrEqual(0));
      expect(previews).toHaveLength(4);
      const p = previews[0]!;
      expect(p.views.query).toHaveLength(4);
      expect(p.views.query[0]!.pixels.length).toBe(16 * 16);
      if (method.startsWith('hexa-')) {
        expect(metrics[0]!.values.flip_rate).toBeGreaterThanOrEqual(0);
        expect(metrics[0]!.values.lambda).toBeGreaterThanOrEqual(0.5);
        expect(p.adversarial?.adversarial).toHaveLength(4);
        expect(p.adversarial!.scale).toBeLessThanOrEqual(cfg.epsilon / 255 + 1e-6);
        expect(p.cutmix?.masks).toHaveLength(4);
      } else {
        expect(p.adversarial).toBeNull();
        expect(metrics[0]!.values.flip_rate).toBeUndefined();
      }
      if (cfg.mixup) {
        expect(metrics[0]!.values.loss_mixup).toBeGreaterThan(0);
        expect(metrics[0]!.values.lambda_mixup).toBeGreaterThan(0);
        expect(p.mixup?.mixed).toHaveLength(4);
        // The partner's label is its cluster: the batch's own labels read back at its position.
        expect(p.mixup!.ownLabel.every((c) => c >= 0 && c < cfg.clusterCount)).toBe(true);
        expect(p.mixup!.partnerLabel.every((c) => c >= 0 && c < cfg.clusterCount)).toBe(true);
      } else {
        expect(p.mixup).toBeNull();
        expect(metrics[0]!.values.loss_mixup).toBeUndefined();
      }
      if (trainer.base instanceof DeepClusterV2) {
        // Clustered before epoch 0 and again at the epoch boundary.
        const stats = trainer.base.clusterStats()!;
        expect(stats).toMatchObject({ epoch: 1, round: 2, images: 32, clusters: cfg.clusterCount });
        expect(stats.nmiLabels).toBeGreaterThanOrEqual(0);
        expect(stats.nmiPrevious).toBeGreaterThanOrEqual(0);
        // One snapshot per re-clustering, with member images of the largest clusters.
        expect(clusters.map((c) => c.stats.round)).toEqual([1, 2]);
        const largest = clusters[1]!.members[0]!;
        expect(largest.size).toBe(Math.max(...clusters[1]!.stats.sizes));
        expect(largest.images[0]!.pixels.length).toBe(16 * 16);
        expect(p.labelKind).toBe('cluster');
      } else {
        expect(clusters).toEqual([]);
        expect(p.labelKind).toBe(method === 'byol' || method === 'lejepa' ? 'target' : 'key');
      }
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(start);
    },
  );

  it('stops when asked', async () => {
    const cfg = tinyConfig({ batchSize: 8, queueSize: 16, epochs: 5, readbackEvery: 1 });
    const statuses: string[] = [];
    const trainer = new Trainer(cfg, source(), {
      metrics: (p) => {
        if (p.step === 2) trainer.stop();
      },
      preview: () => {},
      evaluation: () => {},
      status: (s) => statuses.push(s),
    });
    await trainer.run();
    expect(trainer.step).toBe(2);
    expect(statuses.at(-1)).toBe('stopped');
    trainer.dispose();
  });

  it('applies live settings from the next step on and reports the change', async () => {
    const cfg = tinyConfig({
      method: 'hexa-moco',
      batchSize: 8,
      queueSize: 16,
      epochs: 2,
      readbackEvery: 1,
      warmupSteps: 0,
      lr: 0.05,
      adversarial: true,
    });
    const metrics: MetricsPoint[] = [];
    const events: SettingsEvent[] = [];
    const trainer: Trainer = new Trainer(cfg, source(), {
      metrics: (p) => {
        metrics.push(p);
        if (p.step !== 3) return;
        // A fixed setting: refused, nothing changes.
        expect(() => trainer.changeSettings({ ...trainer.cfg, batchSize: 4, lr: 0.5 })).toThrow(/Batch size/);
        expect(trainer.changeSettings({ ...trainer.cfg })).toBeNull();
        trainer.changeSettings({ ...trainer.cfg, lr: 0.005, adversarial: false });
      },
      preview: () => {},
      evaluation: () => {},
      settings: (e) => events.push(e),
      status: () => {},
    });
    await trainer.run();
    expect(events).toEqual([
      {
        kind: 'settings',
        step: 3,
        epoch: 3 / 4,
        elapsedMs: metrics[2]!.elapsedMs,
        changes: [
          { key: 'lr', from: 0.05, to: 0.005 },
          { key: 'adversarial', from: true, to: false },
        ],
      },
    ]);
    expect(trainer.cfg).toMatchObject({ lr: 0.005, adversarial: false, batchSize: 8 });
    // The read-back of step n reports the lr step n trained with: cosineLr(peak, n − 1, 8, 0).
    expect(metrics[2]!.lr).toBeCloseTo(cosineLr(0.05, 2, 8, 0), 10);
    expect(metrics[3]!.lr).toBeCloseTo(cosineLr(0.005, 3, 8, 0), 10);
    // Adversarial queries stop with the change; cut-mix goes on.
    expect(metrics.slice(0, 3).every((m) => m.values.loss_adv !== undefined)).toBe(true);
    expect(metrics.slice(3).some((m) => m.values.loss_adv !== undefined)).toBe(false);
    expect(metrics.slice(3).every((m) => m.values.loss_mix !== undefined)).toBe(true);
    trainer.dispose();
  });
});

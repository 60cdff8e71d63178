import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../shared/config';
import { createMemorySource, syntheticBars } from '../engine/data/memorySource';
import type { RunStore } from '../engine/data/runStore';
import type { Checkpoint } from '../engine/training/checkpoint';
import { Trainer } from '../engine/training/trainer';
import { tinyConfig, useCpu } from '../engine/testing/fixtures';
import { StorageError } from '../shared/data/storageError';
import type { MetricsPoint } from '../shared/trainingTypes';
import { openTestRunStore } from '../engine/testing/testDb';
import { distinctRunName, RunRecorder } from './runRecorder';

describe('run names', () => {
  it('a base name already taken gets the first free (k) suffix', () => {
    expect(distinctRunName('MoCo-v2 on MNIST', [])).toBe('MoCo-v2 on MNIST');
    expect(distinctRunName('MoCo-v2 on MNIST', ['MoCo-v2 on MNIST'])).toBe('MoCo-v2 on MNIST (2)');
    expect(
      distinctRunName('MoCo-v2 on MNIST', ['MoCo-v2 on MNIST', 'MoCo-v2 on MNIST (2)', 'first try']),
    ).toBe('MoCo-v2 on MNIST (3)');
  });

  it('a run started from a duplicate gets a name distinct from its original', async () => {
    const store = await openTestRunStore();
    const cfg = PRESETS.tiny.config;
    const first = await RunRecorder.create(store, cfg, 'MoCo-v2 on MNIST', 36, () => {});
    const second = await RunRecorder.create(store, { ...cfg, epsilon: 8 }, 'MoCo-v2 on MNIST', 36, () => {});
    expect((await store.getRun(first.runId))!.name).toBe('MoCo-v2 on MNIST');
    expect((await store.getRun(second.runId))!.name).toBe('MoCo-v2 on MNIST (2)');
  });
});

/** A run store whose checkpoint writes wait for `release()` (the real store over fake-indexeddb beneath). */
function slowCheckpoints(store: RunStore) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const started: number[] = [];
  const stored: number[] = [];
  const slow: RunStore = Object.create(store) as RunStore;
  slow.putCheckpoint = async (runId, c) => {
    started.push(c.step);
    await gate;
    await store.putCheckpoint(runId, c);
    stored.push(c.step);
  };
  return { slow, release, started, stored };
}

const pointAt = (step: number): MetricsPoint => ({
  step,
  epoch: 0,
  totalSteps: 8,
  lr: 0.1,
  values: { loss: 1 },
  imagesPerSec: 1,
  elapsedMs: 0,
  numTensors: 0,
});

const checkpointAt = (step: number): Checkpoint => ({
  format: 1,
  method: 'moco-v2',
  step,
  totalSteps: 8,
  epoch: 0,
  stepInEpoch: step,
  elapsedMs: 0,
  savedAt: 0,
  rng: 1,
  methodState: [{ shape: [1], dtype: 'float32', data: Float32Array.of(step) }],
  methodExtra: null,
  optimizer: [],
  probe: null,
});

/** Waits for `ok`, failing after a minute (a loop that waits for the held write never gets there). */
const until = async (ok: () => boolean) => {
  const end = Date.now() + 60_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('checkpoints written off the training loop', () => {
  beforeAll(useCpu);

  it('one write at a time; a newer checkpoint replaces one still waiting; the last is stored', async () => {
    const store = await openTestRunStore();
    const { slow, release, started, stored } = slowCheckpoints(store);
    const errors: string[] = [];
    const rec = await RunRecorder.create(slow, PRESETS.tiny.config, 'r', 8, (m) => errors.push(m));
    const first = rec.checkpoint(checkpointAt(2));
    await until(() => started.length === 1); // its write started (and is held)
    rec.metrics(pointAt(3));
    const second = rec.checkpoint(checkpointAt(4));
    const third = rec.checkpoint(checkpointAt(6)); // replaces step 4, still waiting
    expect(third).toBe(second);
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toEqual([2]); // one in flight, the other waiting
    release();
    await third;
    await first;
    expect(stored).toEqual([2, 6]);
    expect((await store.getCheckpoint(rec.runId))!.step).toBe(6);
    await rec.flush();
    expect((await store.getRun(rec.runId))!.metrics.map((p) => p.step)).toEqual([3]);
    expect(errors).toEqual([]);
  });

  it('a checkpoint that cannot be stored is reported; the run and its metrics go on being saved', async () => {
    const store = await openTestRunStore();
    const failing: RunStore = Object.create(store) as RunStore;
    let full = false;
    failing.putCheckpoint = async (runId, c) => {
      if (full) throw new StorageError('quota', "The browser's storage quota is full.");
      await store.putCheckpoint(runId, c);
    };
    const errors: string[] = [];
    const rec = await RunRecorder.create(failing, PRESETS.tiny.config, 'r', 8, (m) => errors.push(m));
    await rec.checkpoint(checkpointAt(2));
    full = true;
    await rec.checkpoint(checkpointAt(4)); // never rejects
    await rec.checkpoint(checkpointAt(6)); // said once
    rec.metrics(pointAt(7));
    rec.status('done');
    await rec.flush();
    expect(errors).toEqual([
      "A checkpoint of this run could not be saved (The browser's storage quota is full.). Training goes on and its metrics are still saved; after a reload it resumes from step 2.",
    ]);
    const run = (await store.getRun(rec.runId))!;
    expect(run.status).toBe('done');
    expect(run.metrics.map((p) => p.step)).toEqual([7]);
    expect((await store.getCheckpoint(rec.runId))!.step).toBe(2);
  });

  it("the trainer's next steps run while a checkpoint write is held open; 'done' waits for the last write", async () => {
    const store = await openTestRunStore();
    const { slow, release, started, stored } = slowCheckpoints(store);
    const cfg = tinyConfig({
      trainLimit: 0,
      epochs: 3, // 32 images, batch 8: 4 steps per epoch, 12 steps
      readbackEvery: 1,
      checkpointEvery: 2,
      probeTrainSize: 16,
      probeTestSize: 16,
    });
    const source = createMemorySource(
      { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
      { train: syntheticBars(32, 16, 4, 1), test: syntheticBars(16, 16, 4, 2) },
      10,
    );
    const rec = await RunRecorder.create(slow, cfg, 'r', 12, () => {});
    // Metric points are kept in memory here: in Node, the trainer's yield between steps (a
    // MessageChannel message) starves fake-indexeddb's setImmediate tasks until training ends.
    const appended: number[] = [];
    slow.appendMetrics = async (_id, points) => void appended.push(...points.map((p) => p.step));
    const steps: { step: number; writing: boolean }[] = [];
    const phases: string[] = [];
    const evalSteps: number[] = [];
    const trainer = new Trainer(cfg, source, {
      metrics: (p) => {
        steps.push({ step: p.step, writing: started.length > 0 && stored.length === 0 });
        rec.metrics(p);
      },
      preview: () => {},
      evaluation: (p) => evalSteps.push(p.step),
      status: (phase) => phases.push(phase),
      checkpoint: (c) => rec.checkpoint(c),
    });
    let finished = false;
    const running = trainer.run().then(() => (finished = true));
    try {
      await until(() => evalSteps.includes(12));
      await new Promise((r) => setTimeout(r, 50));
      expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      // The first checkpoint write started (and is held) early on; the steps after it went on.
      expect(started).toHaveLength(1);
      expect(steps.filter((s) => s.writing).length).toBeGreaterThanOrEqual(4);
      expect(stored).toEqual([]);
      // Trained and evaluated, but not reported done while the last checkpoint is unwritten.
      expect(finished).toBe(false);
      expect(phases).not.toContain('done');
    } finally {
      release();
      await running;
    }
    expect(phases.at(-1)).toBe('done');
    await rec.flush();
    expect(appended).toEqual(steps.map((x) => x.step)); // queued behind the checkpoints, in order
    // The held write, then the latest (those handed over meanwhile were replaced while waiting).
    expect(stored).toEqual([started[0], 12]);
    expect((await store.getCheckpoint(rec.runId))!.step).toBe(12);
    trainer.dispose();
  });
});

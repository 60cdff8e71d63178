import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MethodId, TrainConfig } from '../../shared/config';
import { createMemorySource, syntheticBars } from '../data/memorySource';
import { Rng } from '../runtime/random';
import { tinyConfig } from '../testing/fixtures';
import { useWasm } from '../testing/wasm';
import { captureCheckpoint, type Checkpoint, type SavedTensor } from './checkpoint';
import { Trainer } from './trainer';
import type { MetricsPoint } from '../../shared/trainingTypes';

// Behaviour of whole runs, not CPU-exact numbers: on tfjs's WebAssembly backend, about 10× faster here.
beforeAll(useWasm);

const source = () =>
  createMemorySource(
    { id: 'bars', name: 'Bars', width: 16, height: 16, channels: 1, classNames: ['0', '1', '2', '3'] },
    { train: syntheticBars(32, 16, 4, 1), test: syntheticBars(16, 16, 4, 2) },
    10,
  );

const config = (method: MethodId, over: Partial<TrainConfig> = {}) =>
  tinyConfig({
    method,
    trainLimit: 0,
    batchSize: 8,
    queueSize: 16,
    epochs: 2, // 2 × 4 steps: the checkpoint at step 4 sits on the epoch boundary (re-clustering next)
    readbackEvery: 1,
    checkpointEvery: 4,
    probeTrainSize: 16,
    probeTestSize: 16,
    ...over,
  });

/** Trains to the end (from a checkpoint if given); returns per-step metrics, checkpoints and the final state. */
async function train(method: MethodId, resumeFrom?: Checkpoint, over: Partial<TrainConfig> = {}) {
  const metrics: MetricsPoint[] = [];
  const checkpoints: Checkpoint[] = [];
  const trainer = new Trainer(
    config(method, over),
    source(),
    {
      metrics: (p) => metrics.push(p),
      preview: () => {},
      evaluation: () => {},
      status: () => {},
      checkpoint: (c) => checkpoints.push(c),
    },
    { resumeFrom },
  );
  await trainer.run();
  const final = await captureCheckpoint(trainer);
  trainer.dispose();
  return { metrics, checkpoints, final };
}

/** The bytes of every saved tensor: equal only if bit for bit equal. */
const bits = (ts: SavedTensor[] | null) =>
  (ts ?? []).map((t) => ({ shape: t.shape, dtype: t.dtype, bytes: new Uint8Array(t.data.buffer) }));

const stateOf = (c: Checkpoint) => ({
  step: c.step,
  epoch: c.epoch,
  stepInEpoch: c.stepInEpoch,
  rng: c.rng,
  methodState: bits(c.methodState),
  methodExtra: c.methodExtra,
  optimizer: bits(c.optimizer),
  probe: bits(c.probe),
});

describe('checkpoints', () => {
  it.each([
    'moco-v2',
    'deepcluster-v2',
    'hexa-moco',
    'swav',
    'hexa-swav',
    'hexa-simclr',
    'byol',
    'lejepa',
  ] as const)('%s: resuming the step-4 checkpoint continues bit for bit, without leaks', (method) =>
    resumesBitForBit(method),
  );

  // SwAV's code queue (16 per large view, batch 8): full after step 2, in use across the checkpoint.
  it('swav with its code queue: resuming the step-4 checkpoint continues bit for bit', () =>
    resumesBitForBit('swav', { swavQueueSize: 16 }));

  async function resumesBitForBit(method: MethodId, over: Partial<TrainConfig> = {}) {
    const start = tf.memory().numTensors;
    const original = await train(method, undefined, over);
    expect(original.checkpoints.map((c) => c.step)).toEqual([4, 8]); // every 4 steps, the end included
    const at4 = original.checkpoints[0]!;
    expect(at4).toMatchObject({ step: 4, totalSteps: 8, epoch: 1, stepInEpoch: 0, method });
    expect(at4.probe).toHaveLength(4);

    const resumed = await train(method, structuredClone(at4), over); // as read back from IndexedDB
    expect(resumed.metrics.map((m) => m.step)).toEqual([5, 6, 7, 8]);
    const tail = original.metrics.filter((m) => m.step > 4);
    const same = (ms: MetricsPoint[]) =>
      ms.map(({ step, epoch, lr, values }) => ({ step, epoch, lr, values }));
    expect(same(resumed.metrics)).toEqual(same(tail)); // every loss and metric of steps 5–8, exactly
    expect(resumed.checkpoints.map((c) => c.step)).toEqual([8]);
    // Weights, BN statistics, key encoder, queue / bank, assignments, velocities, probe, Rng.
    expect(stateOf(resumed.final)).toEqual(stateOf(original.final));
    expect(stateOf(resumed.checkpoints[0]!)).toEqual(stateOf(original.checkpoints[1]!));
    expect(tf.memory().numTensors).toBe(start);
  }

  it('saves the method state: MoCo key encoder and queue, DeepCluster bank and assignments', async () => {
    const short = { epochs: 1 }; // one checkpoint, at the end (step 4)
    const moco = (await train('moco-v2', undefined, short)).checkpoints[0]!;
    const dc = (await train('deepcluster-v2', undefined, short)).checkpoints[0]!;
    const cfg = config('deepcluster-v2');
    expect(moco.methodState.at(-1)!.shape).toEqual([cfg.queueSize, cfg.embedDim]); // the queue
    const bank = dc.methodState.slice(-2);
    expect(bank.map((t) => t.shape)).toEqual([
      [32, cfg.embedDim],
      [32, cfg.embedDim],
    ]);
    const extra = dc.methodExtra as { assignments: Int32Array[]; bankRows: number; round: number };
    expect(extra.bankRows).toBe(32);
    expect(extra.round).toBe(1);
    expect(extra.assignments).toHaveLength(cfg.clusterHeads);
    expect(extra.assignments[0]).toBeInstanceOf(Int32Array);
  });

  it('refuses a checkpoint that does not fit the trainer', async () => {
    const short = { epochs: 1 };
    const ckpt = (await train('moco-v2', undefined, short)).checkpoints[0]!;
    const start = tf.memory().numTensors;
    const events = { metrics() {}, preview() {}, evaluation() {}, status() {} };
    const make =
      (method: MethodId, c: Checkpoint, over: Partial<TrainConfig> = short) =>
      () => {
        const t = new Trainer(config(method, over), source(), events, { resumeFrom: c });
        t.dispose();
      };
    expect(make('deepcluster-v2', ckpt)).toThrow(/of moco-v2/);
    expect(make('moco-v2', { ...ckpt, format: 99 })).toThrow(/format 99/);
    const bad = { ...ckpt, optimizer: ckpt.optimizer.slice(1) };
    expect(make('moco-v2', bad)).toThrow(/optimiser tensors/);
    expect(make('moco-v2', ckpt, { epochs: 3 })).toThrow(/does not fit a run of 12 steps/);
    expect(make('moco-v2', ckpt, { ...short, width: 4 })).toThrow(/method tensor 0 is float32/);
    expect(tf.memory().numTensors).toBe(start); // a refused checkpoint leaves no variables behind
  });
});

describe('Rng state', () => {
  it('continues the same stream after setState', () => {
    const a = new Rng(42);
    for (let i = 0; i < 10; i++) a.next();
    const state = a.getState();
    const expected = [a.next(), a.uniform(2, 3), a.int(100), a.normal(), a.beta(0.5, 0.5)];
    const b = new Rng(7);
    b.setState(state);
    expect([b.next(), b.uniform(2, 3), b.int(100), b.normal(), b.beta(0.5, 0.5)]).toEqual(expected);
    expect(() => b.setState(-1)).toThrow(/32-bit/);
    expect(() => b.setState(1.5)).toThrow(/32-bit/);
  });
});

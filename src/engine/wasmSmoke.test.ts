// Every method trains on the WebAssembly backend (the lab offers it without a GPU): a few steps each.
import { beforeAll, expect, it } from 'vitest';
import { METHOD_IDS } from '../shared/config';
import { Trainer } from './training/trainer';
import { createMemorySource } from './data/memorySource';
import { tinyConfig } from './testing/fixtures';
import { mnistSplit } from './testing/mnist';
import { useWasm } from './testing/wasm';

beforeAll(useWasm);

it.each(METHOD_IDS)(
  '%s trains on wasm',
  async (method) => {
    const cfg = tinyConfig({
      method,
      epochs: 1,
      trainLimit: 32,
      batchSize: 8,
      queueSize: 16,
      probeTrainSize: 32,
      probeTestSize: 16,
    });
    const source = createMemorySource(
      { id: 'mnist', name: 'MNIST', width: 28, height: 28, channels: 1, classNames: [...'0123456789'] },
      { train: mnistSplit('train', 32), test: mnistSplit('test', 16) },
      500,
    );
    const steps: number[] = [];
    const trainer = new Trainer(cfg, source, {
      metrics: (m) => steps.push(m.step),
      preview: () => {},
      evaluation: () => {},
      baselines: () => {},
      status: () => {},
    });
    try {
      await trainer.run();
    } finally {
      trainer.dispose();
    }
    expect(trainer.step).toBe(4);
  },
  120_000,
);

// Every method trains on the WebAssembly backend (the lab offers it without a GPU): a few steps each.
import { beforeAll, expect, it } from 'vitest';
import { METHOD_IDS } from '../shared/config';
import { Trainer } from './training/trainer';
import { tinyConfig } from './testing/fixtures';
import { mnistSource } from './testing/mnist';
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
    const source = mnistSource(32, 16);
    const trainer = new Trainer(cfg, source, {
      metrics: () => {},
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

// The learning test for LeJEPA: the Tiny preset with LeJEPA's own defaults on MNIST (tfjs's WebAssembly backend in Node, testing/wasm.ts; seed 1)
// must gain on kNN over the same network at step 0 with BatchNorm recalibrated on the data (the fair
// random-init baseline), on 1,000 held-out digits. See learning.test.ts (MoCo-v2) for the protocol.
// Measured with the lab itself (npm run experiment, Chromium's tfjs CPU backend, the same Trainer,
// preset and data; docs/LEARNING.md, "BYOL and LeJEPA"): seed 1, kNN 55.0 % at step 0, 61.3 % random
// init with BN on data, 68.6 % after 200 steps: +7.3 points (linear +9.9). On the wasm backend
// (2026-12-02, this file): 68.3 %, +7.0 (linear 75.6 % vs 64.9 %), 54 s of CPU (vitest's start
// included), against more than 200 s on the CPU backend; HEXA_LEARN_EPOCHS=1 trains 100 steps.
import { beforeAll, expect, it } from 'vitest';
import { PRESETS, type TrainConfig } from '../shared/config';
import { useWasm } from './testing/wasm';
import { mnistSource, trainOnMnist } from './testing/mnist';

beforeAll(useWasm);

const EPOCHS = Number(process.env.HEXA_LEARN_EPOCHS ?? 2);

it('Tiny LeJEPA on MNIST gains ≥ 4 kNN points over its random init on 1,000 held-out digits', async () => {
  const tiny = PRESETS.tiny.config;
  const cfg: TrainConfig = {
    ...tiny,
    method: 'lejepa',
    seed: 1,
    epochs: EPOCHS,
    probeTrainSize: Math.max(2000, tiny.probeTrainSize),
    probeTestSize: Math.max(1000, tiny.probeTestSize),
  };
  const t0 = Date.now();
  const run = await trainOnMnist(
    cfg,
    mnistSource(Math.max(cfg.trainLimit, cfg.probeTrainSize), cfg.probeTestSize),
  );
  run.initial.dispose();
  run.trained.dispose();
  const { final, first, baselines } = run;
  expect(baselines).not.toBeNull();
  expect(final.testCount).toBeGreaterThanOrEqual(1000);
  const gain = final.knnTop1 - baselines!.randomInit.knnTop1;
  console.log(
    `learning test (lejepa): kNN ${(first.knnTop1 * 100).toFixed(1)}% at step 0, ${(baselines!.randomInit.knnTop1 * 100).toFixed(1)}% random init with BN on data, ${(final.knnTop1 * 100).toFixed(1)}% after ${final.step} steps: gain ${(gain * 100).toFixed(1)} points; linear ${(final.linearTop1 * 100).toFixed(1)}% vs ${(baselines!.randomInit.linearTop1 * 100).toFixed(1)}%; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  expect(final.step).toBe(cfg.epochs * Math.floor(cfg.trainLimit / cfg.batchSize));
  expect(gain).toBeGreaterThanOrEqual(0.04);
}, 1_200_000);

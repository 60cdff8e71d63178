// The learning test: the Tiny preset must teach the network something measurable. The lab's engine on
// the tfjs CPU backend in Node trains MoCo-v2 with the Tiny preset on MNIST (seed 1, its full step
// budget) and the final kNN accuracy on 1,000 held-out digits must beat the same network at step 0,
// with BatchNorm statistics recalibrated on the data (the fair random-init baseline), by ≥ 8 points.
// The presets before issue 10 (36 steps on 96 images) fail it (docs/LEARNING.md, "The learning test").
// Cost: 200 Tiny steps (about 1.2–1.3 s each on an idle core, docs/LEARNING.md) plus four probe passes;
// it took 840 s on a 2-core machine shared with other jobs (load average about 15), hence the timeout.
import { beforeAll, expect, it } from 'vitest';
import { PRESETS, type TrainConfig } from '../shared/config';
import { useCpu } from './testing/fixtures';
import { mnistSource, trainOnMnist } from './testing/mnist';

beforeAll(useCpu);

it('Tiny MoCo-v2 on MNIST gains ≥ 8 kNN points over its random init on 1,000 held-out digits', async () => {
  const tiny = PRESETS.tiny.config;
  // The protocol the gain is measured with: ≥ 1,000 held-out images, a bank of ≥ 2,000.
  const cfg: TrainConfig = {
    ...tiny,
    method: 'moco-v2',
    seed: 1,
    probeTrainSize: Math.max(2000, tiny.probeTrainSize),
    probeTestSize: Math.max(1000, tiny.probeTestSize),
  };
  const run = await trainOnMnist(
    cfg,
    mnistSource(Math.max(cfg.trainLimit, cfg.probeTrainSize), cfg.probeTestSize),
  );
  run.initial.dispose(); // copies of the network that this test does not use
  run.trained.dispose();
  const { final, first, baselines } = run;
  expect(baselines).not.toBeNull();
  expect(baselines!.testCount).toBeGreaterThanOrEqual(1000);
  expect(final.testCount).toBeGreaterThanOrEqual(1000);
  const gain = final.knnTop1 - baselines!.randomInit.knnTop1;
  console.log(
    `learning test: kNN ${(first.knnTop1 * 100).toFixed(1)}% at step 0, ${(baselines!.randomInit.knnTop1 * 100).toFixed(1)}% random init with BN on data, ${(final.knnTop1 * 100).toFixed(1)}% after ${final.step} steps: gain ${(gain * 100).toFixed(1)} points`,
  );
  expect(final.step).toBe(cfg.epochs * Math.floor(cfg.trainLimit / cfg.batchSize));
  expect(gain).toBeGreaterThanOrEqual(0.08);
}, 1_200_000);

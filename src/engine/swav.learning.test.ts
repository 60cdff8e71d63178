// The SwAV learning test: the Tiny preset with SwAV's default settings must teach the network
// something measurable. The lab's engine on the tfjs CPU backend in Node trains SwAV on MNIST (seed 1)
// and the final kNN accuracy on 1,000 held-out digits must beat the same network's random init, with
// BatchNorm statistics recalibrated on the data (the fair baseline), by ≥ 4 points.
//
// OPT-IN (HEXA_SWAV_LEARNING_TEST=1) because it FAILS with the current defaults: SwAV did not learn
// kNN features within the Tiny budget in any measured setting (docs/LEARNING.md, "SwAV"; `npm run
// experiment`, CPU backend, kNN against the BN-recalibrated random init: K 30 seed 1 −5.5 points,
// K 10 (the default) seeds 1 / 2 / 3 −1.1 / −0.7 / −0.9, K 10 without the freeze seed 1 −1.5). It is the check to
// run when SwAV's defaults are next tuned. Cost: 200 SwAV steps (4 views each), about 17–19 min on
// the loaded 2-core machine in Chromium; not measured on an idle core.
import { beforeAll, expect, it } from 'vitest';
import { PRESETS, type TrainConfig } from '../shared/config';
import { useCpu } from './testing/fixtures';
import { mnistSource, trainOnMnist } from './testing/mnist';

beforeAll(useCpu);

it.runIf(process.env.HEXA_SWAV_LEARNING_TEST === '1')(
  'Tiny SwAV on MNIST gains ≥ 4 kNN points over its random init on 1,000 held-out digits',
  async () => {
    const tiny = PRESETS.tiny.config;
    const cfg: TrainConfig = {
      ...tiny,
      method: 'swav',
      seed: 1,
      probeTrainSize: Math.max(2000, tiny.probeTrainSize),
      probeTestSize: Math.max(1000, tiny.probeTestSize),
    };
    const run = await trainOnMnist(
      cfg,
      mnistSource(Math.max(cfg.trainLimit, cfg.probeTrainSize), cfg.probeTestSize),
    );
    run.initial.dispose();
    run.trained.dispose();
    const { final, baselines } = run;
    expect(baselines).not.toBeNull();
    expect(final.testCount).toBeGreaterThanOrEqual(1000);
    const gain = final.knnTop1 - baselines!.randomInit.knnTop1;
    console.log(
      `SwAV learning test: kNN ${(baselines!.randomInit.knnTop1 * 100).toFixed(1)}% random init with BN on data, ${(final.knnTop1 * 100).toFixed(1)}% after ${final.step} steps: gain ${(gain * 100).toFixed(1)} points`,
    );
    expect(final.step).toBe(cfg.epochs * Math.floor(cfg.trainLimit / cfg.batchSize));
    expect(gain).toBeGreaterThanOrEqual(0.04);
  },
  1_200_000,
);

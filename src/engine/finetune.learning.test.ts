// The fine-tuning test (issue 13): fine-tuning from a trained run beats fine-tuning from random init at
// 1 % labels on MNIST. The engine in Node on the tfjs CPU backend trains the Tiny preset's MoCo-v2
// (seed 1, its full 200 steps over 3,200 digits; the run's own probes shrunk to 200 / 200 images, which
// does not change the training), then fine-tunes a copy of (a) the trained network and (b) the same
// run's step-0 network with the defaults of evaluation/finetune.ts on the same seeded 1 % of the
// 60,000 train digits (about 600), scoring both on 1,000 held-out digits.
// FT_SEED=<n> picks another seed (docs/LEARNING.md, "Fine-tuning", was measured that way, seeds 1–3).
// Cost: NOT YET MEASURED to the end — on a 2-core machine shared with other jobs one run went past 100
// minutes of wall time (17.5 CPU minutes) without finishing (the fine-tuning at 1 % is about 600 images ×
// 30 epochs for each of the two networks, on the tfjs CPU backend). So it is opt-in, outside the CI
// suite, until it is measured and made cheaper: HEXA_FINETUNE_TEST=1 npx vitest run src/engine/finetune.learning.test.ts
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { PRESETS, type TrainConfig } from '../shared/config';
import { finetune, type FinetuneResult } from './evaluation/finetune';
import { useCpu } from './testing/fixtures';
import { mnistSource, trainOnMnist } from './testing/mnist';

beforeAll(useCpu);

const SEED = Number(process.env.FT_SEED ?? 1);
const pct = (x: number) => (x * 100).toFixed(1);

it.runIf(process.env.HEXA_FINETUNE_TEST === '1')(
  `fine-tuning Tiny MoCo-v2 (seed ${SEED}) beats fine-tuning its random init at 1 % of MNIST's labels`,
  async () => {
    const tiny = PRESETS.tiny.config;
    const cfg: TrainConfig = {
      ...tiny,
      method: 'moco-v2',
      seed: SEED,
      probeTrainSize: 200,
      probeTestSize: 200,
    };
    const source = mnistSource(60000, 1000);
    const t0 = Date.now();
    const run = await trainOnMnist(cfg, source);
    const t1 = Date.now();
    const before = tf.memory().numTensors;
    const scores: Record<'trained' | 'random', FinetuneResult | null> = { trained: null, random: null };
    const ms: Record<'trained' | 'random', number> = { trained: 0, random: 0 };
    let after: number;
    try {
      for (const [name, encoder] of [
        ['trained', run.trained],
        ['random', run.initial],
      ] as const) {
        const start = Date.now();
        scores[name] = await finetune(source, encoder, {
          fraction: 0.01,
          seed: SEED,
          imageSize: cfg.imageSize,
          testSize: 1000,
        });
        ms[name] = Date.now() - start;
      }
      after = tf.memory().numTensors;
    } finally {
      run.trained.dispose();
      run.initial.dispose();
    }
    const trained = scores.trained!;
    const random = scores.random!;
    console.log(
      `fine-tuning test, seed ${SEED}: pre-training ${((t1 - t0) / 1000).toFixed(0)} s (kNN ${pct(run.final.knnTop1)} %, ` +
        `linear ${pct(run.final.linearTop1)} % on 200); 1 % labels (${trained.trainCount} images, ${trained.steps} steps): ` +
        `trained top-1 ${pct(trained.top1)} % top-5 ${pct(trained.top5!)} % (${(ms.trained / 1000).toFixed(0)} s), ` +
        `random init top-1 ${pct(random.top1)} % top-5 ${pct(random.top5!)} % (${(ms.random / 1000).toFixed(0)} s): ` +
        `gain ${pct(trained.top1 - random.top1)} points`,
    );
    expect(trained.trainCount).toBe(random.trainCount);
    expect(trained.testCount).toBe(1000);
    expect(trained.trainCount).toBeGreaterThanOrEqual(590);
    expect(trained.trainCount).toBeLessThanOrEqual(610);
    expect(after).toBe(before); // no tensor left behind by either fine-tuning
    expect(trained.top1).toBeGreaterThan(random.top1);
  },
  1_800_000,
);

// The learning tests: the Tiny preset must teach the network something measurable, by both of the
// HEXA paper's protocols. The lab's engine on tfjs's WebAssembly backend in Node (testing/wasm.ts)
// trains MoCo-v2 with the Tiny preset on MNIST once (seed 1, its full 200 steps over the first 3,200 digits), and then:
// 1. the final kNN accuracy on 1,000 held-out digits must beat the same network at step 0, with
//    BatchNorm statistics recalibrated on the data (the fair random-init baseline), by ≥ 8 points. The
//    presets before issue 10 (36 steps on 96 images) fail it (docs/LEARNING.md, "The learning test").
// 2. (issue 13) fine-tuning a copy of the trained network must beat fine-tuning a copy of the run's
//    step-0 network, both with the defaults of evaluation/finetune.ts — the protocol of the lab's
//    Fine-tune button and of npm run experiment --finetune: 1 % of each class of the run's own 3,200
//    train images (32 digits, 3–4 a class, seeded), 200 steps of 16 — scored on the same 1,000
//    held-out digits, by ≥ 4 points (about twice the noise of a difference of two accuracies on 1,000
//    images). Measured: seed 1 +9.5 (53.8 % vs 44.3 %); seeds 1–3 in docs/LEARNING.md, "Fine-tuning".
// The second test reuses the first's training run (one pre-training for both; run alone with -t, it
// trains first).
// Why the WebAssembly backend (issue 10 asked for the CPU backend; it is resolved): this tests learning,
// not hand-computed values, and wasm runs the same engine in float32 like the CPU backend (its sums
// differ only in the last bits, so a run's curve is its own), about 5× less CPU here. The tests of
// math stay on the CPU backend. Measured on wasm (2026-12-02, this file, HEXA_LEARN_SEED selects the
// seed for such checks only): seed 1 kNN 55.0 % at step 0, 61.3 % random init with BN on data, 77.4 %
// after 200 steps, gain +16.1 (CPU backend: 77.9 %, +16.6); fine-tuning 52.5 % vs 44.3 %, +8.2 (CPU:
// +9.5). Seed 2: kNN gain +12.6 (CPU +12.5), fine-tuning +10.8. Seed 3: kNN gain +16.6 (CPU +15.7),
// fine-tuning +8.9. Cost on wasm: the training run with its four probe passes 25 CPU-s (CPU backend
// 129), the two fine-tunings 7 (CPU backend 62); 84 s of wall time in all at load average 12 on the
// 2-core machine shared with other jobs (CPU backend: 901 s in a whole-suite run at load 6–12).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PRESETS, type TrainConfig } from '../shared/config';
import { finetune } from './evaluation/finetune';
import { useWasm } from './testing/wasm';
import { mnistSource, trainOnMnist, type MnistRun } from './testing/mnist';

beforeAll(useWasm);

const tiny = PRESETS.tiny.config;
// The protocol the gain is measured with: ≥ 1,000 held-out images, a bank of ≥ 2,000.
const cfg: TrainConfig = {
  ...tiny,
  method: 'moco-v2',
  seed: Number(process.env.HEXA_LEARN_SEED ?? 1), // other seeds only to measure (see above)
  probeTrainSize: Math.max(2000, tiny.probeTrainSize),
  probeTestSize: Math.max(1000, tiny.probeTestSize),
};
const source = mnistSource(Math.max(cfg.trainLimit, cfg.probeTrainSize), cfg.probeTestSize);
let training: Promise<MnistRun> | null = null;
/** The one training run both tests read (its network copies are freed after them). */
const tinyRun = () => (training ??= trainOnMnist(cfg, source));

afterAll(async () => {
  const run = await training?.catch(() => null);
  run?.initial.dispose();
  run?.trained.dispose();
});

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};
const pct = (x: number) => (x * 100).toFixed(1);

it('Tiny MoCo-v2 on MNIST gains ≥ 8 kNN points over its random init on 1,000 held-out digits', async () => {
  const cpu0 = process.cpuUsage();
  const { final, first, baselines } = await tinyRun();
  expect(baselines).not.toBeNull();
  expect(baselines!.testCount).toBeGreaterThanOrEqual(1000);
  expect(final.testCount).toBeGreaterThanOrEqual(1000);
  const gain = final.knnTop1 - baselines!.randomInit.knnTop1;
  console.log(
    `learning test (${cpuSeconds(cpu0).toFixed(0)} CPU-s): kNN ${pct(first.knnTop1)}% at step 0, ${pct(baselines!.randomInit.knnTop1)}% random init with BN on data, ${pct(final.knnTop1)}% after ${final.step} steps: gain ${pct(gain)} points`,
  );
  expect(final.step).toBe(cfg.epochs * Math.floor(cfg.trainLimit / cfg.batchSize));
  expect(gain).toBeGreaterThanOrEqual(0.08);
}, 1_800_000);

it("fine-tuning Tiny MoCo-v2 beats fine-tuning its random init at 1 % of MNIST's labels", async () => {
  const run = await tinyRun();
  const cpu0 = process.cpuUsage();
  const before = tf.memory().numTensors;
  const opts = { fraction: 0.01, seed: cfg.seed, imageSize: cfg.imageSize, testSize: 1000 };
  // The run's own train images are the labelled pool, as the lab and npm run experiment do.
  const trained = await finetune(source, run.trained, { ...opts, poolSize: cfg.trainLimit });
  const random = await finetune(source, run.initial, { ...opts, poolSize: cfg.trainLimit });
  const after = tf.memory().numTensors;
  console.log(
    `fine-tuning test (${cpuSeconds(cpu0).toFixed(0)} CPU-s for both), seed ${cfg.seed}, 1 % labels (${trained.trainCount} images, ${trained.steps} steps): ` +
      `trained top-1 ${pct(trained.top1)} % top-5 ${pct(trained.top5!)} %, random init top-1 ${pct(random.top1)} % top-5 ${pct(random.top5!)} %: ` +
      `gain ${pct(trained.top1 - random.top1)} points`,
  );
  expect(trained.trainCount).toBe(random.trainCount);
  expect(trained.testCount).toBe(1000);
  expect(trained.trainCount).toBe(32); // round(1 % of each class of 3,200), at least one each
  expect(trained.perClassTrain.every((n) => n >= 3 && n <= 4)).toBe(true);
  expect(trained.steps).toBe(200);
  expect(after).toBe(before); // no tensor left behind by either fine-tuning
  expect(trained.top1 - random.top1).toBeGreaterThanOrEqual(0.04);
}, 1_800_000);

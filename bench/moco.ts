// MoCo-v2 and HEXA-MoCo on one rig: warm-up, timed blocks of steps, the step counts through
// Trainer.run() (counters.ts), own vs stock kernels, and the cost of the panels (previews) by A/B test
// and by estimate.
import * as tf from '@tensorflow/tfjs';
import { PRESETS, type PresetId, type TrainConfig } from '../src/shared/config';
import { Rng } from '../src/engine/runtime/random';
import { PREVIEW_COUNT } from '../src/engine/training/trainer';
import { countOwnAndStock, timeOwnVsStock } from './counters';
import { median, Rig, round, timeBlock, timed, warmUp } from './rig';
import { type BackendName } from '../src/shared/backendTypes';
import { countWindowSteps, log, planFor } from './options';

/**
 * A/B test of the panels: windows of readbackEvery steps, each ending with the trainer's metric
 * read-back; in the "on" windows the last step also makes PREVIEW_COUNT previews and reads them
 * (readPreviews), as Trainer.run does. Windows go off, on, on, off, … so a drift in load cancels out.
 */
async function timePanels(rig: Rig, windows: number) {
  const windowSteps = rig.cfg.readbackEvery;
  const secs: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const readPreviewsSeconds: number[] = [];
  let panelsOk = true;
  for (let w = 0; w < windows; w++) {
    const on = w % 4 === 1 || w % 4 === 2;
    const t = performance.now();
    for (let i = 0; i < windowSteps; i++) {
      const last = i === windowSteps - 1;
      const prev = await rig.step(on && last);
      if (last) {
        await rig.readMetrics();
        if (prev) {
          const tp = performance.now();
          const p = await rig.previews(prev);
          readPreviewsSeconds.push((performance.now() - tp) / 1000);
          panelsOk &&= p.adversarial !== null && p.cutmix !== null && p.views.query.length === PREVIEW_COUNT;
        }
      }
    }
    secs[on ? 'on' : 'off'].push((performance.now() - t) / 1000);
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const arm = (xs: number[]) => timed(xs.length * windowSteps, sum(xs) * 1000, rig.cfg.batchSize);
  const off = arm(secs.off);
  const onT = arm(secs.on);
  return {
    windowSteps,
    windows,
    previewsOff: off,
    previewsOn: onT,
    slowdownPercent: round((100 * (onT.meanStepSeconds - off.meanStepSeconds)) / off.meanStepSeconds, 1),
    medianWindowSlowdownPercent: round((100 * (median(secs.on) - median(secs.off))) / median(secs.off), 1),
    windowSeconds: { off: secs.off.map((x) => round(x)), on: secs.on.map((x) => round(x)) },
    readPreviewsSeconds: round(sum(readPreviewsSeconds) / readPreviewsSeconds.length, 4),
    panelsOk,
  };
}

/**
 * The preview tensors a preview step makes inside trainStep (step.ts: slices of the first
 * PREVIEW_COUNT samples of each view, mask and score, one gather of the partner views), on tensors
 * of the step's shapes, synced by a read-back: an upper bound of their cost (the sync is included).
 */
async function previewOpsSeconds(cfg: TrainConfig, reps: number): Promise<number> {
  const { batchSize: b, imageSize: s } = cfg;
  const img = () => tf.randomUniform([b, s, s, 1]) as tf.Tensor4D;
  const src = {
    views: [img(), img(), img(), img(), img()], // xq, xk, adversarial view, δ, mixed view
    mask: tf.randomUniform([b, s, s, 1]) as tf.Tensor4D,
    vectors: [0, 1, 2, 3, 4].map(() => tf.randomUniform([b]) as tf.Tensor1D), // ranks, logits, λ
    partner: tf.tensor1d(new Rng(1).permutation(b), 'int32'),
  };
  const run = () =>
    tf.tidy(() => {
      const head = (t: tf.Tensor) => tf.slice(t, 0, PREVIEW_COUNT);
      return [
        ...src.views.map(head),
        head(src.mask),
        ...src.vectors.map(head),
        head(tf.gather(src.views[0]!, src.partner)),
        head(src.partner),
      ];
    });
  const sync = async (ts: tf.Tensor[]) => {
    await Promise.all(ts.map((t) => t.data()));
    ts.forEach((t) => t.dispose());
  };
  try {
    await sync(run()); // compile
    const t = performance.now();
    for (let i = 0; i < reps; i++) await sync(run());
    return (performance.now() - t) / 1000 / reps;
  } finally {
    [...src.views, src.mask, ...src.vectors, src.partner].forEach((t) => t.dispose());
  }
}

export const HEXA_FORMULA =
  '(1 clean + T attack + 1 adversarial + 1 mixed) / 1 forward–backward passes = 3 + T, T = cfg.attackSteps';

export async function benchCombination(backend: BackendName, preset: PresetId) {
  const cfg: TrainConfig = { ...PRESETS[preset].config, method: 'hexa-moco' };
  const plan = planFor(preset, backend);
  const rig = new Rig(cfg);
  const name = `${backend}/${preset}`;
  try {
    log(`${name}: MoCo-v2 warm-up (${plan.warmup} steps)`);
    rig.hardExamples(false);
    const mocoWarm = await warmUp(rig, plan.warmup, false);
    log(
      `${name}: MoCo-v2 warm-up step times ${mocoWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const mocoT = await timeBlock(rig, plan.timed);
    log(`${name}: MoCo-v2 ${mocoT.meanStepSeconds} s/step, ${mocoT.imagesPerSec} images/s`);

    log(`${name}: HEXA-MoCo warm-up (${plan.warmup} steps, previews on the last)`);
    rig.hardExamples(true);
    const hexaWarm = await warmUp(rig, plan.warmup, true);
    log(
      `${name}: HEXA-MoCo warm-up step times ${hexaWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const hexaT = await timeBlock(rig, plan.timed);
    log(`${name}: HEXA-MoCo ${hexaT.meanStepSeconds} s/step, ${hexaT.imagesPerSec} images/s`);

    // Counted through Trainer.run(), one read-back window (countWindowSteps).
    const windowSteps = countWindowSteps(preset, cfg.readbackEvery);
    const abBlocks = preset === 'tiny' ? 4 : 0; // own vs stock kernels, interleaved (too slow on the default preset)
    rig.hardExamples(false);
    const mocoCounts = await countOwnAndStock(rig, windowSteps);
    const mocoOwnVsStock = abBlocks ? await timeOwnVsStock(rig, 2, abBlocks) : null;
    rig.hardExamples(true);
    const hexaCounts = await countOwnAndStock(rig, windowSteps);
    const hexaOwnVsStock = abBlocks ? await timeOwnVsStock(rig, 2, abBlocks) : null;
    log(
      `${name}: own vs stock kernels, step time: MoCo-v2 ${mocoOwnVsStock?.ownOverStock ?? '-'}×, HEXA-MoCo ${hexaOwnVsStock?.ownOverStock ?? '-'}×; stock dispatches ${mocoCounts.stock?.dispatchesPerStep ?? '-'} / ${hexaCounts.stock?.dispatchesPerStep ?? '-'}`,
    );
    log(
      `${name}: per step: MoCo-v2 ${mocoCounts.dispatchesPerStep} dispatches, ${mocoCounts.uploadsPerStep} uploads, ${mocoCounts.enqueueMsPerStep} ms enqueue; HEXA-MoCo ${hexaCounts.dispatchesPerStep}, ${hexaCounts.uploadsPerStep}, ${hexaCounts.enqueueMsPerStep} ms; read-backs per window ${hexaCounts.readbacksPerWindow}`,
    );

    let ab: Awaited<ReturnType<typeof timePanels>> | null = null;
    if (plan.panelWindows > 0) {
      log(`${name}: panels A/B, ${plan.panelWindows} windows of ${cfg.readbackEvery} HEXA-MoCo steps`);
      ab = await timePanels(rig, plan.panelWindows);
      log(
        `${name}: panels A/B slowdown ${ab.slowdownPercent} % (median window ${ab.medianWindowSlowdownPercent} %)`,
      );
    }
    const opsS = await previewOpsSeconds(cfg, 3);
    const readS = ab?.readPreviewsSeconds ?? hexaWarm.readPreviewsSeconds ?? 0;
    const estimate = (100 * (opsS + readS)) / (cfg.readbackEvery * hexaT.meanStepSeconds);
    log(
      `${name}: panels estimate ${estimate.toFixed(2)} % (preview ops ${opsS.toFixed(3)} s, readPreviews ${readS.toFixed(3)} s)`,
    );

    const T = cfg.attackSteps;
    return {
      backend,
      preset,
      config: {
        batchSize: cfg.batchSize,
        imageSize: cfg.imageSize,
        width: cfg.width,
        hiddenDim: cfg.hiddenDim,
        embedDim: cfg.embedDim,
        queueSize: cfg.queueSize,
        bnGroups: cfg.bnGroups,
        attackSteps: T,
        readbackEvery: cfg.readbackEvery,
      },
      mocoV2: {
        warmupStepSeconds: mocoWarm.stepSeconds,
        ...mocoT,
        counts: mocoCounts,
        ownVsStock: mocoOwnVsStock,
      },
      hexaMoco: {
        warmupStepSeconds: hexaWarm.stepSeconds,
        ...hexaT,
        counts: hexaCounts,
        ownVsStock: hexaOwnVsStock,
      },
      hexaCost: {
        measuredRatio: round(mocoT.imagesPerSec / hexaT.imagesPerSec, 2),
        expectedRatio: 3 + T,
        formula: HEXA_FORMULA,
        note: 'measured = MoCo-v2 images/s ÷ HEXA-MoCo images/s. Both steps also pay for the sampler, augmentation, the key encoder, the online probe and SGD, which the hard examples do not multiply',
      },
      panels: {
        readbackEvery: cfg.readbackEvery,
        previewCount: PREVIEW_COUNT,
        abTest: ab,
        estimate: {
          previewOpsSeconds: round(opsS, 4),
          readPreviewsSeconds: round(readS, 4),
          slowdownPercent: round(estimate, 3),
          formula:
            '100 × (preview ops + readPreviews) / (readbackEvery × HEXA-MoCo mean step seconds); preview ops timed apart on same-shaped tensors with their own sync (an upper bound)',
        },
        slowdownPercent: ab ? ab.slowdownPercent : round(estimate, 3),
        basis: ab ? 'A/B test (mean step time, previews on vs off)' : 'estimate (no A/B: too slow here)',
        requirement: 'slowdown within 10 %',
        pass: (ab ? ab.slowdownPercent : estimate) <= 10 && (ab?.panelsOk ?? true),
      },
      leakedTensors: 0, // set by the caller, after dispose
    };
  } finally {
    rig.dispose();
  }
}

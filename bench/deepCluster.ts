// DeepCluster-v2 and HEXA-DCluster on one rig (their shared base): the memory-bank fill and first
// k-means, warm-up, timed blocks, the step counts through Trainer.run().
import { PRESETS, type PresetId, type TrainConfig } from '../src/shared/config';
import { countOwnAndStock } from './counters';
import { CLUSTER_RIG_LIMIT, Rig, round, timeBlock, warmUp } from './rig';
import { type BackendName } from '../src/shared/backendTypes';
import { clusterPlanFor, countWindowSteps, log } from './options';
import { HEXA_FORMULA } from './moco';

const HEXA_DC_PER_VIEW_FORMULA =
  'per augmented view of the batch: (2 clean views + T attack + 1 adversarial + 1 mixed) / 2 clean views = (4 + T) / 2, since the DeepCluster-v2 step already runs both clean views (xq, xk) forward–backward';

/** DeepCluster-v2 and HEXA-DCluster steps on one rig (their shared base), as benchCombination does MoCo. */
export async function benchDCluster(backend: BackendName, preset: PresetId) {
  const presetCfg = PRESETS[preset].config;
  const cfg: TrainConfig = {
    ...presetCfg,
    method: 'hexa-dcluster',
    trainLimit: presetCfg.trainLimit || CLUSTER_RIG_LIMIT,
  };
  const plan = clusterPlanFor(preset, backend);
  const name = `${backend}/${preset}`;
  const rig = new Rig(cfg);
  try {
    log(`${name}: DeepCluster prepare (memory bank of ${rig.trainer.sampler.size} images) and first k-means`);
    const setup = await rig.prepareClusters();
    log(
      `${name}: DeepCluster prepare ${setup.prepareSeconds} s, first re-clustering ${setup.firstReclusterSeconds} s`,
    );
    log(`${name}: DeepCluster-v2 warm-up (${plan.warmup} steps)`);
    rig.hardExamples(false);
    const dcWarm = await warmUp(rig, plan.warmup, false);
    log(
      `${name}: DeepCluster-v2 warm-up step times ${dcWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const dcT = await timeBlock(rig, plan.timed);
    log(`${name}: DeepCluster-v2 ${dcT.meanStepSeconds} s/step, ${dcT.imagesPerSec} images/s`);

    log(`${name}: HEXA-DCluster warm-up (${plan.warmup} steps)`);
    rig.hardExamples(true);
    const hexaWarm = await warmUp(rig, plan.warmup, false);
    log(
      `${name}: HEXA-DCluster warm-up step times ${hexaWarm.stepSeconds.join(', ')} s; timing ${plan.timed} steps`,
    );
    const hexaT = await timeBlock(rig, plan.timed);
    log(`${name}: HEXA-DCluster ${hexaT.meanStepSeconds} s/step, ${hexaT.imagesPerSec} images/s`);

    const windowSteps = countWindowSteps(preset, cfg.readbackEvery); // as for MoCo (benchCombination)
    rig.hardExamples(false);
    const dcCounts = await countOwnAndStock(rig, windowSteps);
    rig.hardExamples(true);
    const hexaCounts = await countOwnAndStock(rig, windowSteps);

    const T = cfg.attackSteps;
    return {
      config: {
        trainLimit: cfg.trainLimit,
        trainLimitNote:
          presetCfg.trainLimit === 0
            ? `the preset uses every train image (trainLimit 0); this rig uses the first ${CLUSTER_RIG_LIMIT} so that filling the memory bank stays short (the step's cost does not depend on it; see reclustering)`
            : "the preset's own trainLimit",
        clusterHeads: cfg.clusterHeads,
        clusterCount: cfg.clusterCount,
        clusterTemperature: cfg.clusterTemperature,
      },
      setup: {
        bankRows: rig.trainer.sampler.size,
        ...setup,
        note: 'as Trainer.run before its first step: Trainer.prepare, i.e. base.prepare (no-grad embedding of two augmented views of every image in use, synced by reading the bank back) and base.onEpochStart(0) (spherical k-means, all heads). Per-epoch re-clustering is not inside the step timings below',
      },
      deepClusterV2: { warmupStepSeconds: dcWarm.stepSeconds, ...dcT, counts: dcCounts },
      hexaDCluster: { warmupStepSeconds: hexaWarm.stepSeconds, ...hexaT, counts: hexaCounts },
      hexaCost: {
        measuredRatio: round(dcT.imagesPerSec / hexaT.imagesPerSec, 2),
        expectedRatio: 3 + T,
        formula: HEXA_FORMULA,
        expectedRatioPerView: (4 + T) / 2,
        perViewFormula: HEXA_DC_PER_VIEW_FORMULA,
        note: 'measured = DeepCluster-v2 images/s ÷ HEXA-DCluster images/s, same rig. Both steps also pay for the sampler, augmentation, the online probe and SGD, which the hard examples do not multiply',
      },
      leakedTensors: 0, // set by the caller, after dispose
    };
  } finally {
    rig.dispose();
  }
}

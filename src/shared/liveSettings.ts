// Settings a run can change while it trains (between two steps, typically while paused): the ones the
// trainer reads afresh at every step or evaluation. Everything else (model shape, batch, queue, epochs,
// optimiser momentum …) is built into the run's variables and stays fixed for the run.
import { FIELDS, validateConfig, type TrainConfig } from './config';

export const LIVE_KEYS = [
  // optimiser schedule (read by cosineLr each step)
  'lr',
  'warmupSteps',
  // MoCo / DeepCluster / SimCLR step parameters (read by beginStep)
  'keyMomentum',
  'temperature',
  'clusterTemperature',
  'swavTemperature',
  'swavEpsilon',
  'swavSinkhornIters',
  'simclrTemperature',
  // BYOL / LeJEPA step parameters (read by beginStep)
  'byolMomentum',
  'byolMomentumCosine',
  'byolPredictorLrScale', // read by lrScales each step
  'lejepaLambda',
  'lejepaSlices',
  // augmentation (read by augmentBatch)
  'cropScaleMin',
  'flipProb',
  'jitterProb',
  'brightness',
  'contrast',
  'saturation',
  'hue',
  'grayscaleProb',
  'blurProb',
  'blurSigmaMax',
  // hard examples (read by the generators)
  'adversarial',
  'cutmix',
  'epsilon',
  'attackSteps',
  'attackStepSize',
  'mixBeta',
  'wAdv',
  'wMix',
  'mixup',
  'mixupAlpha',
  'wMixup',
  // read-back, checkpoints and evaluation cadence
  'readbackEvery',
  'checkpointEvery',
  'probeEveryEpochs',
  'knnK',
  'knnTemperature',
] as const satisfies readonly (keyof TrainConfig)[];

export type LiveKey = (typeof LIVE_KEYS)[number];

const LIVE: ReadonlySet<keyof TrainConfig> = new Set(LIVE_KEYS);
export const isLiveKey = (k: keyof TrainConfig): k is LiveKey => LIVE.has(k);

export interface SettingChange {
  key: LiveKey;
  from: number | boolean;
  to: number | boolean;
}

/** The live settings that differ between two configs, in LIVE_KEYS order. */
export function settingChanges(from: TrainConfig, to: TrainConfig): SettingChange[] {
  return LIVE_KEYS.filter((k) => from[k] !== to[k]).map((k) => ({ key: k, from: from[k], to: to[k] }));
}

/** The settings that differ but are fixed for a run (changing them needs a new run). */
export function fixedChanges(from: TrainConfig, to: TrainConfig): (keyof TrainConfig)[] {
  return (Object.keys(from) as (keyof TrainConfig)[]).filter((k) => !isLiveKey(k) && from[k] !== to[k]);
}

/** `cfg` with the changes' `to` values. */
export function withChanges(cfg: TrainConfig, changes: readonly SettingChange[]): TrainConfig {
  const next: Record<string, unknown> = { ...cfg };
  for (const c of changes) next[c.key] = c.to;
  return next as unknown as TrainConfig;
}

/**
 * The live settings edited in the form since `baseline` (the form when the run started or its last
 * change was applied), as changes of the running config. Settings where the form and the run differ
 * without an edit (an ablation arm runs its own switches) are not offered.
 */
export function editedLive(baseline: TrainConfig, form: TrainConfig, running: TrainConfig): SettingChange[] {
  return settingChanges(running, withChanges(running, settingChanges(baseline, form)));
}

const show = (v: number | boolean) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));

/** "ε (1/255) 4 → 8", with the field's label from the settings form. */
export const describeChange = (c: SettingChange) => `${FIELDS[c.key].label} ${show(c.from)} → ${show(c.to)}`;

/**
 * Checks a change of a running run's config: only live settings may differ, and the result must be
 * valid. Returns the changes (possibly none) or throws an Error whose message names the problem.
 */
export function checkLiveChange(from: TrainConfig, to: TrainConfig): SettingChange[] {
  const fixed = fixedChanges(from, to);
  if (fixed.length > 0) {
    const names = fixed.map((k) => (k in FIELDS ? FIELDS[k as keyof typeof FIELDS].label : k));
    throw new Error(
      `These settings are fixed for a run and cannot change while it trains: ${names.join(', ')}.`,
    );
  }
  const issues = validateConfig(to);
  if (issues.length > 0) throw new Error(issues.map((i) => i.message).join(' '));
  return settingChanges(from, to);
}

// The run's settings: one TrainConfig, validated on every change and mirrored to the URL.
import { create } from 'zustand';
import {
  configToQuery,
  PRESETS,
  validateConfig,
  type ConfigIssue,
  type PresetId,
  type TrainConfig,
} from '../engine/config';
import { configFromQuery } from '../engine/schema/query';
import { nearestPreset } from './nearestPreset';

interface ConfigState {
  config: TrainConfig;
  preset: PresetId;
  issues: ConfigIssue[];
  linkErrors: string[]; // problems found in the URL the page was opened with
}

const initial = configFromQuery(typeof location === 'undefined' ? '' : location.search);

export const useConfigStore = create<ConfigState>(() => ({
  config: initial.config,
  preset: initial.preset,
  issues: validateConfig(initial.config),
  linkErrors: initial.errors,
}));

function commit(config: TrainConfig, preset: PresetId): void {
  useConfigStore.setState({ config, preset, issues: validateConfig(config) });
  const query = configToQuery(config, preset);
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

export function setField<K extends keyof TrainConfig>(key: K, value: TrainConfig[K]): void {
  const { config, preset } = useConfigStore.getState();
  commit({ ...config, [key]: value }, preset);
}

/**
 * Loads a whole config into the form (a saved run's, to change and run again, or to resume), with the
 * preset it is closest to (a Tiny run resumed from the bare address shows Tiny, not Small GPU).
 */
export function replaceConfig(config: TrainConfig): void {
  commit({ ...config }, nearestPreset(config, useConfigStore.getState().preset));
}

export function applyPreset(preset: PresetId): void {
  const { config } = useConfigStore.getState();
  // Keep the chosen method and dataset; take everything else from the preset.
  commit({ ...PRESETS[preset].config, method: config.method, datasetId: config.datasetId }, preset);
}

export function shareLink(): string {
  const { config, preset } = useConfigStore.getState();
  return `${location.origin}${location.pathname}?${configToQuery(config, preset)}`;
}

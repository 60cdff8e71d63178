// The run's settings: one TrainConfig, validated on every change and mirrored to the URL.
import { create } from 'zustand';
import {
  configToQuery,
  PRESETS,
  validateConfig,
  type ConfigIssue,
  type PresetId,
  type TrainConfig,
} from '../shared/config';
import { configFromQuery } from '../shared/schema/query';
import { nearestPreset } from './nearestPreset';
import { withDatasetAugmentation } from '../shared/data/augmentationDefaults';
import type { BackendName } from '../shared/backendTypes';

interface ConfigState {
  config: TrainConfig;
  preset: PresetId;
  issues: ConfigIssue[];
  linkErrors: string[]; // problems found in the URL the page was opened with
  /** Why the Tiny preset was chosen automatically (a software GPU), or null. */
  autoPreset: string | null;
  /** The backend the link asked for (`backend=wasm`), kept in the address as settings change; null: none. */
  linkBackend: BackendName | null;
}

const initial = configFromQuery(typeof location === 'undefined' ? '' : location.search);

export const useConfigStore = create<ConfigState>(() => ({
  config: initial.config,
  preset: initial.preset,
  issues: validateConfig(initial.config),
  linkErrors: initial.errors,
  autoPreset: null,
  linkBackend: initial.backend,
}));

const initialHadPreset =
  typeof location !== 'undefined' && new URLSearchParams(location.search).has('preset');

function commit(config: TrainConfig, preset: PresetId): void {
  useConfigStore.setState({ config, preset, issues: validateConfig(config) });
  const { linkBackend } = useConfigStore.getState();
  const query = configToQuery(config, preset) + (linkBackend ? `&backend=${linkBackend}` : '');
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

/** Puts a backend chosen by hand into the address (`backend=`), so that a reload starts on it again. */
export function keepBackendInLink(backend: BackendName): void {
  useConfigStore.setState({ linkBackend: backend });
  const { config, preset } = useConfigStore.getState();
  commit(config, preset);
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

/** Picks a preset by hand (the automatic choice's note goes away). */
export function applyPreset(preset: PresetId): void {
  useConfigStore.setState({ autoPreset: null });
  setPreset(preset);
}

function setPreset(preset: PresetId): void {
  const { config } = useConfigStore.getState();
  // Keep the chosen method and dataset (with its augmentation defaults); the rest from the preset.
  commit(
    withDatasetAugmentation({ ...PRESETS[preset].config, method: config.method }, config.datasetId),
    preset,
  );
}

/** Chooses the dataset to train on and takes its augmentation defaults (flips, smallest crop). */
export function selectDataset(datasetId: string): void {
  const { config, preset } = useConfigStore.getState();
  commit(withDatasetAugmentation(config, datasetId), preset);
}

/**
 * On a software adapter (SwiftShader) or the CPU backend, a page opened without a preset in its link
 * and with the settings untouched switches to the Tiny preset and says why (autoPreset).
 */
export function chooseTinyForSlowBackend(reason: string): void {
  const { config, preset } = useConfigStore.getState();
  if (initialHadPreset || preset === 'tiny') return;
  if (configToQuery(config, preset) !== configToQuery(PRESETS[preset].config, preset)) return;
  setPreset('tiny');
  useConfigStore.setState({ autoPreset: reason });
}

export function shareLink(): string {
  const { config, preset } = useConfigStore.getState();
  return `${location.origin}${location.pathname}?${configToQuery(config, preset)}`;
}

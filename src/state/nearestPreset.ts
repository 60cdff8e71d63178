// The preset a whole config (a saved run's, loaded to resume or duplicate) is closest to, so that the
// preset menu and the URL name the preset the run was made from, not whatever the form showed before.
import { PRESET_IDS, PRESETS, type PresetId, type TrainConfig } from '../shared/config';

/** Settings a user picks whatever the preset: they do not tell presets apart. */
const OWN_CHOICES: ReadonlySet<keyof TrainConfig> = new Set(['method', 'datasetId', 'seed']);

/** Fields of `config` that differ from preset `id` (own choices aside). */
export function presetDistance(config: TrainConfig, id: PresetId): number {
  const ref = PRESETS[id].config;
  return (Object.keys(ref) as (keyof TrainConfig)[]).filter(
    (k) => !OWN_CHOICES.has(k) && ref[k] !== config[k],
  ).length;
}

/** The preset with the fewest differing fields; `current` wins a tie (the user's choice stays). */
export function nearestPreset(config: TrainConfig, current: PresetId): PresetId {
  let best = current;
  let bestDistance = presetDistance(config, current);
  for (const id of PRESET_IDS) {
    const d = presetDistance(config, id);
    if (d < bestDistance) {
      best = id;
      bestDistance = d;
    }
  }
  return best;
}

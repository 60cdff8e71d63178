// SwAV's settings arrived after configs were first stored: a stored run, link or run file from before
// them must still parse (they take their defaults), and SwAV's settings are shown only for SwAV.
import { describe, expect, it } from 'vitest';
import { methodInfo, usesGroup } from './catalog';
import { ADDED_FIELDS, FIELDS, PRESETS, validateConfig, type TrainConfig } from './config';
import { LIVE_KEYS } from './liveSettings';
import { trainConfigSchema } from './schema/config';

const SWAV_FIELDS = Object.keys(FIELDS).filter((k) => FIELDS[k as keyof typeof FIELDS].group === 'swav');

describe('SwAV settings', () => {
  it('are their own group, prefixed swav, and all in ADDED_FIELDS', () => {
    expect(SWAV_FIELDS.length).toBeGreaterThanOrEqual(8);
    for (const k of SWAV_FIELDS) {
      expect(k.startsWith('swav')).toBe(true);
      expect(ADDED_FIELDS).toContain(k);
      expect(FIELDS[k as keyof typeof FIELDS].help.length).toBeGreaterThan(20);
    }
    expect(usesGroup(methodInfo('swav'), 'swav')).toBe(true);
    expect(usesGroup(methodInfo('hexa-swav'), 'swav')).toBe(true);
    expect(usesGroup(methodInfo('moco-v2'), 'swav')).toBe(false);
    expect(usesGroup(methodInfo('swav'), 'deepcluster')).toBe(false);
    // The step reads these afresh each step: they may change while a run is paused.
    expect(LIVE_KEYS).toEqual(
      expect.arrayContaining(['swavTemperature', 'swavEpsilon', 'swavSinkhornIters']),
    );
  });

  it('a config stored before they existed parses with their defaults; another missing field still fails', () => {
    const current: TrainConfig = { ...PRESETS.tiny.config, method: 'moco-v2' };
    const old: Partial<TrainConfig> = { ...current };
    for (const k of SWAV_FIELDS) delete old[k as keyof TrainConfig];
    const parsed = trainConfigSchema.parse(old);
    expect(parsed).toEqual(current);
    expect(validateConfig(parsed)).toEqual([]);
    const broken: Partial<TrainConfig> = { ...old };
    delete broken.lr;
    expect(trainConfigSchema.safeParse(broken).success).toBe(false);
  });

  it('a SwAV config validates, and a bad value names the setting', () => {
    const c: TrainConfig = { ...PRESETS.tiny.config, method: 'swav' };
    expect(validateConfig(c)).toEqual([]);
    const bad = validateConfig({ ...c, swavPrototypes: 1 });
    expect(bad).toEqual([{ field: 'swavPrototypes', message: expect.stringContaining('Prototypes K') }]);
  });
});

import { describe, expect, it } from 'vitest';
import { PRESETS } from '../shared/config';
import { nearestPreset, presetDistance } from './nearestPreset';

describe('nearestPreset', () => {
  it("a Tiny run's config is Tiny, whatever the form showed before (the bare address is Small GPU)", () => {
    const tiny = { ...PRESETS.tiny.config, method: 'hexa-moco' as const, seed: 3, datasetId: 'fractals-x' };
    expect(presetDistance(tiny, 'tiny')).toBe(0);
    expect(presetDistance(tiny, 'small-gpu')).toBeGreaterThan(0);
    expect(nearestPreset(tiny, 'small-gpu')).toBe('tiny');
    expect(nearestPreset(tiny, 'resnet')).toBe('tiny');
  });

  it('a run duplicated with a few changes stays with its preset; a tie keeps the current one', () => {
    const changed = { ...PRESETS.tiny.config, lr: 0.5, epsilon: 8 };
    expect(nearestPreset(changed, 'small-gpu')).toBe('tiny');
    expect(nearestPreset({ ...PRESETS['small-gpu'].config }, 'small-gpu')).toBe('small-gpu');
    expect(nearestPreset({ ...PRESETS.resnet.config }, 'tiny')).toBe('resnet');
  });
});

import { describe, expect, it } from 'vitest';
import { PRESETS } from '../config';
import {
  augmentationDefaults,
  differsFromDatasetAugmentation,
  imageKind,
  withDatasetAugmentation,
} from './augmentationDefaults';

describe('augmentation defaults per dataset', () => {
  it('digits: no flip, crops of at least half; clothes and fractals: flips', () => {
    expect(imageKind('mnist')).toBe('digits');
    expect(augmentationDefaults('mnist')).toMatchObject({
      flipProb: 0,
      cropScaleMin: 0.5,
      jitterProb: 0,
      blurProb: 0,
    });
    expect(augmentationDefaults('fashion-mnist')).toMatchObject({
      kind: 'clothes',
      flipProb: 0.5,
      jitterProb: 0.8,
      blurProb: 0.2,
    });
    expect(augmentationDefaults('fractals-10x60-16-s1')).toMatchObject({ kind: 'fractals', flipProb: 0.5 });
    expect(augmentationDefaults('my-photos')).toMatchObject({ kind: 'images', flipProb: 0.5 });
  });

  it('the presets (on MNIST) carry the digits defaults; choosing a dataset applies its own', () => {
    for (const p of Object.values(PRESETS)) {
      expect(p.config.datasetId).toBe('mnist');
      expect(p.config).toMatchObject({ flipProb: 0, cropScaleMin: 0.5, jitterProb: 0, blurProb: 0 });
    }
    const c = withDatasetAugmentation(PRESETS.tiny.config, 'fashion-mnist');
    expect(c).toEqual({
      ...PRESETS.tiny.config,
      datasetId: 'fashion-mnist',
      flipProb: 0.5,
      cropScaleMin: 0.3,
      jitterProb: 0.8,
      blurProb: 0.2,
    });
    expect(differsFromDatasetAugmentation(c)).toBe(false);
    expect(differsFromDatasetAugmentation({ ...c, blurProb: 0 })).toBe(true);
  });
});

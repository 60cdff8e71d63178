// The step-cost count through Trainer.run(), in Node on the tfjs CPU backend (no GPU counters there:
// the counts are null, the times and the windows are real).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../src/shared/config';
import { useCpu } from '../src/engine/testing/fixtures';
import { countSteps } from './counters';
import { Rig } from './rig';

beforeAll(useCpu);

describe('countSteps', () => {
  it('counts read-back windows of Trainer.run() resumed from the rig, leaves out epoch starts, frees everything', async () => {
    // 128 of the synthetic images, batch 16: 8 steps per epoch. The rig trains 5 MoCo-v2 steps; windows
    // of 3 steps then end at steps 6 (a short warm-up window), 9 (it holds step 9, an epoch start: left
    // out) and 12 (counted).
    const cfg = { ...PRESETS.tiny.config, method: 'hexa-moco' as const, batchSize: 16, trainLimit: 128 };
    const rig = new Rig(cfg);
    try {
      rig.hardExamples(false);
      expect(rig.trainer.sampler.stepsPerEpoch).toBe(8);
      for (let i = 0; i < 5; i++) await rig.step(false);
      await rig.readMetrics();
      const tensors = tf.memory().numTensors;
      const c = await countSteps(rig, 3);
      expect(c).toMatchObject({
        countedSteps: 3,
        windowSteps: 3,
        windowsLeftOut: 1,
        dispatchesPerStep: null, // CPU backend
        readbacksPerWindow: null,
        uploadKinds: null,
        dispatchKinds: null,
      });
      expect(c.enqueueMsPerStep).toBeGreaterThan(0);
      expect(c.msPerStep).toBeGreaterThanOrEqual(c.enqueueMsPerStep);
      expect(c.imagesPerSec).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(rig.trainer.step).toBe(5); // the rig's own trainer is untouched
    } finally {
      rig.dispose();
    }
  });
});

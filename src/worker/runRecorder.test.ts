import { describe, expect, it } from 'vitest';
import { PRESETS } from '../shared/config';
import { openTestRunStore } from '../engine/testing/testDb';
import { distinctRunName, RunRecorder } from './runRecorder';

describe('run names', () => {
  it('a base name already taken gets the first free (k) suffix', () => {
    expect(distinctRunName('MoCo-v2 on MNIST', [])).toBe('MoCo-v2 on MNIST');
    expect(distinctRunName('MoCo-v2 on MNIST', ['MoCo-v2 on MNIST'])).toBe('MoCo-v2 on MNIST (2)');
    expect(
      distinctRunName('MoCo-v2 on MNIST', ['MoCo-v2 on MNIST', 'MoCo-v2 on MNIST (2)', 'first try']),
    ).toBe('MoCo-v2 on MNIST (3)');
  });

  it('a run started from a duplicate gets a name distinct from its original', async () => {
    const store = await openTestRunStore();
    const cfg = PRESETS.tiny.config;
    const first = await RunRecorder.create(store, cfg, 'MoCo-v2 on MNIST', 36, () => {});
    const second = await RunRecorder.create(store, { ...cfg, epsilon: 8 }, 'MoCo-v2 on MNIST', 36, () => {});
    expect((await store.getRun(first.runId))!.name).toBe('MoCo-v2 on MNIST');
    expect((await store.getRun(second.runId))!.name).toBe('MoCo-v2 on MNIST (2)');
  });
});

// DeepCluster-v2 and HEXA-DCluster: re-clustering at the epoch boundary fills the clusters panel.
import { expect, test } from '@playwright/test';
import { LabPage, ON_WASM, SMALL } from './labPage';

// HEXA-DCluster drives the WebGPU path (its steps run DeepCluster-v2's and more); DeepCluster-v2 runs on
// wasm, where the same panels fill in seconds.
const BACKEND = { 'deepcluster-v2': 'wasm', 'hexa-dcluster': 'webgpu' } as const;

for (const method of ['deepcluster-v2', 'hexa-dcluster'] as const) {
  test(`a tiny ${method} run re-clusters at the epoch boundary and fills the clusters panel`, async ({
    page,
  }) => {
    test.setTimeout(480_000); // prepare + k-means + HEXA steps on a CPU-emulated GPU
    const lab = new LabPage(page);
    // 16 images, batch 8: an epoch is 2 steps, so two epochs pass a re-clustering.
    const onWasm = BACKEND[method] === 'wasm' ? `${ON_WASM}&` : '';
    await lab.open(`${onWasm}${SMALL}&method=${method}&trainLimit=16&epochs=2&readbackEvery=1`);
    await lab.waitForDataset();
    await expect(lab.testId('backend-name')).toHaveText(BACKEND[method]);
    await expect(lab.testId('field-clusterCount')).toHaveValue('4');
    await lab.testId('start-button').click();
    await expect(lab.testId('run-phase')).toHaveText('done', { timeout: 400_000 });

    // Clustered before the first step and again at the start of epoch 2.
    await expect(lab.testId('cluster-stats')).toHaveAttribute('data-round', '2');
    await expect(lab.testId('cluster-stats')).toContainText('16 images in 4 clusters');
    await expect(lab.testId('cluster-stats')).toContainText('NMI');
    expect(Number(await lab.testId('cluster-sizes').getAttribute('data-bars'))).toBe(4);
    expect(await lab.testId('cluster-strip').count()).toBeGreaterThan(0);
    expect(await lab.canvasSpread('cluster-member')).toBeGreaterThan(5);

    const s = await lab.state();
    expect(s.run.steps).toEqual([1, 2, 3, 4]);
    await expect
      .poll(async () => Number(await lab.testId('probe-chart').getAttribute('data-points')))
      .toBeGreaterThanOrEqual(4);
    // No leak: flat from the first evaluation on (after step 2; until then the trainer holds a copy of
    // the step-0 network, which that evaluation scores with the baselines and frees).
    expect(new Set(s.run.numTensors.slice(2)).size).toBe(1);
    expect(s.run.numTensors[1]!).toBeGreaterThan(s.run.numTensors[2]!);
    if (method === 'hexa-dcluster') {
      // The HEXA-MoCo panels work unchanged, in cluster terms.
      await expect(lab.testId('adv-row').first()).toContainText('assigned cluster');
      await expect(lab.testId('mix-label').first()).toContainText('× cluster');
      expect(await lab.canvasSpread('adv-view')).toBeGreaterThan(5);
      expect(s.run.metrics.at(-1)!.flip_rate).toBeGreaterThanOrEqual(0);
    }
  });
}

// SwAV and HEXA-SwAV on WebGPU (SwiftShader): multi-crop steps advance, the common panels fill, the
// settings form shows SwAV's own group (and not MoCo's or DeepCluster's), no page errors. HEXA-SwAV's
// adversarial and cut-mix panels speak of prototypes.
import { expect, test } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

for (const method of ['swav', 'hexa-swav'] as const) {
  test(`a tiny ${method} run trains on multi-crop views and fills its panels`, async ({ page }) => {
    test.setTimeout(180_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const lab = new LabPage(page);
    // 2 large 16-px views and 2 small 8-px views a step (the link asks for the small views: the default
    // has none since the Tiny-budget measurements), batch 8, read back every step.
    await lab.open(`${SMALL}&method=${method}&readbackEvery=1&swavPrototypes=10&swavSmallCrops=2`);
    await lab.waitForDataset();
    await expect(lab.testId('backend-name')).toHaveText('webgpu');
    await expect(lab.testId('method-select')).toHaveValue(method);
    await expect(lab.testId('method-help')).toContainText(method === 'swav' ? 'Sinkhorn-Knopp' : 'SwAV plus');
    // Its own settings group, with the value from the link; other families' groups hidden.
    await expect(lab.testId('field-swavPrototypes')).toHaveValue('10');
    await expect(lab.testId('field-swavSmallCrops')).toHaveValue('2');
    await expect(lab.testId('field-clusterCount')).toHaveCount(0);
    await expect(lab.testId('field-queueSize')).toHaveCount(0);

    await lab.testId('start-button').click();
    await lab.waitForReadbacks(3);
    const s = await lab.state();
    expect(s.run.steps.slice(0, 3)).toEqual([1, 2, 3]);
    for (const m of s.run.metrics) expect(Number.isFinite(m.loss_clean)).toBe(true);
    await expect
      .poll(async () => Number(await lab.testId('loss-chart').getAttribute('data-points')))
      .toBeGreaterThanOrEqual(3);
    await expect
      .poll(async () => Number(await lab.testId('probe-chart').getAttribute('data-points')))
      .toBeGreaterThanOrEqual(1);
    // No leak between read-backs (no evaluation yet in the first epoch).
    expect(new Set(s.run.numTensors.slice(1)).size).toBe(1);
    if (method === 'hexa-swav') {
      const m = s.run.metrics.at(-1)!;
      for (const k of ['loss_adv', 'loss_mix', 'flip_rate', 'lambda']) expect(m[k]).toBeDefined();
      await expect(lab.testId('adv-row').first()).toContainText('assigned prototype');
      await expect(lab.testId('mix-label').first()).toContainText('× prototype');
      expect(await lab.canvasSpread('adv-view')).toBeGreaterThan(5);
      expect(await lab.canvasSpread('mix-view')).toBeGreaterThan(5);
    }
    await lab.testId('stop-button').click();
    expect(errors).toEqual([]);
  });
}

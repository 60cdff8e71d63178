// SimCLR and HEXA-SimCLR: picked from the method picker with their help and their own settings group,
// a tiny run on WebGPU (SwiftShader) whose steps advance, its panels non-blank, no page errors.
import { expect, test } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

for (const method of ['simclr', 'hexa-simclr'] as const) {
  test(`a tiny ${method} run trains on WebGPU and fills its panels`, async ({ page }) => {
    test.setTimeout(180_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const lab = new LabPage(page);
    await lab.open(SMALL);
    await lab.waitForDataset();
    await expect(lab.testId('backend-name')).toHaveText('webgpu');
    // Chosen in the picker: its help, its own τ (SimCLR group), none of MoCo's or DeepCluster's fields.
    await lab.testId('method-select').selectOption(method);
    await expect(lab.testId('method-help')).toContainText(
      method === 'simclr' ? 'without a queue or a momentum encoder' : 'SimCLR plus hard views',
    );
    await expect(lab.testId('field-simclrTemperature')).toHaveValue('0.2');
    await expect(lab.testId('field-queueSize')).toHaveCount(0);
    await expect(lab.testId('field-clusterCount')).toHaveCount(0);
    // The one-click ablation: plain, each generator alone (more if generators are added), all of them.
    await expect(lab.testId('ablation')).toContainText('SimCLR, +adversarial, +cut-mix');
    await expect(lab.testId('ablation')).toContainText('HEXA-SimCLR');

    await lab.testId('start-button').click();
    await lab.waitForReadbacks(2);
    await expect
      .poll(async () => Number(await lab.testId('loss-chart').getAttribute('data-points')))
      .toBeGreaterThanOrEqual(2);
    const s = await lab.state();
    expect(s.run.steps.slice(0, 2)).toEqual([2, 4]);
    const m = s.run.metrics.at(-1)!;
    expect(Number.isFinite(m.loss)).toBe(true);
    expect(m.pretext_acc).toBeGreaterThanOrEqual(0);
    // The views panel shows real images.
    expect(await lab.canvasSpread('view-query')).toBeGreaterThan(5);
    if (method === 'hexa-simclr') {
      expect(m.loss).toBeCloseTo(m.loss_clean! + m.loss_adv! + m.loss_mix!, 3);
      // The panels speak of SimCLR's pseudo-label as a key (labelKind 'key').
      await expect(lab.testId('adversarial-panel')).toContainText('positive key: rank, logit');
      await expect(lab.testId('mix-label').first()).toContainText('× key');
      expect(await lab.canvasSpread('adv-view')).toBeGreaterThan(5);
      expect(await lab.canvasSpread('mix-view')).toBeGreaterThan(5);
    } else {
      expect(m.loss_adv).toBeUndefined();
      await expect(lab.testId('adversarial-panel')).toHaveCount(0);
    }
    await lab.testId('pause-button').click();
    await expect(lab.testId('run-phase')).toHaveText('paused', { timeout: 60_000 });
    expect(errors).toEqual([]);
  });
}

// The e2e check shared by the regression methods (BYOL, LeJEPA): a tiny run on WebGPU (SwiftShader)
// whose steps advance, whose panels fill, that says why no hard examples apply, and that is saved.
import { expect, type Page } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

export async function regressionRun(
  page: Page,
  method: 'byol' | 'lejepa',
  label: string,
  ownField: string, // a setting of its own group (shown) …
  helpText: RegExp,
): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open(`${SMALL}&method=${method}`);
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('webgpu');
  await expect(lab.testId('method-select')).toHaveValue(method);
  await expect(lab.testId('method-help')).toContainText(helpText);
  await expect(lab.testId('method-help')).toContainText('no pseudo-label');
  // No generator composes with it, and the form says why (the hover text of the line).
  await expect(lab.testId('method-generators')).toHaveText('Hard examples: none.');
  await expect(lab.testId('method-generators')).toHaveAttribute('title', /pseudo-label/);
  // Its own settings group is shown; MoCo's and the hard-example settings are not.
  await expect(lab.testId(`field-${ownField}`)).toHaveCount(1);
  await expect(lab.testId('field-queueSize')).toHaveCount(0);
  await expect(lab.testId('field-epsilon')).toHaveCount(0);

  await lab.testId('start-button').click();
  await lab.waitForReadbacks(3);
  const s = await lab.state();
  expect(s.run.steps.slice(0, 3)).toEqual([2, 4, 6]);
  const m = s.run.metrics.at(-1)!;
  for (const k of ['loss', 'loss_clean', 'pretext_acc', 'pos_logit', 'emb_std'])
    expect(Number.isFinite(m[k]), k).toBe(true);
  expect(m.loss_adv).toBeUndefined();
  await expect
    .poll(async () => Number(await lab.testId('loss-chart').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(3);
  await expect
    .poll(async () => Number(await lab.testId('probe-chart').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(1);
  expect(await lab.canvasSpread('view-query', 0)).toBeGreaterThan(5);
  expect(await lab.canvasSpread('view-key', 0)).toBeGreaterThan(5);
  await expect(lab.testId('gallery-loss-item').first()).toBeVisible();
  expect(await lab.canvasSpread('gallery-loss-image')).toBeGreaterThan(5);
  await expect(lab.testId('adversarial-panel')).toHaveCount(0);

  await lab.testId('stop-button').click();
  await expect(lab.testId('run-phase')).toHaveText('stopped', { timeout: 60_000 });
  const row = lab.testId('run-row').first();
  await expect(row).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  await expect(row).toContainText(label);
  expect(errors).toEqual([]);
}

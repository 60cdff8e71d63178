// HEXA-MoCo: the adversarial and cut-mix panels fill with real images while training runs.
import { expect, test } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

test('a tiny HEXA-MoCo run shows adversarial and cut-mixed queries live', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open(SMALL + '&method=hexa-moco');
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('webgpu');
  await expect(lab.testId('method-select')).toHaveValue('hexa-moco');
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(3);

  // The flip-rate chart gains points; the metrics carry every loss term.
  await expect
    .poll(async () => Number(await lab.testId('hard-chart').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(3);
  const s = await lab.state();
  const m = s.run.metrics.at(-1)!;
  for (const k of ['loss', 'loss_clean', 'loss_adv', 'loss_mix', 'flip_rate', 'lambda'])
    expect(m[k]).toBeDefined();
  expect(m.loss).toBeCloseTo(m.loss_clean! + m.loss_adv! + m.loss_mix!, 3);
  expect(m.lambda).toBeGreaterThanOrEqual(0.5);

  // Adversarial panel: clean, perturbation and adversarial views are non-blank images.
  await expect(lab.testId('adv-row')).toHaveCount(4);
  expect(await lab.canvasSpread('adv-clean')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('adv-delta')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('adv-view')).toBeGreaterThan(5);
  await expect(lab.testId('adv-scale')).toContainText('ε = 4.0/255');
  // Cut-mix panel: own, partner and mixed views, with λ and the partner named.
  await expect(lab.testId('mix-row')).toHaveCount(4);
  expect(await lab.canvasSpread('mix-view')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('mix-partner')).toBeGreaterThan(5);
  await expect(lab.testId('mix-label').first()).toContainText('λ = 0.');

  // Scrub back to an earlier preview.
  await lab.testId('preview-slider').fill('0');
  await expect(lab.testId('preview-live')).toHaveText('back to live');

  // Tensors do not leak.
  expect(new Set(s.run.numTensors.slice(1)).size).toBe(1);

  // Settings changed mid-run: pause, raise ε and lower the learning rate, apply, resume.
  await lab.testId('preview-live').click();
  await lab.testId('pause-button').click();
  await expect(lab.testId('run-phase')).toHaveText('paused', { timeout: 60_000 });
  await expect(lab.testId('live-settings-help')).toContainText('Apply to this run');
  await expect(lab.testId('field-batchSize')).toBeDisabled(); // fixed for the run
  await expect(lab.testId('method-select')).toBeDisabled();
  await lab.testId('field-epsilon').fill('8');
  await page.locator('summary', { hasText: 'optimiser' }).click(); // a closed group of the form
  await lab.testId('field-lr').fill('0.01');
  const apply = lab.testId('apply-settings-button');
  await expect(apply).toContainText('ε (/255) 4 → 8');
  await expect(apply).toContainText('Learning rate 0.06 → 0.01');
  const pausedAt = (await lab.state()).run.steps.at(-1)!;
  await apply.click();
  await expect(apply).toHaveCount(0); // applied: the form and the run agree
  // Every chart of the run marks the step.
  for (const chart of ['loss-chart', 'probe-chart', 'hard-chart'])
    await expect(lab.testId(chart)).toHaveAttribute('data-markers', '1');
  await expect(lab.testId('loss-chart')).toHaveAttribute(
    'title',
    `step ${pausedAt}: Learning rate 0.06 → 0.01, ε (/255) 4 → 8`,
  );
  await lab.testId('resume-button').click();
  // The adversarial views are now drawn within the new budget.
  await expect(lab.testId('adv-scale')).toContainText('ε = 8.0/255', { timeout: 120_000 });
  await lab.testId('stop-button').click();
  await expect(lab.testId('run-phase')).toHaveText('stopped', { timeout: 60_000 });

  // The change is saved with the run, listed in its row and marked on the comparison charts too.
  await expect(lab.testId('run-events').first()).toContainText('1 settings change');
  await lab.testId('run-row').first().getByTestId('run-compare').check();
  await expect(lab.testId('compare-chart-loss')).toHaveAttribute('data-markers', '1');
  // The linear probe ran at step 0 only (stopped within the first epoch): a chart whose points all lie at
  // one step has no room for a marker at a later step, so none is drawn (not one at step 0).
  const linear = lab.testId('compare-chart-linear');
  if ((await linear.getAttribute('data-points')) === '1')
    await expect(linear).toHaveAttribute('data-markers', '0');
  await expect(lab.testId('summary-midrun')).toHaveCount(1);

  // Duplicate with changes: the run's starting settings load into the form (ε back to 4, the link
  // too); run it again with ε = 8/255 from the start.
  await lab.testId('run-row').first().getByTestId('run-duplicate').click();
  await expect(lab.testId('field-epsilon')).toHaveValue('4');
  await expect(lab.testId('method-select')).toHaveValue('hexa-moco');
  expect(page.url()).not.toContain('epsilon=8'); // the link holds what differs from the preset
  await lab.testId('field-epsilon').fill('8');
  expect(page.url()).toContain('epsilon=8');
  await lab.testId('start-button').click();
  await expect(lab.testId('run-row')).toHaveCount(2);
  await expect(lab.testId('run-status').first()).toHaveText('running');
  await lab.testId('stop-button').click();
  await expect(lab.testId('run-phase')).toHaveText('stopped', { timeout: 120_000 });
  expect(lab.badReplies).toEqual([]); // every reply of the run passed the page's reply schema
});

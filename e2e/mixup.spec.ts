// Mix-up hard examples: a tiny HEXA-MoCo run with only mix-up on (the '+mix-up' ablation arm) fills the
// mix-up panel with real blended images, λ and the mixed label, charts its loss and mean λ, and puts the
// most mixed mix-ups in the hard-example gallery.
import { expect, test } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

test('a tiny HEXA-MoCo run with mix-up shows mixed-up queries live', async ({ page }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open(SMALL + '&method=hexa-moco&adversarial=false&cutmix=false&mixup=true');
  await lab.waitForDataset();
  await expect(lab.testId('method-select')).toHaveValue('hexa-moco');
  await expect(lab.testId('field-mixup')).toBeChecked();
  await expect(lab.testId('mixup-panel')).toContainText('Appears once');
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(2);

  // Steps advance; the metrics carry the mix-up loss term and mean λ, not the generators that are off.
  await expect
    .poll(async () => Number(await lab.testId('hard-chart').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(2);
  const s = await lab.state();
  expect(s.run.steps.at(-1)!).toBeGreaterThan(s.run.steps[0]!);
  const m = s.run.metrics.at(-1)!;
  for (const k of ['loss', 'loss_clean', 'loss_mixup', 'lambda_mixup']) expect(m[k]).toBeDefined();
  expect(m.loss_adv).toBeUndefined();
  expect(m.loss_mix).toBeUndefined();
  expect(m.loss).toBeCloseTo(m.loss_clean! + m.loss_mixup!, 3);
  expect(m.lambda_mixup).toBeGreaterThan(0);
  expect(m.lambda_mixup).toBeLessThan(1);

  // Mix-up panel: own, partner and mixed views are non-blank images, with λ and the mixed label.
  await expect(lab.testId('mixup-row')).toHaveCount(4);
  expect(await lab.canvasSpread('mixup-own')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('mixup-partner')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('mixup-view')).toBeGreaterThan(5);
  await expect(lab.testId('mixup-label').first()).toContainText(
    /λ = [01]\.\d\d: [01]\.\d\d × key of sample 0/,
  );
  // The generators that are off say so.
  await expect(lab.testId('cutmix-panel')).toContainText('off for this method or setting');

  // The hard-example gallery has a mix-up section (from its descriptor): own, partner and mixed images,
  // λ; no section for the generators that are off.
  await expect(lab.testId('gallery-mixup-item').first()).toBeVisible();
  expect(await lab.canvasSpread('gallery-mixup-own')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('gallery-mixup-partner')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('gallery-mixup-view')).toBeGreaterThan(5);
  await expect(lab.testId('gallery-mixup-caption').first()).toHaveText(/^λ = [01]\.\d\d$/);
  await expect(lab.testId('gallery-mixup-item').first()).toContainText('mixed');
  await expect(lab.testId('gallery-adv-section')).toHaveCount(0);
  await expect(lab.testId('gallery-mix-section')).toHaveCount(0);
  // Its items are ranked most mixed first: λ closest to 0.5 (|λ − 0.5| in hundredths, as shown, so a
  // rounding tie may swap by one).
  const captions = await lab.testId('gallery-mixup-caption').allTextContents();
  const spread = captions.map((t) => Math.abs(Math.round(Number(t.slice(4)) * 100) - 50));
  for (let i = 1; i < spread.length; i++) expect(spread[i - 1]!).toBeLessThanOrEqual(spread[i]! + 1);
  // A mixed view asks for its neighbours like any gallery image.
  await lab.testId('gallery-mixup-view-pick').first().click();
  await expect(lab.testId('neighbours')).toContainText('(mixed)');

  await lab.testId('stop-button').click();
  await expect(lab.testId('run-phase')).toHaveText('stopped', { timeout: 60_000 });
  expect(errors).toEqual([]);
});

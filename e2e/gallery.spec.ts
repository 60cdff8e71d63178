// Hard-example gallery and embedding view: a tiny HEXA-MoCo run (2 epochs of 2 steps) fills the gallery
// with real images, a click shows 8 neighbours, and the embedding view has points in PCA and UMAP.
import { expect, test } from '@playwright/test';
import { LabPage, ON_WASM, SMALL } from './labPage';

test('the gallery keeps hard examples, finds neighbours, and the embedding view projects', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.open(ON_WASM + '&' + SMALL + '&method=hexa-moco&trainLimit=16&epochs=2');
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('wasm'); // the link's backend
  await expect(lab.testId('method-select')).toHaveValue('hexa-moco');
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(1);

  // (a) highest-loss views, (b) adversarial, (c) cut-mixes: non-blank images.
  await expect(lab.testId('gallery-loss-item').first()).toBeVisible();
  expect(await lab.canvasSpread('gallery-loss-image')).toBeGreaterThan(5);
  await expect(lab.testId('gallery-adv-item').first()).toBeVisible();
  expect(await lab.canvasSpread('gallery-adv-clean')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('gallery-adv-delta')).toBeGreaterThan(5);
  expect(await lab.canvasSpread('gallery-adv-view')).toBeGreaterThan(5);
  await expect(lab.testId('gallery-mix-item').first()).toBeVisible();
  expect(await lab.canvasSpread('gallery-mix-view')).toBeGreaterThan(5);
  await expect(lab.testId('gallery-loss-item').first()).toContainText('#');
  await expect(lab.testId('gallery-mix-caption').first()).toHaveText(/^λ = [01]\.\d\d$/);
  // Mix-up is off in HEXA-MoCo as published: no section of its own.
  await expect(lab.testId('gallery-mixup-section')).toHaveCount(0);

  // The embedding after the first epoch (evaluations: at step 0, after epoch 1, at the end).
  await page.waitForFunction(() => window.__hexa.state().run.evals >= 2, null, { timeout: 120_000 });
  const view = lab.testId('embedding-view');
  await expect(view).toHaveAttribute('data-mode', 'pca');
  // The projection follows its evaluation point (the step-0 point has none): wait for it.
  await expect.poll(async () => Number(await view.getAttribute('data-points'))).toBeGreaterThan(10);
  await expect(view.locator('.scatter-point').first()).toBeVisible();
  await lab.testId('embedding-mode-umap').check();
  await expect(view).toHaveAttribute('data-mode', 'umap');
  expect(Number(await view.getAttribute('data-points'))).toBeGreaterThan(10);
  await expect(view.locator('.scatter-point').first()).toBeVisible();

  // Clicking an item shows its 8 nearest held-out images (works during and after the run).
  await lab.testId('gallery-loss-image-pick').first().click();
  await expect(lab.testId('neighbour')).toHaveCount(8);
  await expect(lab.testId('neighbours')).toHaveAttribute('data-count', '8');
  expect(await lab.canvasSpread('neighbour-image')).toBeGreaterThan(5);
  await expect(lab.testId('neighbour').first()).toContainText('0.');
  await lab.testId('gallery-adv-view-pick').first().click();
  await expect(lab.testId('neighbours')).toContainText('adversarial');
  await expect(lab.testId('neighbour')).toHaveCount(8);

  await expect(lab.testId('run-phase')).toHaveText('done', { timeout: 120_000 });
  const s = await lab.state();
  expect(s.run.error).toBeNull();
  expect(new Set(s.run.numTensors.slice(1)).size).toBeLessThanOrEqual(1); // no leak across read-backs
});

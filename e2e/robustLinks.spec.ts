// Nothing a user opens can break the lab: links with unknown ids or huge values, long names, and a panel
// that throws. Each is named on the page, replaced by a default where it applies, and the rest of the
// lab keeps working.
import { expect, test, type Page } from '@playwright/test';
import { METHOD_INFO } from '../src/shared/catalog';
import { METHOD_IDS, PRESETS } from '../src/shared/config';
import { LabPage, SMALL } from './labPage';

const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('a link with an unknown method or backbone names it and uses the default; the lab still trains', async ({
  page,
}) => {
  const errors = watchErrors(page);
  const lab = new LabPage(page);
  await lab.open(SMALL + '&method=simsiam&backbone=vit-huge');
  await expect(lab.testId('link-errors')).toContainText(
    'Method "simsiam" in the link is not one of MoCo-v2 (moco-v2), HEXA-MoCo (hexa-moco), DeepCluster-v2 (deepcluster-v2), HEXA-DCluster (hexa-dcluster)',
  );
  // Every built-in method is named, the ones added later too.
  for (const id of METHOD_IDS)
    await expect(lab.testId('link-errors')).toContainText(`${METHOD_INFO[id].label} (${id})`);
  await expect(lab.testId('link-errors')).toContainText('; using MoCo-v2.');
  await expect(lab.testId('link-errors')).toContainText(
    'Backbone "vit-huge" in the link is not one of Tiny ConvNet (tiny-convnet), Small ResNet (small-resnet); using Tiny ConvNet.',
  );
  await expect(lab.testId('method-select')).toHaveValue('moco-v2');
  await lab.waitForDataset();
  await expect(lab.testId('start-button')).toBeEnabled();
  expect(errors).toEqual([]);
});

test('a link to a dataset that is not stored says so and offers the stored ones', async ({ page }) => {
  const errors = watchErrors(page);
  const lab = new LabPage(page);
  await lab.open(SMALL + '&datasetId=my-photos');
  await expect(lab.testId('dataset-missing')).toContainText(
    'The dataset “my-photos” is not stored in this browser. Train on one of the stored datasets instead:',
    { timeout: 120_000 },
  );
  await expect(lab.testId('start-button')).toBeDisabled();
  await lab.testId('dataset-use').filter({ hasText: 'MNIST' }).click();
  await lab.waitForDataset();
  await expect(lab.testId('start-button')).toBeEnabled();
  expect(page.url()).toContain('preset=tiny'); // the link now holds the stored dataset
  expect(page.url()).not.toContain('my-photos');
  expect(errors).toEqual([]);
});

test('4 kB values in a link are shortened in the message and the page keeps its width', async ({ page }) => {
  const errors = watchErrors(page);
  const lab = new LabPage(page);
  // 4,000 characters each: vite preview, like many servers, refuses request lines over 16 kB.
  const huge = 'x'.repeat(4_000);
  await lab.open(`${SMALL}&lr=${huge}&method=${huge}&datasetId=${huge}`);
  const box = lab.testId('link-errors');
  await expect(box).toContainText(
    `Setting "lr" in the link is not a number: "${'x'.repeat(40)}… (4,000 characters)".`,
  );
  expect((await box.textContent())!.length).toBeLessThan(1000);
  await lab.waitForDataset(); // the over-long dataset id was replaced by mnist
  expect(await pageWidth(page)).toBeLessThanOrEqual(page.viewportSize()!.width);
  expect(errors).toEqual([]);
});

test('names: run names are capped at 80 like dataset names; long names wrap; the run error clears', async ({
  page,
}) => {
  const errors = watchErrors(page);
  const lab = new LabPage(page);
  await lab.open(SMALL);
  await lab.waitForDataset();
  const run = {
    id: 'r',
    name: 'short',
    createdAt: 1,
    updatedAt: 1,
    config: PRESETS.tiny.config,
    datasetId: 'mnist',
    status: 'done',
    step: 0,
    totalSteps: 36,
    metrics: [],
    evals: [],
    events: [],
    tags: [],
  };
  await lab.testId('run-import').setInputFiles({
    name: 'r.run.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ format: 'hexa-lab-run/1', run })),
  });
  const row = lab.testId('run-row').first();
  await expect(row).toBeVisible();
  const id = (await row.getAttribute('data-id'))!;

  // The form stops at 80 characters; the worker refuses longer names sent any other way.
  await row.getByTestId('run-rename').click();
  await lab.testId('run-edit-input').fill('r'.repeat(10_000));
  await expect(lab.testId('run-edit-input')).toHaveValue('r'.repeat(80));
  await page.evaluate(
    (runId) => window.__hexa.runAction(runId, { kind: 'rename', name: 'r'.repeat(10_000) }),
    id,
  );
  await expect(lab.testId('run-error')).toHaveText('Run names are at most 80 characters.');
  // An empty name is refused too; a later successful action clears the box.
  await lab.testId('run-edit-input').fill(' ');
  await lab.testId('run-edit-save').click();
  await expect(lab.testId('run-error')).toHaveText('A run needs a name.');
  await row.getByTestId('run-rename').click();
  await lab.testId('run-edit-input').fill('w'.repeat(80));
  await lab.testId('run-edit-save').click();
  await expect(lab.testId('run-name').first()).toHaveText('w'.repeat(80));
  await expect(lab.testId('run-error')).toHaveCount(0);

  // An 80-character dataset name (and run name, and tag) wraps inside its panel.
  await lab.testId('dataset-rename').first().click();
  await lab.testId('rename-input').fill('d'.repeat(200));
  await expect(lab.testId('rename-input')).toHaveValue('d'.repeat(80));
  await lab.testId('rename-save').click();
  await expect(lab.testId('dataset-name').first()).toHaveText('d'.repeat(80));
  await row.getByTestId('run-tags').click();
  await lab.testId('run-edit-input').fill(`${'t'.repeat(100)}, <b>bold</b>`);
  await lab.testId('run-edit-save').click();
  await expect(lab.testId('run-tag')).toHaveText(['t'.repeat(40), '<b>bold</b>']); // shown as text
  for (const panel of ['dataset-panel', 'runs-panel']) {
    const overflow = await lab.testId(panel).evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow, panel).toBeLessThanOrEqual(0);
  }
  expect(await pageWidth(page)).toBeLessThanOrEqual(page.viewportSize()!.width);
  // Still true: nothing is kept in localStorage, sessionStorage or cookies.
  expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  expect(await page.context().cookies()).toEqual([]);
  expect(errors).toEqual([]);
});

test('a panel that throws shows what happened and a way back; the rest of the lab keeps working', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.open(SMALL + '&epochs=2');
  await lab.waitForDataset();
  await page.evaluate(() => window.__hexa.crashPanel('Saved runs'));
  const broken = lab.testId('panel-error');
  await expect(broken).toHaveAttribute('data-panel', 'Saved runs');
  await expect(broken).toContainText('Saved runs: this panel stopped working');
  await expect(broken).toContainText('Test crash of the panel "Saved runs"');
  await expect(lab.testId('runs-panel')).toHaveCount(0);
  // Every other panel still works.
  await expect(lab.testId('settings-panel')).toBeVisible();
  await expect(lab.testId('dataset-panel')).toBeVisible();
  await lab.testId('field-batchSize').fill('16');
  await expect(lab.testId('start-button')).toBeEnabled();
  // Try again brings the panel back.
  await broken.getByTestId('panel-retry').click();
  await expect(lab.testId('runs-panel')).toBeVisible();
  await expect(lab.testId('panel-error')).toHaveCount(0);
  // Reset settings reopens the lab without the link's settings.
  await page.evaluate(() => window.__hexa.crashPanel('Settings'));
  await lab.testId('panel-error').getByTestId('panel-reset').click();
  await expect(lab.testId('settings-panel')).toBeVisible();
  expect(page.url()).not.toContain('epochs=');
  await expect(lab.testId('field-batchSize')).toHaveValue(String(PRESETS['small-gpu'].config.batchSize));
});

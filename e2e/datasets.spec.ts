// Built-in and generated datasets: load Fashion-MNIST on demand, generate fractals, train on colour
// images, export as .zip, delete without touching the others.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { LabPage, ON_WASM, SMALL } from './labPage';

test('Fashion-MNIST loads on demand with progress and its about note', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open(`${ON_WASM}&${SMALL}`);
  await lab.waitForDataset();
  await lab.testId('load-fashion-mnist').click();
  await expect(lab.testId('dataset-notice')).toContainText('Fashion-MNIST is stored and ready to train on.', {
    timeout: 120_000,
  });
  const row = lab.testId('dataset-row').filter({ hasText: 'Fashion-MNIST' });
  await expect(row.getByTestId('dataset-facts')).toContainText(
    '60,000 train / 10,000 test · 28×28 grey · 10 classes',
  );
  // MNIST's augmentation defaults (digits: no flip), then Fashion-MNIST's own (clothes: flips).
  await expect(lab.testId('field-flipProb')).toHaveValue('0');
  await row.getByTestId('dataset-select').check();
  await expect(page).toHaveURL(/datasetId=fashion-mnist/);
  await expect(lab.testId('augmentation-defaults')).toContainText('Clothes');
  await expect(lab.testId('field-flipProb')).toHaveValue('0.5');
  await expect(lab.testId('field-cropScaleMin')).toHaveValue('0.3');
  // Edited by hand, then put back with one click.
  await lab.testId('field-flipProb').fill('0.2');
  await lab.testId('augmentation-reset').click();
  await expect(lab.testId('field-flipProb')).toHaveValue('0.5');
  await expect(lab.testId('augmentation-reset')).toHaveCount(0);
  await expect(lab.testId('about-data')).toContainText('MIT');
  const stored = await lab.storedRecords();
  expect(stored.manifests.map((m) => m.id).sort()).toEqual(['fashion-mnist', 'mnist']);
});

test('generated fractals: deterministic colour images that train, export as .zip, and delete cleanly', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.open(`${ON_WASM}&${SMALL}`);
  await lab.waitForDataset();
  const form = lab.testId('fractal-form');
  await page.getByText('Generate fractals (colour)').click();
  await form.getByTestId('fractal-classes').fill('1');
  await expect(lab.testId('fractal-issues')).toContainText('classes');
  await form.getByTestId('fractal-classes').fill('3');
  await form.getByTestId('fractal-perClass').fill('12');
  await form.getByTestId('fractal-size').selectOption('16');
  await form.getByTestId('fractal-seed').fill('5');
  await form.getByTestId('fractal-generate').click();
  await expect(lab.testId('dataset-notice')).toContainText('Generated', { timeout: 60_000 });
  const row = lab.testId('dataset-row').filter({ hasText: 'Fractals' });
  await expect(row.getByTestId('dataset-facts')).toContainText('16×16 colour · 3 classes');
  await expect(row.getByTestId('dataset-facts')).toContainText(/ · 27\.\d kB$/); // 36 × 16×16×3 bytes, not '0.0 MB'

  // Colour thumbnails per class.
  await row.getByTestId('dataset-thumbs').click();
  await expect(row.getByTestId('dataset-thumb')).toHaveCount(18);
  expect(await lab.canvasSpread('dataset-thumb', 0)).toBeGreaterThan(5);

  // Train a few steps on the colour set.
  await row.getByTestId('dataset-select').check();
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(2);
  expect(await lab.canvasSpread('view-query', 0)).toBeGreaterThan(5);
  await lab.testId('stop-button').click();
  await expect(lab.testId('run-phase')).toHaveText('stopped', { timeout: 60_000 });

  // Export: every image as a PNG under split/class, plus labels.csv.
  const download = page.waitForEvent('download');
  await row.getByTestId('dataset-export').click();
  // Named after the dataset, not its id ('fractals-…').
  expect((await download).suggestedFilename()).toBe('Fractals (3 classes × 12, 16×16, seed 5).zip');
  const file = await (await download).path();
  const files = unzipSync(new Uint8Array(readFileSync(file)));
  const pngs = Object.keys(files).filter((f) => f.endsWith('.png'));
  expect(pngs).toHaveLength(36);
  expect(Array.from(files[pngs[0]!]!.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
  expect(strFromU8(files['labels.csv']!).trim().split('\n')).toHaveLength(37);

  // Delete it: MNIST stays intact.
  await row.getByTestId('dataset-delete').click();
  await row.getByTestId('delete-yes').click();
  await expect(lab.testId('dataset-notice')).toContainText('Deleted');
  expect((await lab.storedRecords()).manifests).toEqual([{ id: 'mnist', complete: true }]);
  expect((await lab.storedRecords()).chunks).toBe(140);
});

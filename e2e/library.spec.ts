// The dataset library: thumbnails per class, rename, persistent storage, delete with confirmation.
import { expect, test } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

test('the library shows thumbnails per class, renames, and deletes only after confirmation', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.open(SMALL);
  await lab.waitForDataset();
  const row = lab.testId('dataset-row').filter({ hasText: 'MNIST' });
  await expect(row.getByTestId('dataset-facts')).toContainText(
    '60,000 train / 10,000 test · 28×28 grey · 10 classes',
  );
  await expect(lab.testId('storage-usage')).toContainText('used of');
  // "Add a dataset" sits right below the library it adds to, above the settings.
  const top = async (id: string) => (await lab.testId(id).boundingBox())!.y;
  expect(await top('add-dataset-panel')).toBeGreaterThan(await top('dataset-panel'));
  expect(await top('add-dataset-panel')).toBeLessThan(await top('settings-panel'));

  // Thumbnails: one strip per class, real images.
  await row.getByTestId('dataset-thumbs').click();
  await expect(row.getByTestId('dataset-thumb')).toHaveCount(60);
  expect(await lab.canvasSpread('dataset-thumb', 0)).toBeGreaterThan(5);

  // Rename is stored in IndexedDB and survives a reload.
  await row.getByTestId('dataset-rename').click();
  await row.getByTestId('rename-input').fill('Digits');
  await row.getByTestId('rename-save').click();
  await expect(lab.testId('dataset-notice')).toContainText('Renamed "MNIST" to "Digits".');
  await page.reload();
  await expect(lab.testId('dataset-name')).toHaveText('Digits', { timeout: 60_000 });

  // An empty name is refused with a message.
  await lab.testId('dataset-rename').click();
  await lab.testId('rename-input').fill('   ');
  await lab.testId('rename-save').click();
  await expect(lab.testId('dataset-notice')).toContainText('A dataset needs a name.');

  // Persistent storage: the browser's answer is shown.
  await lab.testId('persist-button').click();
  await expect(lab.testId('persist-result')).toBeVisible();

  // Delete asks first; "Keep" keeps it.
  await lab.testId('dataset-delete').click();
  await expect(lab.testId('delete-confirm')).toContainText('70,000 images');
  await lab.testId('delete-no').click();
  expect((await lab.storedRecords()).chunks).toBe(140);
  // Confirmed: manifest and chunks are gone, and Start waits for a dataset.
  await lab.testId('dataset-delete').click();
  await lab.testId('delete-yes').click();
  await expect(lab.testId('dataset-notice')).toContainText('Deleted "Digits".');
  expect(await lab.storedRecords()).toEqual({ manifests: [], chunks: 0 });
  await expect(lab.testId('start-button')).toBeDisabled();
});

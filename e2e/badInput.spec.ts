// Bad input gets a clear, specific message, and nothing already stored is lost.
import { chromium, expect, test } from '@playwright/test';
import { CHROMIUM, QUIET_FLAGS } from '../playwright.config';
import { LabPage, SMALL } from './labPage';

test('out-of-range settings are named with their range and block Start; a bad link is reported', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.open(SMALL + '&epochs=abc&colour=7&backend=tpu');
  await expect(lab.testId('link-errors')).toContainText(
    'Setting "epochs" in the link is not a number: "abc".',
  );
  await expect(lab.testId('link-errors')).toContainText('Unknown setting "colour" in the link was ignored.');
  await expect(lab.testId('link-errors')).toContainText(
    'Backend "tpu" in the link is not one of webgpu, webgl, wasm, cpu; it was ignored.',
  );
  await lab.waitForDataset();
  await expect(lab.testId('start-button')).toBeEnabled({ timeout: 60_000 });

  await lab.testId('field-batchSize').fill('0');
  await expect(lab.testId('config-issues')).toContainText('Batch size is 0; it must be between 2 and 1024.');
  await expect(lab.testId('start-button')).toBeDisabled();
  await lab.testId('field-batchSize').fill('12');
  await expect(lab.testId('config-issues')).toContainText(
    'Queue size K (16) must be a multiple of the batch size (12).',
  );
  await lab.testId('field-batchSize').fill('8');
  await expect(lab.testId('config-issues')).toHaveCount(0);
  await expect(lab.testId('start-button')).toBeEnabled();
});

test('the worker answers a request it does not know with a message, and keeps working', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open(SMALL);
  await lab.waitForDataset();
  await page.evaluate(() => window.__hexa.sendRaw({ type: 'no-such-request' }));
  await expect(lab.testId('run-error')).toContainText(
    "The training worker does not know the request 'no-such-request'",
  );
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(1);
  await lab.testId('stop-button').click();
});

test('a browser without a WebGPU adapter is told so plainly and can train on WebGL instead', async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: QUIET_FLAGS }); // no --enable-unsafe-webgpu
  try {
    const page = await browser.newPage({ baseURL: test.info().project.use.baseURL });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const lab = new LabPage(page);
    await lab.open(SMALL);
    await expect(lab.testId('backend-error')).toContainText('WebGPU is not available.', { timeout: 60_000 });
    await expect(lab.testId('backend-error')).toContainText('no GPU adapter is available');
    await lab.testId('use-webgl').click();
    await expect(lab.testId('backend-name')).toHaveText('webgl', { timeout: 60_000 });
    await lab.waitForDataset();
    await lab.testId('start-button').click();
    await lab.waitForReadbacks(1);
    await lab.testId('stop-button').click();
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('without a WebGPU adapter the lab trains on WebAssembly (on the CPU) and chooses the Tiny preset', async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: QUIET_FLAGS }); // no --enable-unsafe-webgpu
  try {
    const page = await browser.newPage({ baseURL: test.info().project.use.baseURL });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const lab = new LabPage(page);
    await lab.open(); // no preset in the link: the lab may choose one
    await expect(lab.testId('backend-error')).toContainText('WebGPU is not available.', { timeout: 60_000 });
    await lab.testId('use-wasm').click();
    await expect(lab.testId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
    await expect(lab.testId('backend-warning')).toContainText('WebAssembly on the CPU');
    await expect(page.getByText('WebAssembly trains on the CPU: the Tiny preset was chosen')).toBeVisible();
    await lab.waitForDataset();
    await lab.testId('start-button').click();
    await lab.waitForReadbacks(1);
    await lab.testId('stop-button').click();
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('IndexedDB unavailable (a sandboxed page): a clear message, no crash', async ({ page }) => {
  // An opaque-origin (sandboxed) document cannot open IndexedDB: the real browser behaviour.
  // Its module scripts are then cross-origin requests, so the test server adds CORS headers.
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers: Record<string, string> = { ...response.headers(), 'access-control-allow-origin': '*' };
    if (route.request().resourceType() === 'document')
      headers['content-security-policy'] = 'sandbox allow-scripts';
    await route.fulfill({ response, headers });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open();
  await expect(lab.testId('storage-error')).toContainText('IndexedDB is not available', { timeout: 60_000 });
  await expect(lab.testId('start-button')).toBeDisabled();
  expect(errors).toEqual([]);
});

test('a full storage quota: a clear message, no half-stored dataset, and a retry once space is freed', async ({
  page,
  context,
}) => {
  const lab = new LabPage(page);
  const cdp = await context.newCDPSession(page);
  const origin = new URL(test.info().project.use.baseURL!).origin;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 4 * 1024 * 1024 });
  await lab.open(SMALL);
  await expect(lab.testId('storage-error')).toContainText('quota', { timeout: 120_000 });
  await expect(lab.testId('dataset-status')).toHaveAttribute('data-ready', 'false');
  const partial = await lab.storedRecords();
  expect(partial.manifests).toEqual([]); // the partial import was rolled back
  expect(partial.chunks).toBe(0);

  await cdp.send('Storage.overrideQuotaForOrigin', { origin }); // back to the browser's own quota
  await page.getByRole('button', { name: 'Try again' }).click();
  await lab.waitForDataset();
  expect((await lab.storedRecords()).manifests).toEqual([{ id: 'mnist', complete: true }]);
});

test('a lost GPU device stops the run with a message; the stored dataset survives a restart', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.open(SMALL);
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('webgpu');
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(1);
  await page.evaluate(() => window.__hexa.loseDevice());
  await expect(lab.testId('device-lost')).toContainText('The GPU device was destroyed', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Restart the GPU backend' }).click();
  await expect(lab.testId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(lab.testId('device-lost')).toHaveCount(0);
  await lab.waitForDataset();
  expect((await lab.storedRecords()).manifests).toEqual([{ id: 'mnist', complete: true }]);
});

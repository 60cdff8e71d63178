// A new user opens the lab and trains MoCo-v2 on WebGPU (SwiftShader here).
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { LabPage } from './labPage';

test('a new user opens the lab, sees WebGPU and the stored dataset, and trains the tiny preset chosen for a software GPU', async ({
  page,
}) => {
  const lab = new LabPage(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await lab.open();

  // The compute backend and its adapter, with the software-fallback warning.
  await expect(lab.testId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(lab.testId('backend-adapter')).toContainText('swiftshader');
  await expect(lab.testId('backend-warning')).toContainText('Software fallback adapter');
  await expect(lab.testId('backend-warning').getByTestId('use-wasm')).toBeVisible(); // the faster way here

  // The built-in MNIST is loaded into IndexedDB on first start, in chunks.
  await lab.waitForDataset();
  await expect(lab.testId('dataset-status')).toContainText('60,000 train');
  const stored = await lab.storedRecords();
  expect(stored.manifests).toEqual([{ id: 'mnist', complete: true }]);
  expect(stored.chunks).toBe(140); // (60,000 + 10,000) / 500 images per chunk
  await expect(lab.testId('about-data')).toContainText('CC BY-SA 3.0');

  // On a software adapter the Tiny preset is chosen by itself, and the banner says why.
  await expect(lab.testId('method-select')).toHaveValue('moco-v2');
  await expect(lab.testId('preset-select')).toHaveValue('tiny');
  await expect(lab.testId('auto-preset')).toContainText('software adapter');
  await expect(page).toHaveURL(/preset=tiny/);
  expect((await lab.state()).config).toMatchObject({ batchSize: 32, imageSize: 16, headBn: true });
  // MNIST's augmentation defaults are shown with the settings: digits are not flipped.
  await expect(lab.testId('augmentation-defaults')).toContainText('Digits: no flips');
  await expect(lab.testId('field-flipProb')).toHaveValue('0');
  // Read back every step, to see the first one (the step itself is the preset's).
  await page.locator('details.group > summary', { hasText: 'evaluation' }).click();
  await lab.testId('field-readbackEvery').fill('1');
  const started = Date.now();
  await lab.testId('start-button').click();
  await expect(lab.testId('run-phase')).toHaveText(/preparing|training/);
  // The first training step, within 90 s of Start (no evaluation before it: the step-0 network is
  // scored at the first evaluation, with the baselines), and a running clock from the start.
  await lab.waitForReadbacks(1, 90_000);
  const firstStepSeconds = (Date.now() - started) / 1000;
  console.log(`first training step read back ${firstStepSeconds.toFixed(1)} s after Start`);
  expect(firstStepSeconds).toBeLessThan(90);
  await expect(lab.testId('wall-clock')).toContainText(/Since start \dm \d+s/);
  await lab.waitForReadbacks(4);
  const s = await lab.state();
  expect(s.run.steps.slice(0, 4)).toEqual([1, 2, 3, 4]);
  // The loss chart and the probe chart gain points (online probe; held-out evaluations come at epoch ends).
  await expect
    .poll(async () => Number(await lab.testId('loss-chart').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(4);
  await expect
    .poll(async () => Number(await lab.testId('probe-chart').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(4);
  await expect(lab.testId('step-count')).not.toHaveText('0');
  // The augmented views are real, non-blank images, and the two views of a pair differ.
  expect(await lab.canvasSpread('view-query', 0)).toBeGreaterThan(5);
  expect(await lab.canvasSpread('view-key', 0)).toBeGreaterThan(5);
  // No tensor leak: the worker's tensor count is flat across read-backs.
  const counts = s.run.numTensors;
  expect(new Set(counts.slice(1)).size).toBe(1);
  // The charts save as SVG and PNG.
  const svgFile = page.waitForEvent('download');
  await lab.testId('loss-chart-svg').click();
  const svgText = readFileSync(await (await svgFile).path(), 'utf8');
  expect(svgText.startsWith('<svg')).toBe(true);
  expect(svgText).toContain('chart-line');
  const pngFile = page.waitForEvent('download');
  await lab.testId('probe-chart-png').click();
  const png = readFileSync(await (await pngFile).path());
  expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
  expect(png.length).toBeGreaterThan(1000);
  // MoCo-v2 has no hard-example panels.
  await expect(lab.testId('adversarial-panel')).toHaveCount(0);

  // Pause, resume, stop.
  await lab.testId('pause-button').click();
  await expect(lab.testId('run-phase')).toHaveText('paused', { timeout: 60_000 });
  const pausedAt = (await lab.state()).run.steps.length;
  await page.waitForTimeout(3000);
  expect((await lab.state()).run.steps.length).toBe(pausedAt);
  await lab.testId('resume-button').click();
  await lab.waitForReadbacks(pausedAt + 1);
  await lab.testId('stop-button').click();
  await expect(lab.testId('run-phase')).toHaveText('stopped', { timeout: 60_000 });
  await expect(lab.testId('start-button')).toBeEnabled();

  // Nothing was fetched from outside the lab's own origin.
  const origin = new URL(page.url()).origin;
  expect(
    requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
  ).toEqual([]);
  expect(lab.badReplies).toEqual([]); // every reply of the run passed the page's reply schema
});

test('on a software adapter the bare address trains on WebAssembly, says why, and keeps WebGPU one click away', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.openBare(); // no backend in the link: the lab decides
  await expect(lab.testId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  await expect(lab.testId('backend-switched')).toContainText('swiftshader');
  await expect(lab.testId('backend-switched')).toContainText('software fallback');
  await expect(lab.testId('auto-preset')).toContainText('WebAssembly');
  await expect(lab.testId('check-gpu')).toHaveCount(0); // "Check this GPU" belongs to WebGPU
  await expect(lab.testId('preset-select')).toHaveValue('tiny');
  // It trains there: the first read-back of a Tiny run.
  await lab.waitForDataset();
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(1, 90_000);
  await lab.testId('stop-button').click();
  await expect(lab.testId('run-phase')).toHaveText('stopped', { timeout: 60_000 });
  // WebGPU anyway: the software adapter with its warning, and the choice kept in the address.
  await lab.testId('use-webgpu').click();
  await expect(lab.testId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(lab.testId('backend-switched')).toHaveCount(0);
  await expect(lab.testId('backend-warning')).toContainText('Software fallback adapter');
  await expect(page).toHaveURL(/backend=webgpu/);
  await expect(lab.testId('check-gpu')).toBeVisible();
  await page.reload();
  await expect(lab.testId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
});

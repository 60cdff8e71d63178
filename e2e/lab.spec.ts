// A new user opens the lab and trains MoCo-v2 on WebGPU (SwiftShader here).
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { LabPage } from './labPage';

test('a new user opens the lab, sees WebGPU and the stored dataset, and trains the tiny preset', async ({
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

  // The built-in MNIST is loaded into IndexedDB on first start, in chunks.
  await lab.waitForDataset();
  await expect(lab.testId('dataset-status')).toContainText('60,000 train');
  const stored = await lab.storedRecords();
  expect(stored.manifests).toEqual([{ id: 'mnist', complete: true }]);
  expect(stored.chunks).toBe(140); // (60,000 + 10,000) / 500 images per chunk
  await expect(lab.testId('about-data')).toContainText('CC BY-SA 3.0');

  // Defaults are the small-GPU preset with MoCo-v2; switch to the tiny preset for this machine.
  await expect(lab.testId('method-select')).toHaveValue('moco-v2');
  await lab.testId('preset-select').selectOption('tiny');
  await expect(page).toHaveURL(/preset=tiny/);
  await lab.testId('start-button').click();
  await expect(lab.testId('run-phase')).toHaveText(/training|evaluating/);

  await lab.waitForReadbacks(4);
  const s = await lab.state();
  expect(s.run.steps.slice(0, 4)).toEqual([2, 4, 6, 8]); // read back every 2 steps (tiny preset)
  // The loss chart and the probe chart gain points.
  expect(Number(await lab.testId('loss-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(4);
  expect(Number(await lab.testId('probe-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(4);
  expect(s.run.evals).toBeGreaterThanOrEqual(1); // the frozen-feature probe at step 0
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
});

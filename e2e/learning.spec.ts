// What training added, on the accuracy chart: the step-0 network and the baselines (random init with
// BN on data, raw pixels) scored at the first evaluation, with progress and a clock while it runs; each
// held-out reading with its 95 % interval; "+x points over random init; y below pixels" beside it.
import { expect, test } from '@playwright/test';
import { LabPage, ON_WASM } from './labPage';

test('evaluation shows progress, baselines, intervals and the gain over random init', async ({ page }) => {
  const lab = new LabPage(page);
  // The Tiny preset (batch 32) for 2 steps, probed on 300 / 200 images to keep SwiftShader quick.
  await lab.open(
    ON_WASM + '&preset=tiny&trainLimit=64&epochs=1&readbackEvery=1&probeTrainSize=300&probeTestSize=200',
  );
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('wasm'); // the link's backend
  await expect(lab.testId('auto-preset')).toHaveCount(0); // the link chose the preset
  await lab.testId('start-button').click();
  // The evaluation at the end scores the step-0 network, the baselines and the trained one, with a
  // progress bar and a running clock.
  await expect(lab.testId('phase-clock')).toContainText(/Evaluating: .+, \d+ % · \dm \d+s/, {
    timeout: 180_000,
  });
  await expect(lab.testId('phase-progress')).toBeVisible();
  await expect(lab.testId('run-phase')).toHaveText('done', { timeout: 180_000 });
  const s = (await lab.state()).run;
  expect(s.evalPoints.map((e) => e.step)).toEqual([0, 2]);
  expect(s.evalPoints.every((e) => e.testCount === 200)).toBe(true);
  expect(s.baselines).toMatchObject({ trainCount: 300, testCount: 200 });
  expect(s.baselines!.pixels.knnTop1).toBeGreaterThan(0.6); // raw pixels of digits: a strong kNN
  expect(s.baselines!.randomInit.knnTop1).toBeGreaterThan(0.2); // far above chance (10 %)
  // Four labelled reference lines on the chart, error bars on the held-out points, and the text.
  await expect(lab.testId('probe-chart')).toHaveAttribute('data-lines', '4');
  await expect(lab.testId('probe-chart').locator('.chart-error-bar').first()).toBeAttached();
  await expect(lab.testId('probe-chart')).toContainText('kNN on raw pixels');
  await expect(lab.testId('probe-summary')).toContainText('95 % interval');
  await expect(lab.testId('probe-summary')).toContainText('on 200 held-out images');
  const last = s.evalPoints.at(-1)!;
  const gain = (100 * (last.knnTop1 - s.baselines!.randomInit.knnTop1)).toFixed(1);
  await expect(lab.testId('probe-gain')).toContainText(
    `${Number(gain) >= 0 ? '+' : '−'}${gain.replace('-', '')} points over random init`,
  );
  await expect(lab.testId('probe-gain')).toContainText(/(below|above) pixels|level with pixels/);
  // The saved run keeps its baselines (IndexedDB), for the runs panel and comparisons.
  const saved = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('hexa-lab');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const runs = await new Promise<{ baselines?: unknown }[]>((res) => {
      const q = db.transaction('runs').objectStore('runs').getAll();
      q.onsuccess = () => res(q.result as { baselines?: unknown }[]);
    });
    db.close();
    return runs.map((r) => Boolean(r.baselines));
  });
  expect(saved).toEqual([true]);
});

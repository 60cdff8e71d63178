// The comparison view: a one-click ablation of the tiny preset (5 runs of 2 steps each), then the
// overlaid charts, the summary table and the confusion matrix of the runs it made.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { LabPage, ON_WASM, SMALL } from './labPage';

test('a one-click ablation runs five arms one after another and opens their comparison', async ({ page }) => {
  test.setTimeout(420_000);
  const lab = new LabPage(page);
  await lab.open(
    ON_WASM + '&' + SMALL + '&trainLimit=16&epochs=1&readbackEvery=1&probeTrainSize=32&probeTestSize=32',
  ); // 2 steps per run
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('wasm'); // the link's backend
  await expect(lab.testId('ablation-seeds')).toHaveValue('1');
  await expect(lab.testId('adversarial-panel')).toHaveCount(0); // the form's method: MoCo-v2
  await lab.testId('ablation-start').click();
  const status = lab.testId('ablation-status');
  await expect(status).toHaveAttribute('data-state', 'running');
  await expect(lab.testId('ablation-cancel')).toBeVisible();
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 360_000 });

  // Five saved runs, named after their arm.
  const rows = lab.testId('run-row');
  await expect(rows).toHaveCount(5);
  await expect(rows.filter({ hasText: 'ablation 1: MoCo-v2, seed 1' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'ablation 1: +adversarial, seed 1' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'ablation 1: +cut-mix, seed 1' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'ablation 1: +mix-up, seed 1' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'ablation 1: HEXA-MoCo, seed 1' })).toHaveCount(1);
  await expect(lab.testId('run-status').filter({ hasText: 'done' })).toHaveCount(5);
  await expect(lab.testId('run-compare').and(page.locator(':checked'))).toHaveCount(5);
  // The live panels follow the arm that ran (last: HEXA-MoCo), not the form, which stays MoCo-v2.
  await expect(lab.testId('method-select')).toHaveValue('moco-v2');
  await expect(lab.testId('adversarial-panel')).toBeVisible();
  await expect(lab.testId('hard-chart')).toBeVisible();

  // The summary: one row per run with the right method and switches, in queue order.
  const summary = lab.testId('summary-row');
  await expect(summary).toHaveCount(5);
  const arms = await summary.evaluateAll((trs) =>
    trs.map((tr) => [
      tr.dataset.method,
      tr.dataset.adversarial,
      tr.dataset.cutmix,
      tr.dataset.mixup,
      tr.dataset.baseline,
    ]),
  );
  expect(arms).toEqual([
    ['moco-v2', 'false', 'false', 'false', 'true'],
    ['hexa-moco', 'true', 'false', 'false', 'false'],
    ['hexa-moco', 'false', 'true', 'false', 'false'],
    ['hexa-moco', 'false', 'false', 'true', 'false'],
    ['hexa-moco', 'true', 'true', 'false', 'false'],
  ]);
  await expect(lab.testId('summary-seed-group')).toHaveCount(0); // one seed: no mean ± std rows

  // Overlaid charts: 5 runs on the probe and loss charts; the flip rate only for the adversarial arms,
  // L_mixup only for the mix-up arm.
  const probe = lab.testId('compare-chart-linear');
  await expect(probe).toHaveAttribute('data-series', '5');
  expect(Number(await probe.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
  await expect(probe.locator('.recharts-line')).toHaveCount(5);
  await expect(lab.testId('compare-chart-loss')).toHaveAttribute('data-series', '5');
  await expect(lab.testId('compare-chart-probe_acc')).toHaveAttribute('data-series', '5');
  await expect(lab.testId('compare-chart-flip_rate')).toHaveAttribute('data-series', '2');
  await expect(lab.testId('compare-chart-loss_mix')).toHaveAttribute('data-series', '2');
  await expect(lab.testId('compare-chart-loss_mixup')).toHaveAttribute('data-series', '1');
  await expect(lab.testId('compare-chart-loss')).toHaveAttribute('data-markers', '0'); // no resumes

  // A comparison chart saves as SVG with its five lines.
  const svgFile = page.waitForEvent('download');
  await lab.testId('compare-chart-linear-svg').click();
  const svg = await svgFile;
  expect(svg.suggestedFilename()).toBe('compare-chart-linear.svg');
  const svgText = readFileSync(await svg.path(), 'utf8');
  expect(svgText.startsWith('<svg')).toBe(true);
  expect(svgText.match(/recharts-line-curve/g)?.length ?? 0).toBe(5);

  // The MNIST probe's confusion matrix: 10 × 10 with per-class accuracy.
  const confusion = lab.testId('confusion-matrix');
  await expect(confusion).toHaveAttribute('data-size', '10');
  await expect(confusion.getByTestId('confusion-row')).toHaveCount(10);
  await expect(confusion.getByTestId('confusion-cell')).toHaveCount(100);
  await expect(confusion.getByTestId('per-class')).toHaveCount(10);

  // Wall-clock axis, smoothing and the min/max band keep every series.
  await lab.testId('compare-axis').selectOption('time');
  await lab.testId('compare-smoothing').fill('0.6');
  await lab.testId('compare-envelope').check();
  await expect(probe).toHaveAttribute('data-series', '5');
  await expect(probe.locator('.recharts-line')).toHaveCount(5);
  await expect(probe.locator('.recharts-area')).toHaveCount(5);
  await expect(lab.testId('compare-chart-loss')).toHaveAttribute('data-series', '5');
  await expect(probe).toHaveAttribute('data-axis', 'time');

  // Another baseline; unticking a run removes it from every chart and from the table.
  await lab.testId('compare-baseline').selectOption({ label: 'ablation 1: HEXA-MoCo, seed 1' });
  await expect(summary.last()).toHaveAttribute('data-baseline', 'true');
  await rows.filter({ hasText: 'ablation 1: +cut-mix, seed 1' }).getByTestId('run-compare').uncheck();
  await expect(probe).toHaveAttribute('data-series', '4');
  await expect(summary).toHaveCount(4);
});

// Fine-tuning a saved run: a tiny run trained to the end on a small generated fractal set, fine-tuned
// at 10 % of the labels from its checkpoint and from its random init; both results on the run's card,
// as lines and as a chart (two bars), kept after a reload.
import { expect, test } from '@playwright/test';
import { LabPage, ON_WASM, SMALL } from './labPage';

test('a saved run fine-tunes at 10 % of labels beside its random init, and keeps the results', async ({
  page,
}) => {
  test.setTimeout(480_000); // fine-tuning takes ≥ 200 steps a network (evaluation/finetune.ts); SwiftShader, shared cores
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open(`${ON_WASM}&${SMALL}&epochs=2&checkpointEvery=2`);
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('wasm'); // the link's backend
  // 3 classes × 12 images of 16×16 colour: 30 train, 6 held out.
  await page.getByText('Generate fractals (colour)').click();
  const form = lab.testId('fractal-form');
  await form.getByTestId('fractal-classes').fill('3');
  await form.getByTestId('fractal-perClass').fill('12');
  await form.getByTestId('fractal-size').selectOption('16');
  await form.getByTestId('fractal-seed').fill('5');
  await form.getByTestId('fractal-generate').click();
  await expect(lab.testId('dataset-notice')).toContainText('Generated', { timeout: 60_000 });
  await lab.testId('dataset-row').filter({ hasText: 'Fractals' }).getByTestId('dataset-select').check();

  await lab.testId('start-button').click();
  await expect(lab.testId('run-phase')).toHaveText('done', { timeout: 180_000 });
  const row = lab.testId('run-row').first();
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(row.getByTestId('finetune-help')).toContainText('random init');
  await expect(row.getByTestId('finetune-chart')).toHaveCount(0); // nothing fine-tuned yet

  await row.getByTestId('finetune-fraction').selectOption('0.1');
  await row.getByTestId('finetune-start').click();
  await expect(row.getByTestId('finetune-progress')).toBeVisible();
  const result = row.getByTestId('finetune-result');
  await expect(result).toHaveCount(1, { timeout: 240_000 });
  await expect(result).not.toHaveAttribute('data-random-top1', '', { timeout: 240_000 });
  await expect(row.getByTestId('finetune-progress')).toHaveCount(0);
  await expect(row.getByTestId('finetune-error')).toHaveCount(0);

  const check = async () => {
    const r = row.getByTestId('finetune-result');
    await expect(r).toHaveAttribute('data-fraction', '0.1');
    for (const attr of ['data-top1', 'data-random-top1']) {
      const v = Number(await r.getAttribute(attr));
      expect(Number.isFinite(v)).toBe(true);
      expect(v * 100).toBeGreaterThanOrEqual(0);
      expect(v * 100).toBeLessThanOrEqual(100);
    }
    // 10 % of each class of 10 images rounds to 1: 3 images; 3 classes, so no top-5.
    await expect(r).toContainText(
      /^Fine-tuned on 10 % of labels \(3 images\): top-1 \d+\.\d % \(random init \d+\.\d %, [+−]\d+\.\d\)$/,
    );
    // The chart: one fraction, the trained network's bar beside its random init's (a bar at 0 % has no
    // rectangle to count: the chart's data-points say what it draws).
    const chart = row.getByTestId('finetune-chart');
    await expect(chart).toHaveAttribute('data-points', '2');
    await expect(chart).toHaveAttribute('data-fractions', '0.1');
    await expect(chart).toContainText('10 %');
    await expect(chart).toContainText('random init');
  };
  await check();

  await page.reload();
  await lab.waitForDataset();
  await expect(lab.testId('run-row')).toHaveCount(1);
  await check();

  // In the comparison: its fine-tuning chart (one run: its two bars) and the summary's column.
  await lab.testId('run-row').first().getByTestId('run-compare').check();
  const compare = lab.testId('compare-finetune-chart');
  await expect(compare).toHaveAttribute('data-points', '2');
  await expect(compare).toHaveAttribute('data-series', '1');
  await expect(compare).toContainText('(random init)');
  await expect(lab.testId('summary-finetune')).toHaveAttribute('data-fraction', '0.1');
  expect(errors).toEqual([]);
});

// Saved runs: a reload mid-run, then resume from the last checkpoint with the history continuing;
// export metrics and weights, import the run file back.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { expect, test, type Page } from '@playwright/test';
import { LabPage, SMALL } from './labPage';

async function downloads(page: Page, n: number, click: () => Promise<void>) {
  const files: { name: string; path: string }[] = [];
  const done = new Promise<void>((resolve) => {
    page.on('download', async (d) => {
      files.push({ name: d.suggestedFilename(), path: await d.path() });
      if (files.length === n) resolve();
    });
  });
  await click();
  await done;
  return files;
}

/**
 * The stored record of the newest run, the steps of its stored metric points (the `metrics` store, one
 * record per point) and the step of its stored checkpoint (read from the page).
 */
function storedRun(
  page: Page,
): Promise<{ status: string; step: number; steps: number[]; checkpoint: number | null }> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('hexa-lab');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['runs', 'checkpoints', 'metrics'], 'readonly');
          const runs = tx.objectStore('runs').getAll();
          const checkpoints = tx.objectStore('checkpoints').getAll();
          const metrics = tx.objectStore('metrics').getAll();
          tx.oncomplete = () => {
            db.close();
            type Run = { id: string; createdAt: number; status: string; step: number };
            type Row = { runId: string; seq: number; point: { step: number } };
            const run = (runs.result as Run[]).sort((a, b) => b.createdAt - a.createdAt)[0]!;
            const c = (checkpoints.result as { runId: string; checkpoint: { step: number } }[]).find(
              (r) => r.runId === run.id,
            );
            resolve({
              status: run.status,
              step: run.step,
              steps: (metrics.result as Row[]).filter((r) => r.runId === run.id).map((r) => r.point.step),
              checkpoint: c?.checkpoint.step ?? null,
            });
          };
        };
      }),
  );
}

test('a run survives a reload: resume from its checkpoint, steps lost at most checkpointEvery', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.open(SMALL); // checkpoint every 4 steps, read back every 2
  await lab.waitForDataset();
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(5); // step 10: checkpoints at 4 and 8
  await expect(lab.testId('run-status').first()).toHaveText('running');
  await lab.open(); // the bare address, as after closing the tab
  await lab.waitForDataset();
  // A software adapter picks Tiny by itself; pick another preset so the resume below must change it.
  await expect(lab.testId('preset-select')).toHaveValue('tiny');
  await lab.testId('preset-select').selectOption('small-gpu');
  await expect(lab.testId('preset-select')).toHaveValue('small-gpu');

  const row = lab.testId('run-row').first();
  await expect(row).toHaveAttribute('data-status', 'interrupted', { timeout: 60_000 });
  await expect(row.getByTestId('run-dataset')).toHaveText('MNIST'); // the name, not the id 'mnist'
  await row.getByTestId('run-resume').click();
  const note = lab.testId('resume-note');
  await expect(note).toContainText('Resumed from the checkpoint at step');
  await expect(lab.testId('preset-select')).toHaveValue('tiny'); // the run's preset, not the form's
  await expect(page).toHaveURL(/preset=tiny/);
  const [, from, lost] = /step (\d+): (\d+) step/.exec((await note.textContent()) ?? '') ?? [];
  expect(Number(from) % 4).toBe(0);
  expect(Number(from)).toBeGreaterThanOrEqual(4);
  expect(Number(lost)).toBeLessThanOrEqual(4);
  // The history up to the checkpoint is kept and training continues after it.
  await page.waitForFunction((f) => window.__hexa.state().run.steps.some((s) => s > f), Number(from), {
    timeout: 120_000,
  });
  const steps = (await lab.state()).run.steps;
  expect(steps.slice(0, Number(from) / 2)).toEqual(
    Array.from({ length: Number(from) / 2 }, (_, i) => 2 * (i + 1)),
  );
  expect(steps).toEqual([...steps].sort((a, b) => a - b)); // no step twice, in order
  await lab.testId('stop-button').click();
  await expect(row).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  // The resumption is saved with the run, listed in its row and marked on the live charts.
  await expect(row.getByTestId('run-events')).toContainText('1 resumption');
  await expect(lab.testId('loss-chart')).toHaveAttribute('data-markers', '1');

  // Rename and tag.
  await row.getByTestId('run-rename').click();
  await row.getByTestId('run-edit-input').fill('first try');
  await row.getByTestId('run-edit-save').click();
  await expect(row.getByTestId('run-name')).toHaveText('first try');
  await row.getByTestId('run-tags').click();
  await row.getByTestId('run-edit-input').fill('baseline, tiny');
  await row.getByTestId('run-edit-save').click();
  await expect(row.getByTestId('run-tag')).toHaveText(['baseline', 'tiny']);

  // Export metrics as CSV and JSON; import the JSON back as a new saved run.
  const metricFiles = await downloads(page, 2, () => row.getByTestId('run-export-metrics').click());
  const csv = metricFiles.find((f) => f.name.endsWith('.csv'))!;
  const lines = readFileSync(csv.path, 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^step,epoch,elapsedMs,imagesPerSec,lr,.*loss/);
  expect(lines.length).toBeGreaterThan(4);
  const json = metricFiles.find((f) => f.name.endsWith('.run.json'))!;
  await lab.testId('run-import').setInputFiles(json.path);
  await expect(lab.testId('run-row')).toHaveCount(2);
  await expect(lab.testId('run-name').filter({ hasText: 'first try (imported)' })).toBeVisible();
  const importedRow = lab.testId('run-row').filter({ hasText: '(imported)' });
  await expect(importedRow.getByTestId('run-events')).toHaveAttribute('data-count', '1'); // events kept

  // Export the backbone in the tfjs layers format and load it back with tf.loadLayersModel.
  const modelFiles = await downloads(page, 2, () => row.getByTestId('run-export-weights').click());
  const modelJson = JSON.parse(readFileSync(modelFiles.find((f) => f.name.endsWith('.json'))!.path, 'utf8'));
  const weights = readFileSync(modelFiles.find((f) => f.name.endsWith('.bin'))!.path);
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  const out = model.predict(tf.zeros([2, 16, 16, 1])) as tf.Tensor;
  expect(out.shape).toEqual([2, 32]); // tiny preset: 4 × width 8 features
  expect((await out.data()).every(Number.isFinite)).toBe(true);

  // Delete the imported copy.
  const imported = lab.testId('run-row').filter({ hasText: '(imported)' });
  await imported.getByTestId('run-delete').click();
  await imported.getByTestId('run-delete-yes').click();
  await expect(lab.testId('run-row')).toHaveCount(1);
});

test('a run survives a lost GPU device: reload, resume from its last checkpoint, the history continues', async ({
  page,
}) => {
  const lab = new LabPage(page);
  const chartPoints = async () => Number(await lab.testId('loss-chart').getAttribute('data-points'));
  await lab.open(SMALL); // checkpoint every 4 steps, read back every 2
  await lab.waitForDataset();
  await expect(lab.testId('backend-name')).toHaveText('webgpu');
  await lab.testId('start-button').click();
  await lab.waitForReadbacks(3); // step 6: a checkpoint at 4
  await expect.poll(async () => (await storedRun(page)).checkpoint ?? 0).toBeGreaterThanOrEqual(4);
  await expect.poll(chartPoints).toBeGreaterThanOrEqual(3);

  await page.evaluate(() => window.__hexa.loseDevice());
  const lostNote = lab.testId('device-lost');
  await expect(lostNote).toContainText('The GPU device was destroyed');
  await expect(lostNote).toContainText('reload the page');
  await expect(lab.testId('start-button')).toBeDisabled(); // this worker cannot train again
  const row = lab.testId('run-row').first();
  await expect(row).toHaveAttribute('data-status', 'interrupted');
  await expect(row.getByTestId('run-resume')).toBeVisible();
  await expect(row.getByTestId('run-resume')).toBeDisabled(); // not on this worker: reload first
  const before = await storedRun(page);
  expect(before.status).toBe('interrupted');
  const checkpoint = before.checkpoint!;
  expect(checkpoint % 4).toBe(0);
  expect(before.steps.length).toBeGreaterThanOrEqual(3);
  expect(before.step).toBeGreaterThanOrEqual(checkpoint);

  // The message says to reload: a fresh worker makes a new device, and the run resumes from there.
  await page.reload();
  await lab.waitForDataset();
  await expect(lab.testId('device-lost')).toHaveCount(0);
  await expect(row).toHaveAttribute('data-status', 'interrupted');
  await expect(row.getByTestId('run-resume')).toBeEnabled();
  await row.getByTestId('run-resume').click();
  // In the frame the resume note first shows, the chart already holds the saved history up to the
  // checkpoint (not an empty chart of a run that starts again at step 0).
  const atResume = await page.waitForFunction(() => {
    const shown = document.querySelector('[data-testid="resume-note"]');
    const chart = document.querySelector('[data-testid="loss-chart"]');
    return (
      shown && { points: Number(chart?.getAttribute('data-points')), steps: window.__hexa.state().run.steps }
    );
  });
  const kept = before.steps.filter((s) => s <= checkpoint);
  expect(await atResume.jsonValue()).toEqual({ points: kept.length, steps: kept });
  const note = lab.testId('resume-note');
  await expect(note).toContainText(`Resumed from the checkpoint at step ${checkpoint}:`);
  const [, from, lost] = /step (\d+): (\d+) step/.exec((await note.textContent()) ?? '') ?? [];
  expect(Number(from)).toBe(checkpoint);
  expect(Number(lost)).toBe(before.step - checkpoint);
  expect(Number(lost)).toBeLessThanOrEqual(4);
  await expect(row).toHaveAttribute('data-status', 'running');
  await page.waitForFunction((c) => window.__hexa.state().run.steps.some((s) => s > c + 2), checkpoint, {
    timeout: 120_000,
  });
  const steps = (await lab.state()).run.steps;
  // The first new point is the one after the checkpoint: training went on from there.
  expect(steps.slice(0, kept.length + 1)).toEqual([...kept, checkpoint + 2]);
  expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b)); // no step twice, in order
  await expect.poll(chartPoints).toBeGreaterThanOrEqual(steps.length); // the chart shows them all
  await lab.testId('stop-button').click();
  await expect(row).toHaveAttribute('data-status', 'stopped');
  // The stored history continues too: the points before the checkpoint, then the retrained ones.
  const after = await storedRun(page);
  expect(after.steps.slice(0, kept.length)).toEqual(kept);
  expect(after.steps).toEqual([...new Set(after.steps)].sort((a, b) => a - b));
  expect(after.step).toBeGreaterThan(checkpoint + 2);
  expect(after.step).toBeGreaterThanOrEqual(before.step);
});

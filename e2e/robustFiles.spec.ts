// Nothing a user imports can break the lab: crafted run files (one per failure seen before) are refused
// with a message naming the field, or migrated where safe; each is followed by a reload that must show
// every earlier run still listed and usable. Damaged records already in IndexedDB are listed as damaged,
// exportable raw and deletable, and never hide the other runs.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { PRESETS } from '../src/shared/config';
import { LabPage, ON_WASM, SMALL } from './labPage';

const FORMAT = 'hexa-lab-run/1';

/** A valid run record (what an export holds), with `over` merged in. */
function record(name: string, over: Record<string, unknown> = {}) {
  return {
    id: `run-${name}`,
    name,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    config: PRESETS.tiny.config,
    datasetId: 'mnist',
    status: 'done',
    step: 4,
    totalSteps: 36,
    metrics: [
      {
        step: 2,
        epoch: 0.2,
        totalSteps: 36,
        lr: 0.01,
        values: { loss: 2.5 },
        imagesPerSec: 10,
        elapsedMs: 100,
        numTensors: 50,
      },
    ],
    evals: [],
    events: [],
    tags: ['crafted'],
    ...over,
  };
}
const file = (run: unknown, format: unknown = FORMAT) => JSON.stringify({ format, run });

async function importText(lab: LabPage, text: string, name = 'crafted.run.json') {
  await lab.testId('run-import').setInputFiles({
    name,
    mimeType: 'application/json',
    buffer: Buffer.from(text),
  });
}

/** Reloads; every run in `names` is listed, each row's actions are there, and one exports its metrics. */
async function reloadAndCheck(lab: LabPage, names: string[]) {
  await lab.page.reload();
  await lab.waitForDataset();
  await expect(lab.testId('run-row')).toHaveCount(names.length, { timeout: 60_000 });
  const shown = await lab.testId('run-name').allTextContents();
  expect(shown.sort()).toEqual([...names].sort());
  for (const row of await lab.testId('run-row').all()) {
    await expect(row.getByTestId('run-export-metrics')).toBeEnabled();
    await expect(row.getByTestId('run-duplicate')).toBeEnabled();
  }
  const download = lab.page.waitForEvent('download');
  await lab.testId('run-row').last().getByTestId('run-export-metrics').click();
  expect((await download).suggestedFilename()).toMatch(/\.(csv|json)$/);
}

async function expectRefused(lab: LabPage, text: string, ...parts: string[]) {
  await importText(lab, text);
  const note = lab.testId('run-import-note');
  for (const p of parts) await expect(note).toContainText(p);
  await expect(note).toContainText('Nothing was imported.');
}

test('crafted run files are refused with the field named, or migrated; every earlier run survives each reload', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open(`${ON_WASM}&${SMALL}`);
  await lab.waitForDataset();
  const names: string[] = [];

  // A good file, for the runs that must survive everything after it.
  await importText(lab, file(record('good one')));
  await expect(lab.testId('run-import-note')).toContainText('Imported the run “good one (imported)”.');
  names.push('good one (imported)');
  await reloadAndCheck(lab, names);

  // Text where a number belongs: stored before, then the page was blank on every load.
  const textLoss = record('text loss');
  textLoss.metrics[0]!.values.loss = 'abc' as unknown as number;
  await expectRefused(
    lab,
    file(textLoss),
    'run.metrics[0].values.loss: expected a number, got the text "abc"',
  );
  await reloadAndCheck(lab, names);

  // An unknown method.
  await expectRefused(
    lab,
    file(record('simsiam', { config: { ...PRESETS.tiny.config, method: 'simsiam' } })),
    'run.config.method: expected one of "moco-v2"',
  );
  await reloadAndCheck(lab, names);

  // config: null (the run summary threw, and the runs list never arrived).
  await expectRefused(
    lab,
    file(record('no config', { config: null })),
    'run.config: expected an object, got null',
  );
  await reloadAndCheck(lab, names);

  // A file that is just null.
  await expectRefused(lab, 'null', 'the value: expected an object, got null');
  await reloadAndCheck(lab, names);

  // Not JSON; the wrong format.
  await expectRefused(lab, '{"format": "hexa', 'it is not JSON');
  await expectRefused(lab, file(record('other'), 'other-app/3'), 'format: expected "hexa-lab-run/1"');
  await reloadAndCheck(lab, names);

  // An older file without evals, events or tags: migrated (empty lists) and imported.
  const old = record('older file') as Record<string, unknown>;
  delete old.evals;
  delete old.events;
  delete old.tags;
  await importText(lab, file(old));
  await expect(lab.testId('run-import-note')).toContainText('Imported the run “older file (imported)”.');
  names.push('older file (imported)');
  await reloadAndCheck(lab, names);

  // A history over the point cap: refused before the schema runs.
  const many = record('many points', { metrics: Array.from({ length: 100_001 }, () => ({})) });
  await expectRefused(lab, file(many), 'holds 100,001 metric points; at most 100,000 are imported');
  await reloadAndCheck(lab, names);

  // A file over the size cap: refused before it is read (a sparse file on disk; never loaded).
  const huge = test.info().outputPath('huge.run.json');
  writeFileSync(huge, '');
  truncateSync(huge, 200_000_000);
  await lab.testId('run-import').setInputFiles(huge);
  await expect(lab.testId('run-import-note')).toContainText(
    'This run file is 200.0 MB; run files of at most 50.0 MB are imported. Nothing was imported.',
  );
  await reloadAndCheck(lab, names);

  // A 10,000-character name is capped at 80 characters on import.
  await importText(lab, file(record('n'.repeat(10_000))));
  const capped = `${'n'.repeat(80 - ' (imported)'.length)} (imported)`;
  await expect(lab.testId('run-import-note')).toContainText('Imported the run');
  names.push(capped);
  await reloadAndCheck(lab, names);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
    page.viewportSize()!.width,
  );

  // A long import shows its progress (reading, then checking and saving), then its outcome.
  const big = record('big history', {
    metrics: Array.from({ length: 60_000 }, (_, i) => ({ ...record('x').metrics[0]!, step: i })),
  });
  const phases: string[] = [];
  await page.exposeFunction('__phase', (p: string) => phases.push(p));
  await page.evaluate(() => {
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="run-import-progress"]');
      const w = window as unknown as { __phase(p: string): void };
      if (el) w.__phase(el.getAttribute('data-phase') ?? '');
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await importText(lab, file(big));
  await expect(lab.testId('run-import-note')).toContainText('Imported the run “big history (imported)”.');
  expect(phases).toContain('read');
  names.push('big history (imported)');
  await reloadAndCheck(lab, names);
  expect(errors).toEqual([]);
});

/** Writes records straight into the lab's IndexedDB 'runs' store (as damage or an old version would). */
function putRawRuns(page: Page, records: unknown[]): Promise<void> {
  return page.evaluate(
    (recs) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('hexa-lab');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction('runs', 'readwrite');
          for (const r of recs) tx.objectStore('runs').put(r);
          tx.oncomplete = () => (db.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    records,
  );
}

test('damaged records in IndexedDB are listed as damaged with the reason, exportable raw and deletable', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const lab = new LabPage(page);
  await lab.open(`${ON_WASM}&${SMALL}`);
  await lab.waitForDataset();
  await importText(lab, file(record('survivor')));
  await expect(lab.testId('run-row')).toHaveCount(1);

  const textLoss = record('stored text loss', { id: 'bad-loss' });
  textLoss.metrics[0]!.values.loss = 'abc' as unknown as number;
  await putRawRuns(page, [
    textLoss,
    record('stored unknown method', { id: 'bad-method', config: { ...PRESETS.tiny.config, method: 'x' } }),
    record('stored null config', { id: 'bad-config', config: null }),
    { id: 'bad-bare' },
    // An older record without evals, events and tags reads with empty lists: not damaged.
    (({ evals: _e, events: _v, tags: _t, ...rest }) => rest)(record('older record', { id: 'old-ok' })),
  ]);
  await page.reload();
  await lab.waitForDataset();
  await expect(lab.testId('run-damaged')).toHaveCount(4, { timeout: 60_000 });
  await expect(lab.testId('run-row')).toHaveCount(2); // survivor + the migrated older record
  const reason = (id: string) => lab.page.locator(`[data-testid="run-damaged"][data-id="${id}"]`);
  await expect(reason('bad-loss')).toContainText(
    'metrics[0].values.loss: expected a number, got the text "abc"',
  );
  await expect(reason('bad-method')).toContainText('config.method: expected one of');
  await expect(reason('bad-config')).toContainText('config: expected an object, got null');
  await expect(reason('bad-bare')).toContainText('name: expected text, got nothing');

  // Export raw: the stored record as it is.
  const download = page.waitForEvent('download');
  await reason('bad-loss').getByTestId('run-export-raw').click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('bad-loss.raw.json');
  const raw = JSON.parse(readFileSync((await d.path())!, 'utf8')) as {
    metrics: { values: { loss: unknown } }[];
  };
  expect(raw.metrics[0]!.values.loss).toBe('abc');

  // Delete each damaged record; the good runs stay usable throughout.
  for (const id of ['bad-loss', 'bad-method', 'bad-config', 'bad-bare']) {
    await reason(id).getByTestId('run-delete').click();
    await reason(id).getByTestId('run-delete-yes').click();
    await expect(reason(id)).toHaveCount(0);
  }
  await reloadAndCheck(lab, ['survivor (imported)', 'older record']);

  // A damaged dataset manifest is listed with its reason and deletable; MNIST stays usable.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('hexa-lab');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction('manifests', 'readwrite');
          tx.objectStore('manifests').put({ id: 'broken-set', name: 'Broken', width: 'wide' });
          tx.oncomplete = () => (db.close(), resolve());
        };
      }),
  );
  await page.reload();
  await lab.waitForDataset();
  const damagedSet = lab.testId('dataset-damaged');
  await expect(damagedSet).toContainText('width: expected a number, got the text "wide"');
  await expect(lab.testId('dataset-row')).toHaveCount(1);
  await damagedSet.getByTestId('dataset-delete').click();
  await damagedSet.getByTestId('delete-yes').click();
  await expect(damagedSet).toHaveCount(0);
  await expect(lab.testId('dataset-notice')).toContainText('Deleted "broken-set".');
  await expect(lab.testId('start-button')).toBeEnabled();
  expect(errors).toEqual([]);
});

test('a database saved by the previous version (runs with their histories inline) opens upgraded, nothing lost', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const point = (step: number, loss: number) => ({ ...record('x').metrics[0]!, step, values: { loss } });
  const evalPoint = (step: number, linearTop1: number) => ({
    step,
    epoch: step / 10,
    linearTop1,
    knnTop1: 0.25,
    testCount: 200,
    perClass: [linearTop1],
    confusion: [[1]],
  });
  const old = record('saved by v2', {
    id: 'run-v2',
    step: 6,
    metrics: [point(2, 2.5), point(4, 2), point(6, 1.5)],
    evals: [evalPoint(0, 0.1), evalPoint(6, 0.5)],
  });
  // The previous version's database, made before the app ever opens it (on a static file of its origin).
  await page.goto('data/mnist/meta.json');
  await page.evaluate(
    (rec) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('hexa-lab', 2);
        req.onupgradeneeded = () => {
          const db = req.result;
          db.createObjectStore('manifests', { keyPath: 'id' });
          db.createObjectStore('chunks', { keyPath: ['datasetId', 'split', 'index'] });
          db.createObjectStore('runs', { keyPath: 'id' }).put(rec);
          db.createObjectStore('checkpoints', { keyPath: 'runId' });
        };
        req.onsuccess = () => (req.result.close(), resolve());
        req.onerror = () => reject(req.error);
      }),
    old,
  );
  const lab = new LabPage(page);
  await lab.open(`${ON_WASM}&${SMALL}`);
  await lab.waitForDataset();
  const row = lab.testId('run-row');
  await expect(row).toHaveCount(1, { timeout: 60_000 });
  await expect(row).toContainText('saved by v2');
  await expect(row).toContainText('loss 1.500'); // the list's latest values, moved by the upgrade
  await expect(row).toContainText('linear 50.0 %');

  // The stored run lost its inline histories; one record per point holds them now.
  const stored = await page.evaluate(
    () =>
      new Promise<{ version: number; inline: boolean; metrics: number; evals: number }>((resolve, reject) => {
        const req = indexedDB.open('hexa-lab');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['runs', 'metrics', 'evals'], 'readonly');
          const run = tx.objectStore('runs').get('run-v2');
          const metrics = tx.objectStore('metrics').count();
          const evals = tx.objectStore('evals').count();
          tx.oncomplete = () => {
            db.close();
            resolve({
              version: db.version,
              inline: 'metrics' in (run.result as object),
              metrics: metrics.result,
              evals: evals.result,
            });
          };
        };
      }),
  );
  expect(stored).toEqual({ version: 3, inline: false, metrics: 3, evals: 2 });

  // Its export holds the whole history, as the previous version stored it.
  const download = page.waitForEvent('download', (d) => d.suggestedFilename().endsWith('.run.json'));
  await row.getByTestId('run-export-metrics').click();
  const exported = JSON.parse(readFileSync((await (await download).path())!, 'utf8')) as {
    run: { metrics: unknown[]; evals: unknown[] };
  };
  expect(exported.run.metrics).toEqual(old.metrics);
  expect(exported.run.evals).toEqual(old.evals);
  expect(errors).toEqual([]);
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { PRESETS } from '../../shared/config';
import type { Checkpoint } from '../training/checkpoint';
import { freshIndexedDb, getAllRaw, openTestRunStore, putRaw, rawOpen } from '../testing/testDb';
import { createMemoryStore } from '../testing/memoryStore';
import { installBuiltinMnist } from './builtin';
import { DB_VERSION } from './db';
import { openImageStore } from './imageStore';
import { markInterrupted, openRunStore, prepareResume, type RunStore } from './runStore';
import { MANIFEST_VERSION, type DatasetManifest } from '../../shared/data/types';
import type { EvalPoint, MetricsPoint } from '../../shared/trainingTypes';
import type { RunRecord } from '../../shared/records';

afterEach(() => vi.unstubAllGlobals());

const run = (id: string, createdAt: number, over: Partial<RunRecord> = {}): RunRecord => ({
  id,
  name: `Run ${id}`,
  createdAt,
  updatedAt: createdAt,
  config: { ...PRESETS.tiny.config },
  datasetId: 'mnist',
  status: 'running',
  step: 0,
  totalSteps: 36,
  metrics: [],
  evals: [],
  tags: [],
  ...over,
});

const point = (step: number): MetricsPoint => ({
  step,
  epoch: step / 12,
  totalSteps: 36,
  lr: 0.06,
  values: { loss: 5 - step / 10 },
  imagesPerSec: 100,
  elapsedMs: step * 10,
  numTensors: 50,
});

const evalAt = (step: number): EvalPoint => ({
  step,
  epoch: step / 12,
  linearTop1: 0.5,
  knnTop1: 0.4,
  perClass: [0.5],
  confusion: [[1]],
});

const checkpoint = (step: number): Checkpoint => ({
  format: 1,
  method: 'moco-v2',
  step,
  totalSteps: 36,
  epoch: Math.floor(step / 12),
  stepInEpoch: step % 12,
  elapsedMs: step * 10,
  savedAt: 0,
  rng: 12345,
  methodState: [{ shape: [2], dtype: 'float32', data: Float32Array.of(step, 2) }],
  methodExtra: null,
  optimizer: [],
  probe: null,
});

describe('the IndexedDB run store (fake-indexeddb)', () => {
  it('saves, lists newest first, renames, tags, updates and deletes runs', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1));
    await s.saveRun(run('b', 2, { notes: 'second' }));
    expect((await s.listRuns()).map((r) => r.id)).toEqual(['b', 'a']);
    await s.renameRun('a', 'Baseline');
    await s.setTags('a', ['moco', 'tiny']);
    const updated = await s.updateRun('a', { status: 'done', step: 36 });
    expect(updated).toMatchObject({ name: 'Baseline', tags: ['moco', 'tiny'], status: 'done', step: 36 });
    expect(updated.updatedAt).toBeGreaterThan(1);
    expect(await s.getRun('a')).toEqual({ ...updated, latest: undefined, metrics: [], evals: [] });
    // Records are copies: changing one read does not change the store.
    (await s.getRun('a'))!.tags.push('x');
    expect((await s.getRun('a'))!.tags).toEqual(['moco', 'tiny']);
    await expect(s.renameRun('nope', 'x')).rejects.toMatchObject({ kind: 'not-found' });
    await s.deleteRun('b');
    expect(await s.getRun('b')).toBeUndefined();
    expect((await s.listRuns()).map((r) => r.id)).toEqual(['a']);
    s.close();
    await expect(s.listRuns()).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('keeps fine-tuning points with the run: a repeat at the same fraction and init replaces the older', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1));
    const ft = (fraction: 0.01 | 0.1, fromRandomInit: boolean, top1: number) => ({
      fraction,
      top1,
      fromRandomInit,
      trainCount: 32,
      testCount: 100,
      step: fromRandomInit ? 0 : 36,
      seed: 1,
    });
    await s.addFinetune('a', ft(0.01, false, 0.6));
    await s.addFinetune('a', ft(0.01, true, 0.4));
    await s.addFinetune('a', ft(0.1, false, 0.7));
    await s.addFinetune('a', ft(0.01, false, 0.65));
    const back = await s.getRun('a');
    expect(back!.finetunes!.map((p) => [p.fraction, p.fromRandomInit, p.top1])).toEqual([
      [0.01, false, 0.65],
      [0.01, true, 0.4],
      [0.1, false, 0.7],
    ]);
    expect((await s.listRuns())[0]!.finetunes).toHaveLength(3);
    await expect(s.addFinetune('nope', ft(0.01, false, 0.5))).rejects.toThrow();
  });

  it('appends metrics in batches and moves the step', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1));
    await s.appendMetrics('a', [point(2), point(4)]);
    await s.appendMetrics('a', [point(6)], [evalAt(6)]);
    await s.appendMetrics('a', []); // nothing to write: no transaction
    const r = (await s.getRun('a'))!;
    expect(r.metrics).toEqual([point(2), point(4), point(6)]);
    expect(r.evals).toEqual([evalAt(6)]);
    expect(r.step).toBe(6);
    expect((await s.listRuns())[0]!.latest).toEqual({ loss: 5 - 0.6, linearTop1: 0.5, knnTop1: 0.4 });
    expect(await getAllRaw('metrics')).toEqual(
      [2, 4, 6].map((step, seq) => ({ runId: 'a', seq, point: point(step) })),
    );
    await expect(s.appendMetrics('nope', [point(1)])).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('keeps only the latest checkpoint of a run and deletes it with the run', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1));
    await s.saveRun(run('b', 2));
    await s.putCheckpoint('a', checkpoint(12));
    await s.putCheckpoint('a', checkpoint(24));
    await s.putCheckpoint('b', checkpoint(12));
    expect(await getAllRaw('checkpoints')).toHaveLength(2);
    const c = (await s.getCheckpoint('a'))!;
    expect(c.step).toBe(24);
    expect(c.methodState[0]!.data).toEqual(Float32Array.of(24, 2));
    expect((await s.getRun('a'))!.step).toBe(24); // the run knows how far its checkpoint got
    await expect(s.putCheckpoint('nope', checkpoint(1))).rejects.toMatchObject({ kind: 'not-found' });
    await s.deleteRun('a');
    expect(await s.getCheckpoint('a')).toBeUndefined();
    expect((await s.getCheckpoint('b'))!.step).toBe(12);
  });

  it('marks runs of a gone page interrupted and resumes from the checkpoint, counting lost steps', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1));
    await s.saveRun(run('b', 2, { status: 'done' }));
    await s.saveRun(run('c', 3, { status: 'paused' }));
    await s.appendMetrics('a', [point(2), point(4), point(6), point(8)], [evalAt(0), evalAt(6)]);
    await s.putCheckpoint('a', checkpoint(4));
    await s.appendMetrics('a', [point(10)]); // trained, not checkpointed, then the tab crashed

    expect((await markInterrupted(s)).map((r) => r.id).sort()).toEqual(['a', 'c']);
    expect((await s.getRun('a'))!.status).toBe('interrupted');
    expect((await s.getRun('b'))!.status).toBe('done');

    const r = (await prepareResume(s, 'a'))!;
    expect(r.lostSteps).toBe(6); // steps 5–10 are trained again
    expect(r.checkpoint.step).toBe(4);
    expect(r.run).toMatchObject({ status: 'running', step: 4 });
    expect(r.run.metrics.map((p) => p.step)).toEqual([2, 4]);
    expect(r.run.evals.map((p) => p.step)).toEqual([0]);
    expect(await s.getRun('a')).toEqual(r.run);
    // The list's latest values follow the history left (the loss of step 4, the evaluation of step 0).
    expect((await s.listRuns()).find((x) => x.id === 'a')!.latest.loss).toBe(point(4).values.loss);
    // Training again appends after the points kept.
    await s.appendMetrics('a', [point(6)]);
    expect((await s.getRun('a'))!.metrics.map((p) => p.step)).toEqual([2, 4, 6]);
    expect(await prepareResume(s, 'c')).toBeNull(); // no checkpoint yet
  });

  it('keeps the settings changed up to the checkpoint, drops later ones and records the resumption', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1, { config: { ...PRESETS.tiny.config, epochs: 3, epsilon: 4, lr: 0.06 } }));
    await s.appendMetrics('a', [point(2), point(4)]);
    const at = (step: number) => ({ step, epoch: step / 12, elapsedMs: step * 10 });
    // ε 4 → 8 after step 4, just before the checkpoint of step 4: it applies from step 5 on
    await s.addEvent('a', { kind: 'settings', ...at(4), changes: [{ key: 'epsilon', from: 4, to: 8 }] });
    await s.putCheckpoint('a', checkpoint(4));
    await s.appendMetrics('a', [point(6)]);
    await s.addEvent('a', { kind: 'settings', ...at(6), changes: [{ key: 'lr', from: 0.06, to: 0.01 }] });
    await s.appendMetrics('a', [point(8)]);
    await expect(s.addEvent('nope', { kind: 'resume', ...at(1), lostSteps: 0 })).rejects.toMatchObject({
      kind: 'not-found',
    });

    const r = (await prepareResume(s, 'a'))!;
    expect(r.config.epsilon).toBe(8); // the change at step 4 stays: step 5 onward trained with it
    expect(r.config.lr).toBe(0.06); // the change at step 6 is undone with the steps after the checkpoint
    expect(r.run.config.epsilon).toBe(4); // the record keeps the starting config
    expect(r.run.events).toEqual([
      { kind: 'settings', ...at(4), changes: [{ key: 'epsilon', from: 4, to: 8 }] },
      { kind: 'resume', step: 4, epoch: 4 / 12, elapsedMs: 40, lostSteps: 4 },
    ]);
    expect((await s.getRun('a'))!.events).toEqual(r.run.events);
  });
});

describe('appending, listing and deleting touch only what they must', () => {
  it('an append writes the new points and the run record, whatever the history length', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1));
    await s.appendMetrics(
      'a',
      Array.from({ length: 500 }, (_, i) => point(i + 1)),
    );
    const puts: string[] = [];
    const original = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      puts.push(this.name);
      return original.call(this, value, key);
    });
    await s.appendMetrics('a', [point(501)], [evalAt(501)]);
    spy.mockRestore();
    expect(puts.sort()).toEqual(['evals', 'metrics', 'runs']);
    const r = (await s.getRun('a'))!;
    expect(r.metrics).toHaveLength(501);
    expect(r.metrics.at(-1)).toEqual(point(501));
    expect(r.step).toBe(501);
  });

  it('saving a run again replaces its histories; deleting a run deletes its points and checkpoint only', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1, { metrics: [point(2), point(4), point(6)], evals: [evalAt(6)] }));
    await s.saveRun(run('a', 1, { metrics: [point(2)] }));
    expect((await s.getRun('a'))!.metrics).toEqual([point(2)]);
    expect(await getAllRaw('metrics')).toHaveLength(1);
    expect(await getAllRaw('evals')).toHaveLength(0);
    await s.saveRun(run('b', 2, { metrics: [point(2), point(4)], evals: [evalAt(4)] }));
    await s.saveRun(run('a-longer-id', 3, { metrics: [point(8)] })); // a key range must not catch it
    await s.putCheckpoint('a', checkpoint(2));
    await s.deleteRun('a');
    expect(await s.getRun('a')).toBeUndefined();
    expect(await s.getRawRun('a')).toBeUndefined();
    const runIds = (rows: unknown[]) => rows.map((r) => (r as { runId: string }).runId);
    expect(runIds(await getAllRaw('metrics'))).toEqual(['a-longer-id', 'b', 'b']);
    expect(runIds(await getAllRaw('evals'))).toEqual(['b']);
    expect(await getAllRaw('checkpoints')).toEqual([]);
    expect((await s.getRun('b'))!.metrics).toHaveLength(2);
  });

  it('a write that fails part-way changes nothing (a value that cannot be stored)', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', 1, { metrics: [point(2), point(4)] }));
    const unstorable = { ...run('a', 1, { metrics: [point(6)] }), notes: (() => 'x') as unknown as string };
    await expect(s.saveRun(unstorable)).rejects.toMatchObject({ name: 'StorageError' });
    expect((await s.getRun('a'))!.metrics).toEqual([point(2), point(4)]);
  });

  it('a closed store says storage is unavailable', async () => {
    const s = await openTestRunStore();
    s.close();
    await expect(s.listRuns()).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

/** The version-2 database as the previous app made it: four stores, runs with their histories inline. */
async function makeV2Database(records: unknown[]): Promise<void> {
  freshIndexedDb();
  const db = await rawOpen(2, (d) => {
    d.createObjectStore('manifests', { keyPath: 'id' });
    d.createObjectStore('chunks', { keyPath: ['datasetId', 'split', 'index'] });
    d.createObjectStore('runs', { keyPath: 'id' });
    d.createObjectStore('checkpoints', { keyPath: 'runId' });
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
    for (const r of records) tx.objectStore('runs').put(r);
    tx.objectStore('checkpoints').put({ runId: 'old', savedAt: 5, checkpoint: checkpoint(4) });
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

describe('schema version 3: histories out of the run records', () => {
  const history = {
    metrics: [point(2), point(4), { ...point(4), values: { loss: NaN } }, point(6)],
    evals: [evalAt(0), evalAt(6), evalAt(6)], // two at one step (a resumption at an epoch boundary)
  };

  it('a version-2 database opens upgraded, every run reading back the same history', async () => {
    const old = run('old', 1, {
      ...history,
      step: 6,
      events: [{ kind: 'resume', step: 4, epoch: 0.3, elapsedMs: 1, lostSteps: 2 }],
    });
    const older = (({ evals: _e, events: _v, tags: _t, ...rest }) => rest)(
      run('older', 2, { metrics: [point(2)] }),
    );
    const damaged = { ...run('damaged', 3, { metrics: [point(2)] }), config: null };
    const badPoint = run('bad-point', 4, { metrics: [{ ...point(2), step: 'two' as unknown as number }] });
    await makeV2Database([old, older, damaged, badPoint, { id: 'bare' }]);

    const s = await openRunStore();
    expect(await getAllRaw('runs')).toHaveLength(5);
    // Every record lost its histories (the damaged ones too) and gained the list's latest values.
    for (const raw of (await getAllRaw('runs')) as Record<string, unknown>[]) {
      expect(raw).not.toHaveProperty('metrics');
      expect(raw).not.toHaveProperty('evals');
    }
    expect(await s.getRun('old')).toEqual(old);
    expect(await s.getRun('older')).toEqual({ ...older, evals: [], events: [], tags: [] });
    expect(await s.getCheckpoint('old')).toEqual(checkpoint(4));
    const { runs, damaged: bad } = await s.scanRuns();
    expect(runs.map((r) => r.id)).toEqual(['bad-point', 'older', 'old']);
    expect(runs.find((r) => r.id === 'old')!.latest).toEqual({
      loss: point(6).values.loss,
      linearTop1: 0.5,
      knnTop1: 0.4,
    });
    expect(runs.find((r) => r.id === 'older')!.latest).toEqual({
      loss: point(2).values.loss,
      linearTop1: null,
      knnTop1: null,
    });
    expect(bad.map((d) => d.id)).toEqual(['bare', 'damaged']);
    expect(bad[0]!.reason).toMatch(/^name: expected text, got nothing; /);
    expect(bad[1]!.reason).toBe('config: expected an object, got null');
    // A damaged point is named when the run is read; raw, everything is as it was.
    await expect(s.getRun('bad-point')).rejects.toMatchObject({
      kind: 'corrupt',
      message: expect.stringContaining('metrics[0].step'),
    });
    expect(await s.getRawRun('damaged')).toMatchObject({ config: null, metrics: [point(2)], evals: [] });
    // Appending after the upgrade continues the history.
    await s.appendMetrics('old', [point(8)]);
    expect((await s.getRun('old'))!.metrics).toEqual([...old.metrics, point(8)]);
    s.close();
    const again = await rawOpen();
    expect(again.version).toBe(DB_VERSION);
    expect([...again.objectStoreNames].sort()).toEqual([
      'checkpoints',
      'chunks',
      'evals',
      'manifests',
      'metrics',
      'runs',
    ]);
    again.close();
  });

  it('a version-1 database (datasets only) gets every run store and keeps its datasets', async () => {
    freshIndexedDb();
    const db = await rawOpen(1, (d) => {
      d.createObjectStore('manifests', { keyPath: 'id' });
      d.createObjectStore('chunks', { keyPath: ['datasetId', 'split', 'index'] });
    });
    await new Promise<void>((resolve) => {
      const tx = db.transaction('manifests', 'readwrite');
      tx.objectStore('manifests').put({ id: 'kept', name: 'Kept' });
      tx.oncomplete = () => resolve();
    });
    db.close();
    const s = await openRunStore();
    expect(await s.listRuns()).toEqual([]);
    s.close();
    const images = await openImageStore();
    expect((await images.scanManifests()).damaged.map((d) => d.id)).toEqual(['kept']); // still there
    images.close();
  });

  it('a record still in the version-2 shape (written straight into the store) reads as before; its next write moves it', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('new', 2, { metrics: [point(2)] }));
    const legacy = run('legacy', 1, history);
    await putRaw('runs', [legacy]);
    expect((await s.listRuns()).map((r) => r.id)).toEqual(['new', 'legacy']);
    expect(await s.getRun('legacy')).toEqual({ ...legacy, events: [] });
    await s.appendMetrics('legacy', [point(8)], [evalAt(8)]);
    const r = (await s.getRun('legacy'))!;
    expect(r.metrics).toEqual([...history.metrics, point(8)]);
    expect(r.evals).toEqual([...history.evals, evalAt(8)]);
    const raw = (await getAllRaw('runs')).find((x) => (x as RunRecord).id === 'legacy');
    expect(raw).not.toHaveProperty('metrics');
    await s.deleteRun('legacy');
    expect((await getAllRaw('metrics')).map((x) => (x as { runId: string }).runId)).toEqual(['new']);
  });
});

describe('a store used by tests of other modules', () => {
  it('is a RunStore', async () => {
    const s: RunStore = await openTestRunStore();
    expect(await s.listRuns()).toEqual([]);
  });
});

describe('datasets stored by a version-1 app', () => {
  it('keeps datasets stored under v1: installers compare MANIFEST_VERSION, not the database version', async () => {
    expect(MANIFEST_VERSION).toBe(1);
    const store = createMemoryStore();
    const stored: DatasetManifest = {
      id: 'mnist',
      name: 'MNIST',
      width: 4,
      height: 4,
      channels: 1,
      classNames: ['0', '1'],
      splits: {
        train: { count: 2, chunkSize: 2, chunkCount: 1 },
        test: { count: 0, chunkSize: 2, chunkCount: 0 },
      },
      about: 'stored by a v1 app',
      schemaVersion: 1,
      createdAt: 0,
      complete: true,
    };
    await store.putManifest(stored);
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      return new Response(null, { status: 404 });
    });
    expect(await installBuiltinMnist(store, '/base', () => undefined)).toEqual(stored);
    expect(urls).toEqual([]); // nothing downloaded again
  });
});

import type { IDBPDatabase } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PRESETS } from '../../shared/config';
import type { Checkpoint } from '../training/checkpoint';
import { createMemoryRunStore } from '../testing/memoryRunStore';
import { createMemoryStore } from '../testing/memoryStore';
import { installBuiltinMnist } from './builtin';
import { upgradeHexaDb, type HexaDb } from './imageStore';
import { markInterrupted, prepareResume } from './runStore';
import { MANIFEST_VERSION, STORE_SCHEMA_VERSION, type DatasetManifest } from '../../shared/data/types';
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

describe('memory run store', () => {
  it('saves, lists newest first, renames, tags, updates and deletes runs', async () => {
    const s = createMemoryRunStore();
    await s.saveRun(run('a', 1));
    await s.saveRun(run('b', 2, { notes: 'second' }));
    expect((await s.listRuns()).map((r) => r.id)).toEqual(['b', 'a']);
    await s.renameRun('a', 'Baseline');
    await s.setTags('a', ['moco', 'tiny']);
    const updated = await s.updateRun('a', { status: 'done', step: 36 });
    expect(updated).toMatchObject({ name: 'Baseline', tags: ['moco', 'tiny'], status: 'done', step: 36 });
    expect(updated.updatedAt).toBeGreaterThan(1);
    expect(await s.getRun('a')).toEqual(updated);
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

  it('appends metrics in batches and moves the step', async () => {
    const s = createMemoryRunStore();
    await s.saveRun(run('a', 1));
    await s.appendMetrics('a', [point(2), point(4)]);
    await s.appendMetrics('a', [point(6)], [evalAt(6)]);
    await s.appendMetrics('a', []); // nothing to write: no transaction
    const r = (await s.getRun('a'))!;
    expect(r.metrics.map((p) => p.step)).toEqual([2, 4, 6]);
    expect(r.evals.map((p) => p.step)).toEqual([6]);
    expect(r.step).toBe(6);
    expect(s.appendCalls).toBe(2);
    await expect(s.appendMetrics('nope', [point(1)])).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('keeps only the latest checkpoint of a run and deletes it with the run', async () => {
    const s = createMemoryRunStore();
    await s.saveRun(run('a', 1));
    await s.saveRun(run('b', 2));
    await s.putCheckpoint('a', checkpoint(12));
    await s.putCheckpoint('a', checkpoint(24));
    await s.putCheckpoint('b', checkpoint(12));
    expect(s.checkpoints.size).toBe(2);
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
    const s = createMemoryRunStore();
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
    expect(await prepareResume(s, 'c')).toBeNull(); // no checkpoint yet
  });

  it('keeps the settings changed up to the checkpoint, drops later ones and records the resumption', async () => {
    const s = createMemoryRunStore();
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

describe('schema version 2', () => {
  /** Records which object stores an upgrade creates, over the stores a database already has. */
  function fakeDb(existing: string[]) {
    const stores = new Map<string, unknown>(existing.map((n) => [n, { keyPath: 'old' }]));
    const db = {
      createObjectStore(name: string, opts: unknown) {
        if (stores.has(name)) throw new Error(`ConstraintError: ${name} exists`);
        stores.set(name, opts);
      },
    };
    return { db: db as unknown as IDBPDatabase<HexaDb>, stores };
  }

  it('creates every store in a new database and only runs/checkpoints over a v1 one', () => {
    expect(STORE_SCHEMA_VERSION).toBe(2);
    const fresh = fakeDb([]);
    upgradeHexaDb(fresh.db, 0);
    expect([...fresh.stores.keys()]).toEqual(['manifests', 'chunks', 'runs', 'checkpoints']);
    const v1 = fakeDb(['manifests', 'chunks']);
    upgradeHexaDb(v1.db, 1);
    expect(v1.stores.get('manifests')).toEqual({ keyPath: 'old' }); // untouched
    expect(v1.stores.get('runs')).toEqual({ keyPath: 'id' });
    expect(v1.stores.get('checkpoints')).toEqual({ keyPath: 'runId' });
    const v2 = fakeDb(['manifests', 'chunks', 'runs', 'checkpoints']);
    upgradeHexaDb(v2.db, 2); // nothing to do
    expect(v2.stores.size).toBe(4);
  });

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

import { describe, expect, it, vi } from 'vitest';
import { openTestRunStore, putRaw } from '../engine/testing/testDb';
import { run } from '../state/testRuns';
import { importRunFile, listRunsReply, runActionFor, runDetails, RUN_FILE_FORMAT } from './runOps';
import type { WorkerReply } from '../shared/protocol';

describe('saved-run requests', () => {
  it('the runs list never throws: damaged records are listed apart with the reason', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a'));
    await putRaw('runs', [
      { ...run('b'), config: null },
      { ...run('c'), evals: undefined, tags: undefined }, // older record: migrated
    ]);
    const list = await listRunsReply(s);
    expect(list.runs.map((r) => r.id).sort()).toEqual(['a', 'c']);
    expect(list.damaged).toEqual([{ id: 'b', reason: 'config: expected an object, got null' }]);
  });

  it('a refused run file stores nothing; a good one is stored under a new id with a capped name', async () => {
    const s = await openTestRunStore();
    const bad = JSON.stringify({ format: RUN_FILE_FORMAT, run: { ...run('x'), config: null } });
    await expect(importRunFile(s, bad)).rejects.toThrow('run.config: expected an object, got null');
    expect((await s.scanRuns()).runs).toEqual([]);
    const phases: string[] = [];
    const good = JSON.stringify({ format: RUN_FILE_FORMAT, run: { ...run('y'), name: 'n'.repeat(500) } });
    const name = await importRunFile(s, good, (p) => phases.push(p));
    expect(phases).toEqual(['check', 'store']);
    expect(name).toHaveLength(80);
    expect(name.endsWith(' (imported)')).toBe(true);
    expect((await s.listRuns())[0]!.name).toBe(name);
  });

  it('damaged records can be exported raw and deleted; renames over 80 characters are refused', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a'));
    await putRaw('runs', [{ id: 'b', metrics: new Float32Array([1, 2]) }]);
    const posted: WorkerReply[] = [];
    const post = (m: WorkerReply) => void posted.push(m);
    await runActionFor(s, null, 'b', { kind: 'export-raw' }, post, null);
    const files = posted[0]!.type === 'run-export' ? posted[0]!.files : [];
    expect(files.map((f) => f.name)).toEqual(['b.raw.json']);
    expect(JSON.parse(files[0]!.data as string)).toEqual({ id: 'b', metrics: [1, 2], evals: [] }); // with its history rows (none)
    await expect(runActionFor(s, null, 'b', { kind: 'rename', name: 'x' }, post, null)).rejects.toMatchObject(
      {
        kind: 'corrupt',
      },
    );
    await runActionFor(s, null, 'b', { kind: 'delete' }, post, null);
    expect((await s.scanRuns()).damaged).toEqual([]);
    await expect(
      runActionFor(s, null, 'a', { kind: 'rename', name: 'r'.repeat(81) }, post, null),
    ).rejects.toThrow('Run names are at most 80 characters.');
  });

  it('the runs list reads the runs store only, never a history', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a', { createdAt: 1 }));
    await s.saveRun(run('b', { createdAt: 2, metrics: [], evals: [] }));
    const stores: string[][] = [];
    const original = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      names: string | Iterable<string>,
      mode?: IDBTransactionMode,
    ) {
      stores.push(typeof names === 'string' ? [names] : [...names]);
      return original.call(this, names, mode);
    });
    const list = await listRunsReply(s);
    spy.mockRestore();
    expect(stores).toEqual([['runs']]);
    expect(list.runs.map((r) => [r.id, r.loss, r.linearTop1, r.knnTop1])).toEqual([
      ['b', null, null, null],
      ['a', 2, 0.5, 0.4],
    ]);
  });

  it('the comparison gets whole histories, in the order asked; damaged and unknown runs are left out', async () => {
    const s = await openTestRunStore();
    await s.saveRun(run('a'));
    await s.saveRun(run('b', { metrics: [], evals: [] }));
    await s.appendMetrics('b', run('a').metrics.slice(0, 1));
    await s.appendMetrics('b', run('a').metrics.slice(1), run('a').evals);
    await putRaw('runs', [{ ...run('c'), config: null }]);
    const details = await runDetails(s, ['b', 'gone', 'c', 'a']);
    expect(details.map((r) => r.id)).toEqual(['b', 'a']);
    expect(details[0]!.metrics).toEqual(run('a').metrics);
    expect(details[0]!.evals).toEqual(run('a').evals);
    expect(details[1]).toEqual({ ...run('a'), events: [] });
  });
});

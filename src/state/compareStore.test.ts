import { describe, expect, it } from 'vitest';
import { buildAblation } from './compareData';
import { compareOnReply, staleSelection, useCompareStore, beginAblation } from './compareStore';
import { cfg, run } from './testRuns';
import type { RunSummary, WorkerRequest } from '../shared/protocol';

describe('the ablation queue', () => {
  it('renames each run, starts the next when the worker is free, then compares them', () => {
    const sent: WorkerRequest[] = [];
    const launched: number[] = [];
    const driver = {
      send: (r: WorkerRequest) => sent.push(r),
      launch: (c: typeof cfg) => launched.push(c.seed),
    };
    const items = buildAblation(cfg, 1, 1).slice(0, 2);
    beginAblation(items);
    const summary = (id: string, status: RunSummary['status']) => ({ id, status }) as RunSummary;
    compareOnReply({ type: 'run-started', runId: 'r1', config: items[0]!.config, resumed: null }, driver);
    expect(sent[0]).toEqual({
      type: 'run-action',
      id: 'r1',
      action: { kind: 'rename', name: items[0]!.name },
    });
    compareOnReply({ type: 'runs', runs: [summary('r1', 'running')], damaged: [] }, driver);
    expect(launched).toEqual([]);
    compareOnReply({ type: 'runs', runs: [summary('r1', 'done')], damaged: [] }, driver);
    expect(launched).toEqual([5]);
    expect(useCompareStore.getState().ablation.index).toBe(1);
    compareOnReply({ type: 'runs', runs: [summary('r1', 'done')], damaged: [] }, driver); // no run-started yet: wait
    expect(launched).toEqual([5]);
    compareOnReply({ type: 'run-started', runId: 'r2', config: items[1]!.config, resumed: null }, driver);
    compareOnReply(
      { type: 'runs', runs: [summary('r1', 'done'), summary('r2', 'done')], damaged: [] },
      driver,
    );
    const s = useCompareStore.getState();
    expect(s.ablation.status).toBe('done');
    expect(s.selected).toEqual(['r1', 'r2']);
    expect(s.baselineId).toBe('r1');
    expect(sent.at(-1)).toEqual({ type: 'get-runs', ids: ['r1', 'r2'] });
    compareOnReply({ type: 'run-details', runs: [run('r1')] }, driver);
    expect(Object.keys(useCompareStore.getState().details)).toEqual(['r1']);
    expect(
      staleSelection(['r1', 'r2'], useCompareStore.getState().details, [
        { id: 'r1', updatedAt: 1 } as RunSummary,
        { id: 'r2', updatedAt: 1 } as RunSummary,
      ]),
    ).toEqual(['r2']);
  });

  it('fails when a run cannot start', () => {
    const driver = { send: () => {}, launch: () => {} };
    beginAblation(buildAblation(cfg, 1, 1));
    compareOnReply({ type: 'run-error', message: 'A run is already in progress: stop it first.' }, driver);
    expect(useCompareStore.getState().ablation.status).toBe('failed');
  });
});

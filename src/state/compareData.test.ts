import { describe, expect, it } from 'vitest';
import {
  buildAblation,
  compareChartData,
  evalRows,
  findResumePoints,
  nextAblationNumber,
  runMarkers,
  seedGroups,
  formatMeanStd,
  summaryRow,
  finetuneFractionsIn,
  finetuneKey,
} from './compareData';
import type { FinetunePoint } from '../shared/trainingTypes';
import { cfg, point, run } from './testRuns';
import { registerMethodDescriptor, unregisterMethodDescriptor } from '../shared/catalog';
import type { MethodId } from '../shared/config';

describe('buildAblation', () => {
  it('gives the five MoCo arms per seed, named and numbered (the last: HEXA-MoCo as published)', () => {
    const items = buildAblation(cfg, 2, 3);
    expect(items).toHaveLength(10);
    expect(
      items.map((i) => [
        i.config.method,
        i.config.adversarial,
        i.config.cutmix,
        i.config.mixup,
        i.config.seed,
      ]),
    ).toEqual([
      ['moco-v2', false, false, false, 5],
      ['hexa-moco', true, false, false, 5],
      ['hexa-moco', false, true, false, 5],
      ['hexa-moco', false, false, true, 5],
      ['hexa-moco', true, true, false, 5],
      ['moco-v2', false, false, false, 6],
      ['hexa-moco', true, false, false, 6],
      ['hexa-moco', false, true, false, 6],
      ['hexa-moco', false, false, true, 6],
      ['hexa-moco', true, true, false, 6],
    ]);
    expect(items[1]!.name).toBe('ablation 3: +adversarial, seed 5');
    expect(items[3]!.name).toBe('ablation 3: +mix-up, seed 5');
    expect(items[9]!.name).toBe('ablation 3: HEXA-MoCo, seed 6');
    // Everything else is the current config.
    expect(items.every((i) => i.config.batchSize === cfg.batchSize && i.config.epochs === cfg.epochs)).toBe(
      true,
    );
  });

  it("gives a third family its descriptor's arms, never DeepCluster's", () => {
    const id = 'third' as MethodId;
    registerMethodDescriptor({
      id,
      label: 'Third',
      help: 'A third family (test only), without a HEXA variant.',
      family: 'third',
      labelKind: 'key',
      capabilities: ['score'],
      groups: [],
      generators: [],
      panels: [],
      ablation: [{ label: 'Third', patch: { method: id } }],
    });
    try {
      const items = buildAblation({ ...cfg, method: id }, 2, 1);
      expect(items.map((i) => [i.name, i.config.method, i.config.seed])).toEqual([
        ['ablation 1: Third, seed 5', 'third', 5],
        ['ablation 1: Third, seed 6', 'third', 6],
      ]);
    } finally {
      unregisterMethodDescriptor(id);
    }
  });

  it('uses the DeepCluster arms for the DeepCluster family', () => {
    const items = buildAblation({ ...cfg, method: 'hexa-dcluster' }, 1, 1);
    expect(items.map((i) => i.config.method)).toEqual([
      'deepcluster-v2',
      'hexa-dcluster',
      'hexa-dcluster',
      'hexa-dcluster',
      'hexa-dcluster',
    ]);
    expect(items[0]!.name).toBe('ablation 1: DeepCluster-v2, seed 5');
  });

  it('numbers a new ablation after the existing ones', () => {
    expect(nextAblationNumber([])).toBe(1);
    expect(nextAblationNumber(['x', 'ablation 2: +cut-mix, seed 1', 'ablation 10: MoCo-v2, seed 1'])).toBe(
      11,
    );
  });
});

describe('findResumePoints', () => {
  it('finds where step or training time goes back', () => {
    const pts = [
      { step: 2, elapsedMs: 10 },
      { step: 4, elapsedMs: 20 },
      { step: 4, elapsedMs: 21 }, // same step again
      { step: 6, elapsedMs: 30 },
      { step: 8, elapsedMs: 5 }, // clock restarted
      { step: 10, elapsedMs: 15 },
    ];
    expect(findResumePoints(pts)).toEqual([2, 4]);
    expect(findResumePoints(pts.slice(0, 2))).toEqual([]);
    expect(findResumePoints([])).toEqual([]);
  });

  it('places restart markers on the chosen axis for runs saved without events', () => {
    const r = run('a', { metrics: [point(2, 1000, {}), point(4, 2000, {}), point(2, 1500, {})] });
    const resumed = { label: 'resumed', kind: 'resume' };
    expect(runMarkers([run('b'), r], 'step')).toEqual([{ runIndex: 1, x: 2, ...resumed }]);
    expect(runMarkers([r], 'time')).toEqual([{ runIndex: 0, x: 1.5, ...resumed }]);
  });

  it('marks settings changed mid-run and resumptions from the saved events', () => {
    const r = run('a', {
      events: [
        {
          kind: 'settings',
          step: 4,
          epoch: 0.5,
          elapsedMs: 2500,
          changes: [{ key: 'lr', from: 0.06, to: 0.01 }],
        },
        { kind: 'resume', step: 6, epoch: 0.75, elapsedMs: 3000, lostSteps: 2 },
      ],
    });
    expect(runMarkers([run('b', { events: [] }), r], 'step')).toEqual([
      { runIndex: 1, x: 4, label: 'Learning rate 0.06 → 0.01', kind: 'settings' },
      { runIndex: 1, x: 6, label: 'resumed (2 steps redone)', kind: 'resume' },
    ]);
    expect(runMarkers([r], 'epoch').map((m) => m.x)).toEqual([0.5, 0.75]);
    expect(runMarkers([r], 'time').map((m) => m.x)).toEqual([2.5, 3]);
  });
});

describe('chart rows', () => {
  it('interpolates evaluation times from the read-backs', () => {
    const r = run('a', { evals: [...run('a').evals, { ...run('a').evals[1]!, step: 3 }] });
    expect(evalRows(r).map((e) => e.elapsedMs)).toEqual([0, 2000, 1500]);
  });

  it('overlays runs on one axis with smoothing and a band', () => {
    const a = run('a');
    const b = run('b', { metrics: [point(2, 500, { loss: 4 })], evals: [] });
    const raw = compareChartData([a, b], 'loss', { axis: 'step', smoothing: 0, envelopeWindow: 0 });
    expect(raw.rows).toEqual([
      { x: 2, r0: 3, r1: 4 },
      { x: 4, r0: 2 },
    ]);
    expect(raw.series.map((s) => [s.runId, s.points])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const time = compareChartData([a, b], 'linear', { axis: 'time', smoothing: 0, envelopeWindow: 0 });
    expect(time.rows).toEqual([
      { x: 0, r0: 0.1 },
      { x: 2, r0: 0.5 },
    ]);
    expect(time.series[1]!.points).toBe(0);
    const sm = compareChartData([a], 'loss', { axis: 'step', smoothing: 0.5, envelopeWindow: 2 });
    // TensorBoard EMA: 3, (0.5·1.5 + 0.5·2)/(1 − 0.25) = 2.333…
    expect(sm.rows[1]!.r0).toBeCloseTo(7 / 3);
    expect(sm.rows[1]).toMatchObject({ r0_lo: 2, r0_hi: 3 });
  });
});

describe('summary', () => {
  it('gives the final metrics of a run', () => {
    const s = summaryRow(run('a', { config: { ...cfg, method: 'hexa-moco', cutmix: false } }));
    expect(s).toMatchObject({ loss: 2, linearTop1: 0.5, knnTop1: 0.4, generators: ['adversarial'] });
    expect(s.flipRate).toBeNull();
    expect(s.wallMs).toBe(2000);
    expect(summaryRow(run('b', { config: { ...cfg, adversarial: true } })).generators).toEqual([]);
  });

  it('groups runs that differ only by seed', () => {
    const a = run('a');
    const b = run('b', {
      config: { ...cfg, seed: 6 },
      evals: [{ ...run('b').evals[1]!, linearTop1: 0.7 }],
    });
    const c = run('c', { config: { ...cfg, method: 'hexa-moco' } });
    const groups = seedGroups([b, c, a]); // picked seed 6 first: still listed '5, 6'
    expect(groups).toHaveLength(1);
    expect(groups[0]!.seeds).toEqual([5, 6]);
    expect(groups[0]!.rows.map((r) => r.seed)).toEqual([5, 6]);
    expect(groups[0]!.stats.linearTop1!.mean).toBeCloseTo(0.6);
    expect(groups[0]!.stats.linearTop1!.std).toBeCloseTo(Math.SQRT2 * 0.1);
  });

  it('keeps a run whose settings changed mid-run out of its seed group, and says so', () => {
    const at = { epoch: 0.2, elapsedMs: 1000 };
    const lr = (step: number) => ({
      kind: 'settings' as const,
      step,
      ...at,
      changes: [{ key: 'lr' as const, from: 0.06, to: 0.01 }],
    });
    const a = run('a');
    const b = run('b', { config: { ...cfg, seed: 6 }, events: [lr(2)] });
    expect(seedGroups([a, b])).toHaveLength(0);
    expect(summaryRow(b).midRunChanges).toEqual(['step 2: Learning rate 0.06 → 0.01']);
    expect(summaryRow(a).midRunChanges).toEqual([]);
    // The same change at the same step on both: still the same experiment over two seeds.
    const c = run('c', {
      config: { ...cfg, seed: 7 },
      events: [lr(2), { kind: 'resume', step: 3, ...at, lostSteps: 1 }],
    });
    expect(seedGroups([b, c]).map((g) => g.seeds)).toEqual([[6, 7]]);
    expect(seedGroups([run('d', { events: [lr(3)] }), b])).toHaveLength(0);
  });
});

describe('formatMeanStd', () => {
  it("prints the unit after the numbers, and a bare '–' (not '– %') for a metric no run has", () => {
    const pctOf = (x: number) => (100 * x).toFixed(1);
    expect(formatMeanStd({ mean: 0.612, std: 0.031, n: 3 }, pctOf, '%')).toBe('61.2 ± 3.1 %');
    expect(formatMeanStd({ mean: 2.5, std: 0.25, n: 2 }, (x) => x.toFixed(3))).toBe('2.500 ± 0.250');
    expect(formatMeanStd(undefined, pctOf, '%')).toBe('–');
    expect(formatMeanStd({ mean: NaN, std: NaN, n: 0 }, pctOf, '%')).toBe('–');
  });
});

describe('fine-tuning in the summary', () => {
  const ft = (fraction: FinetunePoint['fraction'], fromRandomInit: boolean, top1: number): FinetunePoint => ({
    fraction,
    top1,
    fromRandomInit,
    trainCount: 32,
    testCount: 100,
    step: fromRandomInit ? 0 : 4,
    seed: 1,
  });

  it('rows carry top-1 per fraction and init; the fractions any run has are the columns', () => {
    const a = run('a', { finetunes: [ft(0.1, false, 0.8), ft(0.1, true, 0.6)] });
    const b = run('b');
    const rows = [summaryRow(a), summaryRow(b)];
    expect(rows[0]!.finetune).toEqual({ [finetuneKey(0.1, false)]: 0.8, [finetuneKey(0.1, true)]: 0.6 });
    expect(rows[1]!.finetune).toEqual({});
    expect(finetuneFractionsIn(rows)).toEqual([0.1]);
    expect(finetuneFractionsIn([rows[1]!])).toEqual([]);
  });

  it('seed groups give mean ± std of fine-tuned and random-init top-1 over the seeds that have it', () => {
    const a = run('a', {
      config: { ...cfg, seed: 1 },
      finetunes: [ft(0.01, false, 0.8), ft(0.01, true, 0.5)],
    });
    const b = run('b', {
      config: { ...cfg, seed: 2 },
      finetunes: [ft(0.01, false, 0.6), ft(0.01, true, 0.5)],
    });
    const c = run('c', { config: { ...cfg, seed: 3 } }); // not fine-tuned: left out of those stats
    const [g] = seedGroups([a, b, c]);
    const trained = g!.stats[finetuneKey(0.01, false)]!;
    expect(trained.n).toBe(2);
    expect(trained.mean).toBeCloseTo(0.7, 10);
    expect(trained.std).toBeCloseTo(Math.sqrt(0.02), 10); // sample std of 0.8, 0.6
    expect(g!.stats[finetuneKey(0.01, true)]).toMatchObject({ mean: 0.5, std: 0, n: 2 });
    expect(g!.stats[finetuneKey(0.1, false)]).toBeUndefined();
  });
});

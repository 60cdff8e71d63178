// The experiment report's ranking and merge (ranking.ts) on hand-made results.
import { describe, expect, it } from 'vitest';
import {
  groupKey,
  mergeResults,
  PIXELS_KEY,
  RANDOM_INIT_KEY,
  rankRuns,
  type ExperimentResults,
  type RankRun,
} from './ranking';

/** A done run: evaluations at steps 0/100/200 with (linear, kNN) at 200, wall time per evaluation. */
function run(
  method: string,
  seed: number,
  final: [number, number],
  opts: {
    variant?: string;
    wall?: number;
    ft?: [number, number, number][];
    mid?: [number, number];
    steps?: number;
  } = {},
): RankRun & { index: number } {
  const wall = opts.wall ?? 100_000;
  const end = opts.steps ?? 200;
  const mid = opts.mid ?? [final[0] - 0.1, final[1] - 0.1];
  return {
    index: 0,
    method,
    variant: opts.variant ?? null,
    seed,
    status: 'done',
    wallMs: wall,
    evaluations: [
      { step: 0, linearTop1: 0.5, knnTop1: 0.4, wallMs: 1000 },
      { step: 100, linearTop1: mid[0], knnTop1: mid[1], wallMs: wall / 2 },
      { step: end, linearTop1: final[0], knnTop1: final[1], wallMs: wall },
    ],
    baselines: {
      randomInit: { linearTop1: 0.6 + seed / 100, knnTop1: 0.5 },
      pixels: { linearTop1: 0.8, knnTop1: 0.7 },
    },
    finetunes: (opts.ft ?? []).flatMap(([fraction, trained, random]) => [
      { fraction, top1: trained, fromRandomInit: false },
      { fraction, top1: random, fromRandomInit: true },
    ]),
  };
}

const label = (k: string) => k.toUpperCase();

describe('rankRuns', () => {
  it('ranks groups and baselines by linear, kNN and fine-tuning at equal steps (mean over seeds)', () => {
    const runs = [
      run('a', 1, [0.9, 0.7], { ft: [[0.01, 0.6, 0.3]] }),
      run('a', 2, [0.8, 0.9], { ft: [[0.01, 0.8, 0.5]] }), // a: linear 0.85 ± 0.0707, kNN 0.8, ft 0.7
      run('b', 1, [0.95, 0.6], { ft: [[0.01, 0.5, 0.3]] }),
      run('b', 2, [0.75, 0.6], { ft: [[0.01, 0.5, 0.5]] }), // b: linear 0.85, kNN 0.6, ft 0.5
      run('c', 1, [0.5, 0.5]), // c: no fine-tuning
      { ...run('d', 1, [0.99, 0.99]), status: 'failed' }, // not ranked
    ];
    const { equalSteps: t, fractions } = rankRuns(runs, label);
    expect(fractions).toEqual([0.01]);
    expect(t.step).toBe(200);
    expect(t.criteria).toEqual(['linear', 'knn', 'finetune:0.01']);
    const row = (k: string) => t.rows.find((r) => r.key === k)!;
    expect(row('a').linear.mean).toBeCloseTo(0.85, 12);
    expect(row('a').linear.std).toBeCloseTo(Math.SQRT2 * 0.05, 12);
    expect(row('a').knn.mean).toBeCloseTo(0.8, 12);
    expect(row('a').finetune['0.01']!.mean).toBeCloseTo(0.7, 12);
    expect(row('a').label).toBe('A');
    // Baselines: random init linear 0.61 / 0.62 over seeds 1, 2; its fine-tuning the random points
    // of each seed averaged over the runs of that seed: seed 1 (0.3 + 0.3) / 2, seed 2 (0.5 + 0.5) / 2.
    expect(row(RANDOM_INIT_KEY).linear.mean).toBeCloseTo(0.615, 12);
    expect(row(RANDOM_INIT_KEY).finetune['0.01']!.mean).toBeCloseTo(0.4, 12);
    expect(row(PIXELS_KEY).linear.mean).toBeCloseTo(0.8, 12);
    expect(row(PIXELS_KEY).finetune['0.01']).toBeUndefined();
    // Linear: a = b = 0.85 share rank 1, pixels 0.8 is 3rd, random 0.615 4th, c 0.5 5th.
    expect(t.rows.map((r) => [r.key, r.rank.linear])).toEqual([
      ['a', 1],
      ['b', 1],
      [PIXELS_KEY, 3],
      [RANDOM_INIT_KEY, 4],
      ['c', 5],
    ]);
    expect(row('a').rank.knn).toBe(1); // 0.8 > pixels 0.7 > b 0.6 > c 0.5 = random 0.5
    expect(row(PIXELS_KEY).rank.knn).toBe(2);
    expect(row('c').rank.knn).toBe(4);
    expect(row(RANDOM_INIT_KEY).rank.knn).toBe(4);
    expect(row('a').rank['finetune:0.01']).toBe(1);
    expect(row('b').rank['finetune:0.01']).toBe(2);
    expect(row(RANDOM_INIT_KEY).rank['finetune:0.01']).toBe(3);
    expect(row('c').rank['finetune:0.01']).toBeUndefined();
    expect(t.rows.some((r) => r.key === 'd')).toBe(false);
  });

  it('scores every run at the last step all runs reached, and at equal wall-clock time', () => {
    const runs = [
      run('fast', 1, [0.7, 0.6], { wall: 100_000 }),
      run('slow', 1, [0.9, 0.8], { wall: 300_000, mid: [0.65, 0.55] }),
      run('long', 1, [0.95, 0.9], { steps: 400, wall: 100_000 }), // evaluated at 0, 100, 400
    ];
    const r = rankRuns(runs, label);
    expect(r.equalSteps.step).toBe(100);
    const at100 = Object.fromEntries(r.equalSteps.rows.map((x) => [x.key, x.steps]));
    expect(at100).toMatchObject({ fast: [100], slow: [100], long: [100] });
    // Budget: the slowest run of the fastest group = 100 s; 'slow' is scored at its step 100 (150 s > 100 s).
    expect(r.equalTime!.budgetSeconds).toBe(100);
    const slow = r.equalTime!.rows.find((x) => x.key === 'slow')!;
    expect(slow.steps).toEqual([0]); // its step-100 evaluation came at 150 s
    expect(slow.linear.mean).toBe(0.5);
    const long = r.equalTime!.rows.find((x) => x.key === 'long')!;
    expect(long.steps).toEqual([400]);
    expect(long.rank.linear).toBe(1);
  });

  it('keeps a method with another --label apart', () => {
    const runs = [run('m', 1, [0.8, 0.7]), run('m', 1, [0.6, 0.5], { variant: '+mix-up' })];
    expect(groupKey(runs[1]!)).toBe('m (+mix-up)');
    const keys = rankRuns(runs, label).equalSteps.rows.map((r) => r.key);
    expect(keys).toContain('m');
    expect(keys).toContain('m (+mix-up)');
  });
});

describe('mergeResults', () => {
  const results = (runs: RankRun[], extra: Partial<ExperimentResults> = {}): ExperimentResults => ({
    command: 'npm run experiment -- x',
    date: '2026-01-01T00:00:00Z',
    methods: [...new Set(runs.map((r) => r.method))],
    seeds: [...new Set(runs.map((r) => r.seed))],
    preset: 'tiny',
    datasetArg: 'mnist',
    dataset: { id: 'mnist' },
    backendArg: 'cpu',
    finetuneFractions: [],
    totalSeconds: 10,
    runs: runs.map((r, index) => ({ ...r, index })),
    ...extra,
  });

  it('concatenates runs, unites methods, seeds and fractions, and keeps each command', () => {
    const a = results([run('moco-v2', 1, [0.85, 0.7]), run('moco-v2', 2, [0.85, 0.7])], {
      finetuneFractions: [0.01],
      command: 'A',
    });
    const b = results([run('simclr', 3, [0.7, 0.6])], { command: 'B', finetuneFractions: [0.1, 0.01] });
    const m = mergeResults([
      { dir: 'a', results: a },
      { dir: 'b', results: b },
    ]);
    expect(m.runs.map((r) => [r.index, r.method, r.seed, r.source])).toEqual([
      [0, 'moco-v2', 1, 'a'],
      [1, 'moco-v2', 2, 'a'],
      [2, 'simclr', 3, 'b'],
    ]);
    expect(m.methods).toEqual(['moco-v2', 'simclr']);
    expect(m.seeds).toEqual([1, 2, 3]);
    expect(m.finetuneFractions).toEqual([0.01, 0.1]);
    expect(m.command).toBe('merged: A | B');
    expect(m.totalSeconds).toBe(20);
    expect(rankRuns(m.runs, label).equalSteps.rows.map((r) => r.key)).toEqual([
      'moco-v2',
      PIXELS_KEY,
      'simclr',
      RANDOM_INIT_KEY,
    ]);
  });

  it('refuses different datasets or presets, and the same method and seed twice', () => {
    const a = results([run('moco-v2', 1, [0.8, 0.7])]);
    expect(() =>
      mergeResults([
        { dir: 'a', results: a },
        { dir: 'b', results: results([run('simclr', 1, [0.8, 0.7])], { dataset: { id: 'fashion-mnist' } }) },
      ]),
    ).toThrow('merge: b was measured on fashion-mnist, a on mnist');
    expect(() =>
      mergeResults([
        { dir: 'a', results: a },
        { dir: 'b', results: results([run('simclr', 1, [0.8, 0.7])], { preset: 'resnet' }) },
      ]),
    ).toThrow('merge: b used preset resnet, a tiny');
    expect(() =>
      mergeResults([
        { dir: 'a', results: a },
        { dir: 'b', results: results([run('moco-v2', 1, [0.81, 0.7])]) },
      ]),
    ).toThrow('merge: moco-v2 seed 1 is in both a and b with different results');
    // With a label it is another group: no conflict.
    const ok = mergeResults([
      { dir: 'a', results: a },
      { dir: 'b', results: results([run('moco-v2', 1, [0.8, 0.7], { variant: 'lr 0.1' })]) },
    ]);
    expect(ok.runs).toHaveLength(2);
  });

  it('lets a run left unfinished by a time limit give way to the same run finished in another experiment', () => {
    const started = run('moco-v2', 3, [0.5, 0.45]);
    const cut = { ...started, status: 'running', evaluations: started.evaluations.slice(0, 2) };
    const pending = { ...run('simclr', 3, [0, 0]), status: 'pending', evaluations: [] };
    const a = results([run('moco-v2', 1, [0.8, 0.7]), cut, pending], {
      error: 'did not finish within 108 min',
    });
    const b = results([run('moco-v2', 3, [0.82, 0.75]), run('simclr', 3, [0.6, 0.65])]);
    const merged = mergeResults([
      { dir: 'a', results: a },
      { dir: 'b', results: b },
    ]);
    expect(merged.runs.map((r) => `${r.method} ${r.seed} ${r.status} ${r.source}`)).toEqual([
      'moco-v2 1 done a',
      'moco-v2 3 done b',
      'simclr 3 done b',
    ]);
    expect(merged.runs.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(merged.error).toBeNull(); // every run finished
    // The other order: a finished run is not replaced by an unfinished one.
    const back = mergeResults([
      { dir: 'b', results: b },
      { dir: 'a', results: a },
    ]);
    expect(back.runs.map((r) => `${r.method} ${r.seed} ${r.source}`)).toEqual([
      'moco-v2 3 b',
      'simclr 3 b',
      'moco-v2 1 a',
    ]);
    expect(mergeResults([{ dir: 'a', results: a }]).error).toBe('did not finish within 108 min');
  });

  it('keeps a run found again (same config and scores) once, with the fine-tunings of both', () => {
    const plain = { ...run('moco-v2', 1, [0.8, 0.7]), config: { lr: 0.06, seed: 1 } };
    const again = {
      ...run('moco-v2', 1, [0.8, 0.7], { ft: [[0.01, 0.5, 0.4]] }),
      config: { lr: 0.06, seed: 1, mixup: false }, // a field added since: not a difference
    };
    const m = mergeResults([
      { dir: 'a', results: results([plain, run('simclr', 1, [0.7, 0.6])]) },
      { dir: 'b', results: results([again]) },
    ]);
    expect(m.runs.map((r) => [r.method, r.source])).toEqual([
      ['moco-v2', 'a'],
      ['simclr', 'a'],
    ]);
    expect(m.runs[0]!.finetunes).toHaveLength(2);
    expect(
      rankRuns(m.runs, label).equalSteps.rows.find((r) => r.key === 'moco-v2')!.finetune['0.01']!.mean,
    ).toBe(0.5);
    const lrDiffers = { ...again, config: { lr: 0.1, seed: 1 } };
    expect(() =>
      mergeResults([
        { dir: 'a', results: results([plain]) },
        { dir: 'b', results: results([lrDiffers]) },
      ]),
    ).toThrow('with different results');
  });
});

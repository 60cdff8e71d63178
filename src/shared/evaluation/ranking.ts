// The ranked comparison of npm run experiment (issue 13, item 4): every method (or method with a
// variant label: other generator settings) of one or several merged experiments, ranked by linear
// probe, kNN and fine-tuning top-1 (mean ± std over seeds), at equal steps and at equal wall-clock
// time, with the random-init network and raw pixels as rows of the same tables; and the merge of
// several experiments' results.json into one. Tf-free and DOM-free: scripts/experiment/report.mjs
// loads it through Vite, its tests (ranking.test.ts) run on hand-made results.
import { meanStd, type MeanStd } from './runMath';

/** One evaluation of a run (the fields the ranking reads). */
export interface RankEval {
  step: number;
  linearTop1: number;
  knnTop1: number;
  wallMs?: number; // since the trainer was built; needed for the equal-time table
}

/** One fine-tuning of a run's network (fromRandomInit false) or of its random init (true). */
export interface RankFinetune {
  fraction: number;
  top1: number;
  fromRandomInit: boolean;
}

/** One run of an experiment's results.json (the fields the ranking reads). */
export interface RankRun {
  method: string;
  variant?: string | null; // --label of its experiment: the same method with other settings
  seed: number;
  status: string; // only 'done' runs are ranked
  wallMs: number | null;
  evaluations: RankEval[];
  baselines: {
    randomInit: { linearTop1: number; knnTop1: number };
    pixels: { linearTop1: number; knnTop1: number };
  } | null;
  finetunes?: RankFinetune[];
}

/** The group a run is ranked in: its method, or method and variant label. */
export const groupKey = (r: Pick<RankRun, 'method' | 'variant'>): string =>
  r.variant ? `${r.method} (${r.variant})` : r.method;

export const RANDOM_INIT_KEY = 'random-init';
export const PIXELS_KEY = 'pixels';

export interface RankRow {
  key: string; // groupKey, or RANDOM_INIT_KEY / PIXELS_KEY
  label: string;
  baseline: boolean;
  seeds: number[];
  steps: number[]; // the step each seed is scored at (empty for a baseline)
  linear: MeanStd;
  knn: MeanStd;
  /** Fine-tuned top-1 by label fraction (the run's network; the random-init row: its random inits). */
  finetune: Record<string, MeanStd>;
  /** 1 = best; rows with equal means share a rank; absent where the row has no value. */
  rank: Record<string, number>;
}

export interface RankTable {
  criteria: string[]; // 'linear', 'knn', 'finetune:<fraction>' (the keys of RankRow.rank)
  rows: RankRow[]; // best linear probe first
}

export interface Ranking {
  /** Every run scored at `step`, the last step at which all runs were evaluated. */
  equalSteps: RankTable & { step: number };
  /** Every run scored by its last evaluation within `budgetSeconds` (null without timings or < 2 groups). */
  equalTime: (RankTable & { budgetSeconds: number }) | null;
  fractions: number[];
}

const ftKey = (f: number) => `finetune:${f}`;

/** Means closer than this are equal (a mean's float rounding must not break a tie). */
const TIE = 1e-9;

/** Competition ranks (1, 2, 2, 4) of the rows that have a finite mean, higher is better. */
function assignRanks(rows: RankRow[], criterion: string, value: (r: RankRow) => number): void {
  const scored = rows.filter((r) => Number.isFinite(value(r)));
  for (const r of scored) r.rank[criterion] = 1 + scored.filter((o) => value(o) > value(r) + TIE).length;
}

function finishTable(rows: RankRow[], fractions: number[]): RankTable {
  const criteria = ['linear', 'knn', ...fractions.map(ftKey)];
  assignRanks(rows, 'linear', (r) => r.linear.mean);
  assignRanks(rows, 'knn', (r) => r.knn.mean);
  for (const f of fractions) assignRanks(rows, ftKey(f), (r) => r.finetune[String(f)]?.mean ?? NaN);
  const order = (r: RankRow) => (Number.isFinite(r.linear.mean) ? r.linear.mean : -Infinity);
  return { criteria, rows: [...rows].sort((a, b) => order(b) - order(a)) };
}

/** Per seed, the mean of the values the runs of that seed give (a seed counts once). */
function perSeed(pairs: { seed: number; value: number }[]): MeanStd {
  const bySeed = new Map<number, number[]>();
  for (const { seed, value } of pairs) {
    if (!Number.isFinite(value)) continue;
    bySeed.set(seed, [...(bySeed.get(seed) ?? []), value]);
  }
  return meanStd([...bySeed.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length));
}

function baselineRows(done: RankRun[], fractions: number[], withFinetune: boolean): RankRow[] {
  const based = done.filter((r) => r.baselines);
  if (based.length === 0) return [];
  const seeds = [...new Set(based.map((r) => r.seed))].sort((a, b) => a - b);
  const pick = (f: (r: RankRun) => number) => perSeed(based.map((r) => ({ seed: r.seed, value: f(r) })));
  const randomFt: Record<string, MeanStd> = {};
  if (withFinetune)
    for (const f of fractions) {
      const pts = done.flatMap((r) =>
        (r.finetunes ?? [])
          .filter((p) => p.fraction === f && p.fromRandomInit)
          .map((p) => ({ seed: r.seed, value: p.top1 })),
      );
      if (pts.length > 0) randomFt[String(f)] = perSeed(pts);
    }
  return [
    {
      key: RANDOM_INIT_KEY,
      label: 'random-init network (BN on data)',
      baseline: true,
      seeds,
      steps: [],
      linear: pick((r) => r.baselines!.randomInit.linearTop1),
      knn: pick((r) => r.baselines!.randomInit.knnTop1),
      finetune: randomFt,
      rank: {},
    },
    {
      key: PIXELS_KEY,
      label: 'raw pixels',
      baseline: true,
      seeds,
      steps: [],
      linear: pick((r) => r.baselines!.pixels.linearTop1),
      knn: pick((r) => r.baselines!.pixels.knnTop1),
      finetune: {},
      rank: {},
    },
  ];
}

/**
 * Ranks the done runs' groups (groupKey) by linear probe, kNN and fine-tuning top-1 at equal steps
 * and at equal wall-clock time; `labelOf` names a group (e.g. the catalog's label and the variant).
 * Fine-tuning is the run's final network at every fraction any run measured (the random-init row: the
 * same seeds' random inits); it is ranked in the equal-steps table only.
 */
export function rankRuns(runs: readonly RankRun[], labelOf: (key: string) => string): Ranking {
  const done = runs.filter((r) => r.status === 'done' && r.evaluations.length > 0);
  const keys = [...new Set(done.map(groupKey))];
  const fractions = [...new Set(done.flatMap((r) => (r.finetunes ?? []).map((p) => p.fraction)))].sort(
    (a, b) => a - b,
  );

  // Equal steps: the last step every run has an evaluation at.
  const stepSets = done.map((r) => new Set(r.evaluations.map((e) => e.step)));
  const common = [...(stepSets[0] ?? [])].filter((s) => stepSets.every((set) => set.has(s)));
  const step = common.length > 0 ? Math.max(...common) : 0;
  const rowAt = (key: string, pick: (r: RankRun) => RankEval | undefined, withFt: boolean): RankRow => {
    const group = done.filter((r) => groupKey(r) === key).sort((a, b) => a.seed - b.seed);
    const at = group.map((r) => ({ r, e: pick(r) })).filter((x) => x.e !== undefined);
    const finetune: Record<string, MeanStd> = {};
    if (withFt)
      for (const f of fractions) {
        const pts = group.flatMap((r) =>
          (r.finetunes ?? [])
            .filter((p) => p.fraction === f && !p.fromRandomInit)
            .map((p) => ({ seed: r.seed, value: p.top1 })),
        );
        if (pts.length > 0) finetune[String(f)] = perSeed(pts);
      }
    return {
      key,
      label: labelOf(key),
      baseline: false,
      seeds: at.map((x) => x.r.seed),
      steps: at.map((x) => x.e!.step),
      linear: meanStd(at.map((x) => x.e!.linearTop1)),
      knn: meanStd(at.map((x) => x.e!.knnTop1)),
      finetune,
      rank: {},
    };
  };
  const equalSteps = {
    step,
    ...finishTable(
      [
        ...keys.map((k) => rowAt(k, (r) => r.evaluations.find((e) => e.step === step), true)),
        ...baselineRows(done, fractions, true),
      ],
      fractions,
    ),
  };

  // Equal wall-clock: the budget is the slowest run of the fastest group (by mean wall time).
  const timed =
    keys.length >= 2 &&
    done.every((r) => Number.isFinite(r.wallMs) && r.evaluations.every((e) => Number.isFinite(e.wallMs)));
  let equalTime: Ranking['equalTime'] = null;
  if (timed) {
    const walls = keys.map((k) => {
      const w = done.filter((r) => groupKey(r) === k).map((r) => r.wallMs!);
      return { mean: w.reduce((a, b) => a + b, 0) / w.length, max: Math.max(...w) };
    });
    const budget = [...walls].sort((a, b) => a.mean - b.mean)[0]!.max;
    const within = (r: RankRun) =>
      [...r.evaluations].reverse().find((e) => e.wallMs! <= budget) ?? r.evaluations[0];
    equalTime = {
      budgetSeconds: budget / 1000,
      ...finishTable(
        [...keys.map((k) => rowAt(k, within, false)), ...baselineRows(done, fractions, false)],
        [],
      ),
    };
  }
  return { equalSteps, equalTime, fractions };
}

/** The parts of an experiment's results.json that a merge reads and writes. */
export interface ExperimentResults {
  command: string;
  date: string;
  methods: string[];
  seeds: number[];
  preset: string;
  datasetArg: string;
  dataset: { id: string } | null;
  backendArg: string;
  finetuneFractions?: number[];
  totalSeconds: number | null;
  runs: (RankRun & { index: number; [k: string]: unknown })[];
  [k: string]: unknown;
}

/**
 * Whether two runs are one measurement: the same last evaluation (step, linear and kNN top-1) and the
 * same value for every config field both have (a field added to the lab since is not a difference).
 */
function sameRun(a: RankRun & { config?: unknown }, b: RankRun & { config?: unknown }): boolean {
  const ea = a.evaluations.at(-1);
  const eb = b.evaluations.at(-1);
  if (!ea || !eb || ea.step !== eb.step || ea.linearTop1 !== eb.linearTop1 || ea.knnTop1 !== eb.knnTop1)
    return false;
  const ca = (a.config ?? {}) as Record<string, unknown>;
  const cb = (b.config ?? {}) as Record<string, unknown>;
  return Object.keys(ca).every((k) => !(k in cb) || JSON.stringify(ca[k]) === JSON.stringify(cb[k]));
}

/**
 * One results object from several experiments' results (e.g. one folder per method): their runs
 * concatenated (renumbered), methods, seeds and fine-tuning fractions united, each source's command
 * kept. A run found again (same method, variant and seed, same config and final scores: the same
 * measurement, e.g. repeated with --finetune) is kept once, with the fine-tunings of both; a run left
 * unfinished (an experiment that ran out of time) gives way to the same run finished elsewhere. Throws when
 * they were measured on different datasets or presets, or when a method (and variant) has the same
 * seed in two of them with different results.
 */
export function mergeResults(sources: { dir: string; results: ExperimentResults }[]): ExperimentResults {
  if (sources.length === 0) throw new Error('merge: no results to merge');
  const first = sources[0]!.results;
  const datasetOf = (r: ExperimentResults) => r.dataset?.id ?? r.datasetArg;
  for (const { dir, results } of sources.slice(1)) {
    if (datasetOf(results) !== datasetOf(first))
      throw new Error(
        `merge: ${dir} was measured on ${datasetOf(results)}, ${sources[0]!.dir} on ${datasetOf(first)}`,
      );
    if (results.preset !== first.preset)
      throw new Error(`merge: ${dir} used preset ${results.preset}, ${sources[0]!.dir} ${first.preset}`);
  }
  const seen = new Map<string, { dir: string; run: ExperimentResults['runs'][number] }>();
  const runs: ExperimentResults['runs'] = [];
  for (const { dir, results } of sources)
    for (const r of results.runs) {
      const id = `${groupKey(r)} seed ${r.seed}`;
      const before = seen.get(id);
      if (before && !finished(before.run) && finished(r)) {
        // An experiment that ran out of time left this run unfinished; another one finished it.
        const copy = { ...r, index: before.run.index, source: dir };
        runs[before.run.index] = copy;
        seen.set(id, { dir, run: copy });
        continue;
      }
      if (before && finished(before.run) && !finished(r)) continue;
      if (before) {
        // The same run measured again (e.g. once more with --finetune): its fine-tunings join the first.
        if (!sameRun(before.run, r))
          throw new Error(
            `merge: ${id} is in both ${before.dir} and ${dir} with different results (give one of the experiments a --label, or drop one)`,
          );
        const ft = [...(before.run.finetunes ?? [])];
        for (const p of r.finetunes ?? [])
          if (!ft.some((q) => q.fraction === p.fraction && q.fromRandomInit === p.fromRandomInit)) ft.push(p);
        before.run.finetunes = ft;
        continue;
      }
      const copy = { ...r, index: runs.length, source: dir };
      seen.set(id, { dir, run: copy });
      runs.push(copy);
    }
  const backends = [...new Set(sources.map((s) => s.results.backendArg))];
  const unite = <T>(xs: T[]) => [...new Set(xs)];
  return {
    ...first,
    command: `merged: ${sources.map((s) => s.results.command.replace(/^merged: /, '')).join(' | ')}`,
    date: new Date().toISOString(),
    methods: unite(runs.map((r) => r.method)),
    seeds: unite(runs.map((r) => r.seed)).sort((a, b) => a - b),
    backendArg: backends.join(' + '),
    finetuneFractions: unite(sources.flatMap((s) => s.results.finetuneFractions ?? [])).sort((a, b) => a - b),
    totalSeconds: sources.reduce((a, s) => a + (s.results.totalSeconds ?? 0), 0),
    sources: sources.map((s) => ({ dir: s.dir, command: s.results.command, date: s.results.date })),
    runs,
    summary: [],
    // A source's error (e.g. its time limit) stays only while one of its runs is still unfinished.
    error: runs.every(finished)
      ? null
      : (sources.map((s) => s.results.error).find((e) => typeof e === 'string' && e) ?? null),
  };
}

const finished = (r: ExperimentResults['runs'][number]) => r.status === 'done';

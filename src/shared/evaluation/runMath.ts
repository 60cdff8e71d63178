// Pure arithmetic over recorded runs (no tfjs): chart smoothing and envelopes, mean ± std over
// seeds, the CSV export of metric series, and x-axis alignment for comparing runs.

/** The MetricsPoint fields this module reads (training/trainer.ts' MetricsPoint satisfies it). */
export interface MetricsRow {
  step: number;
  epoch: number;
  elapsedMs: number;
  imagesPerSec: number;
  lr: number;
  values: Record<string, number>;
}

/**
 * Exponential moving average with TensorBoard's debiasing (its scalar-chart smoothing):
 *   last_t = w·last_{t−1} + (1 − w)·v_t, last_0 = 0;  smoothed_t = last_t / (1 − w^t)
 * where t counts the finite values so far. Non-finite values pass through unsmoothed and do not
 * advance the average; a constant series is returned as is (as TensorBoard does). 0 ≤ w < 1.
 */
export function smooth(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smooth: weight ${weight} is outside [0, 1)`);
  const first = values[0];
  if (values.every((v) => v === first)) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}

/**
 * Min and max of the finite values in the trailing window [i − window + 1, i] for each i (no
 * look-ahead, so a live chart's band does not change as points arrive). NaN when the window holds
 * no finite value.
 */
export function envelope(values: readonly number[], window: number): { min: number; max: number }[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`envelope: window ${window} is not a positive integer`);
  }
  return values.map((_, i) => {
    let min = Infinity;
    let max = -Infinity;
    for (let j = Math.max(0, i - window + 1); j <= i; j++) {
      const v = values[j]!;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return min <= max ? { min, max } : { min: NaN, max: NaN };
  });
}

export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  n: number;
}

/** Mean and sample std; n = 0 gives NaN for both. */
export function meanStd(xs: readonly number[]): MeanStd {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0, n };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/** Canonical JSON: object keys sorted at every depth, so key order never splits a group. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export interface SeedRun<C extends object = Record<string, unknown>> {
  config: C;
  /** Final metrics of the run, e.g. {linearTop1: 0.91, knnTop1: 0.88}; missing/NaN ones are skipped. */
  final: Readonly<Record<string, number | undefined>>;
}

export interface SeedGroup<R extends SeedRun<object>> {
  /** Canonical JSON of the shared config without the seed field. */
  key: string;
  /** The shared config, seed field removed. */
  config: Record<string, unknown>;
  seeds: unknown[];
  runs: R[];
  /** Per final metric: mean ± sample std over the runs where it is finite. */
  stats: Record<string, MeanStd>;
}

/**
 * Groups runs whose configs are equal once the seed field is removed. Groups keep the order of
 * their first run; runs keep their order within a group.
 */
export function groupBySeed<R extends SeedRun<object>>(runs: readonly R[], seedKey = 'seed'): SeedGroup<R>[] {
  const groups = new Map<string, SeedGroup<R>>();
  for (const run of runs) {
    const { [seedKey]: seed, ...rest } = run.config as Record<string, unknown>;
    const key = canonical(rest);
    let g = groups.get(key);
    if (!g) {
      g = { key, config: rest, seeds: [], runs: [], stats: {} };
      groups.set(key, g);
    }
    g.seeds.push(seed);
    g.runs.push(run);
  }
  for (const g of groups.values()) {
    const metricKeys = [...new Set(g.runs.flatMap((r) => Object.keys(r.final)))].sort();
    for (const k of metricKeys) {
      const xs = g.runs.map((r) => r.final[k]).filter((x): x is number => Number.isFinite(x));
      g.stats[k] = meanStd(xs);
    }
  }
  return [...groups.values()];
}

// ---- CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold , " CR or LF,
// quotes doubled inside quotes) ----

export const CSV_BASE_COLUMNS = ['step', 'epoch', 'elapsedMs', 'imagesPerSec', 'lr'] as const;

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows of fields → CSV text (CRLF after every row). */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}

/**
 * The header `step,epoch,elapsedMs,imagesPerSec,lr,<value keys, sorted union>` and one row of fields per
 * point: numbers as JavaScript prints them (round-trip exact), a value a point lacks is an empty field.
 */
export function metricsCsvRows(points: readonly MetricsRow[]): string[][] {
  const keys = [...new Set(points.flatMap((p) => Object.keys(p.values)))].sort();
  const rows = points.map((p) => [
    ...CSV_BASE_COLUMNS.map((c) => String(p[c])),
    ...keys.map((k) => (k in p.values && p.values[k] !== undefined ? String(p.values[k]) : '')),
  ]);
  return [[...CSV_BASE_COLUMNS, ...keys], ...rows];
}

/** The metrics export (runs panel, "Export metrics"): metricsCsvRows as CSV text. */
export function metricsToCsv(points: readonly MetricsRow[]): string {
  return toCsv(metricsCsvRows(points));
}

export type RunAxis = 'step' | 'epoch' | 'time';

export interface AxisPoint {
  /** step; fractional epoch; or training time in seconds (pauses excluded). */
  x: number;
  values: Record<string, number>;
}

/** The x value of a point on an axis ('time' in seconds). */
export function axisValue(p: Pick<MetricsRow, 'step' | 'epoch' | 'elapsedMs'>, axis: RunAxis): number {
  return axis === 'step' ? p.step : axis === 'epoch' ? p.epoch : p.elapsedMs / 1000;
}

/** Points placed on one axis, sorted by x (stable for ties), so runs of different lengths or speeds overlay. */
export function alignByAxis(points: readonly MetricsRow[], axis: RunAxis): AxisPoint[] {
  return points
    .map((p, i) => ({ x: axisValue(p, axis), values: p.values, i }))
    .sort((a, b) => a.x - b.x || a.i - b.i)
    .map(({ x, values }) => ({ x, values }));
}

/**
 * Several aligned runs as chart rows over the union of their x values: {x, [runId]: value}; a run
 * without a point at that x (or without the metric) has no entry there (charts connect across).
 */
export function mergeRuns(
  runs: readonly { id: string; points: readonly AxisPoint[] }[],
  metric: string,
): Record<string, number>[] {
  const byX = new Map<number, Record<string, number>>();
  for (const { id, points } of runs) {
    if (id === 'x') throw new Error("mergeRuns: 'x' is the axis column, not a run id");
    for (const p of points) {
      const v = p.values[metric];
      if (v === undefined) continue;
      let row = byX.get(p.x);
      if (!row) {
        row = { x: p.x };
        byX.set(p.x, row);
      }
      row[id] = v;
    }
  }
  return [...byX.values()].sort((a, b) => a.x! - b.x!);
}

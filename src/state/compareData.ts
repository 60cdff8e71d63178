// The comparison view's pure data: the ablation list, history restarts and event markers, chart rows
// (aligned, smoothed, with min/max envelopes) and summary rows with mean ± std over seeds. No store,
// no React: compareStore.ts and the Compare* panels use these; compareData.test.ts tests them.
import type { MethodId, TrainConfig } from '../shared/config';
import {
  alignByAxis,
  axisValue,
  envelope,
  groupBySeed,
  mergeRuns,
  smooth,
  type AxisPoint,
  type MeanStd,
  type MetricsRow,
  type RunAxis,
} from '../shared/evaluation/runMath';
import {
  activeGenerators,
  GENERATOR_IDS,
  GENERATOR_INFO,
  methodInfo,
  type AblationArm,
  type GeneratorId,
} from '../shared/catalog';
import { describeEvent, type RunEvent } from '../shared/runEvents';
import type { RunRecord } from '../shared/records';
import { FINETUNE_FRACTIONS, type FinetuneFraction } from '../shared/trainingTypes';

export type { RunAxis, RunRecord };

// ---- Ablation list ----

export interface AblationItem {
  /** The saved run's name, e.g. "ablation 3: +adversarial, seed 2". */
  name: string;
  /** The variant, e.g. "+adversarial". */
  label: string;
  config: TrainConfig;
}

/**
 * The arms of the one-click ablation for a method: its descriptor's list (MoCo and DeepCluster: the
 * plain method, +adversarial only, +cut-mix only, both). A method without a HEXA variant has one arm.
 */
export function ablationVariants(method: MethodId): readonly AblationArm[] {
  return methodInfo(method).ablation;
}

/**
 * The runs of ablation number `n` from `cfg`: the arms of cfg's method over the seeds
 * cfg.seed … cfg.seed + seeds − 1, seed by seed (so the first seed's comparison is complete first).
 */
export function buildAblation(cfg: TrainConfig, seeds: number, n: number): AblationItem[] {
  const k = Math.max(1, Math.floor(seeds));
  const variants = ablationVariants(cfg.method);
  const items: AblationItem[] = [];
  for (let s = 0; s < k; s++) {
    const seed = cfg.seed + s;
    for (const v of variants) {
      items.push({
        name: `ablation ${n}: ${v.label}, seed ${seed}`,
        label: v.label,
        config: { ...cfg, ...v.patch, seed },
      });
    }
  }
  return items;
}

/** One more than the highest "ablation N:" among these run names (1 when there is none). */
export function nextAblationNumber(names: readonly string[]): number {
  let max = 0;
  for (const name of names) {
    const m = /^ablation (\d+):/.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

// ---- Resume points ----

/**
 * Where a run's history restarts: points whose step or training time is not past the previous
 * point's (a run resumed from an earlier checkpoint without dropping what came after it, or
 * histories joined together). Returns the indices of the first point after each restart.
 */
export function findResumePoints(points: readonly Pick<MetricsRow, 'step' | 'elapsedMs'>[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (b.step <= a.step || b.elapsedMs < a.elapsedMs) out.push(i);
  }
  return out;
}

// ---- Chart rows ----

/** Metrics that the comparison charts. linear / knn come from the evaluations, the rest from read-backs. */
export const COMPARE_METRICS: readonly { key: string; label: string; accuracy: boolean }[] = [
  { key: 'linear', label: 'linear probe top-1 (held-out)', accuracy: true },
  { key: 'knn', label: 'kNN top-1 (held-out)', accuracy: true },
  { key: 'probe_acc', label: 'online probe (batch)', accuracy: true },
  { key: 'loss', label: 'total loss', accuracy: false },
  { key: 'loss_clean', label: 'L_clean', accuracy: false },
  // Each generator's metrics that it marks for the comparison (its loss term first).
  ...GENERATOR_IDS.flatMap((g) =>
    GENERATOR_INFO[g].metrics.flatMap((m) => (m.compare ? [{ key: m.key, ...m.compare }] : [])),
  ),
];
export type CompareMetric = string;

/**
 * A run's evaluations as metric rows ({linear, knn}); their training time is interpolated from the
 * read-backs around their step (0 at step 0), so they can be placed on the wall-clock axis too.
 */
export function evalRows(run: Pick<RunRecord, 'metrics' | 'evals'>): MetricsRow[] {
  const ms = run.metrics;
  const timeAt = (step: number): number => {
    const after = ms.findIndex((m) => m.step >= step);
    if (after === -1) return ms.at(-1)?.elapsedMs ?? 0;
    const b = ms[after]!;
    if (b.step === step) return b.elapsedMs;
    const a = after > 0 ? ms[after - 1]! : { step: 0, elapsedMs: 0 };
    return b.step === a.step
      ? b.elapsedMs
      : a.elapsedMs + ((step - a.step) / (b.step - a.step)) * (b.elapsedMs - a.elapsedMs);
  };
  return run.evals.map((e) => ({
    step: e.step,
    epoch: e.epoch,
    elapsedMs: e.step <= 0 ? 0 : timeAt(e.step),
    imagesPerSec: 0,
    lr: 0,
    values: { linear: e.linearTop1, knn: e.knnTop1 },
  }));
}

export interface ChartSeries {
  /** Column of the line in the rows ("r0", "r1" …); the envelope is in `${key}_lo` / `${key}_hi`. */
  key: string;
  runId: string;
  /** Points this run has on this chart. */
  points: number;
}

export interface CompareChartData {
  rows: Record<string, number>[];
  series: ChartSeries[];
}

export interface ChartOptions {
  axis: RunAxis;
  /** TensorBoard EMA weight, 0 = raw. */
  smoothing: number;
  /** Trailing window of the min/max envelope, in points; 0 = none. */
  envelopeWindow: number;
}

/** Rows for one metric over several runs: {x, r0, r0_lo, r0_hi, r1, …} (runMath.mergeRuns). */
export function compareChartData(
  runs: readonly RunRecord[],
  metric: CompareMetric,
  opts: ChartOptions,
): CompareChartData {
  const lines: { id: string; points: AxisPoint[] }[] = [];
  const series: ChartSeries[] = [];
  runs.forEach((run, i) => {
    const key = `r${i}`;
    const source = metric === 'linear' || metric === 'knn' ? evalRows(run) : run.metrics;
    const aligned = alignByAxis(source, opts.axis).filter((p) => Number.isFinite(p.values[metric]));
    const raw = aligned.map((p) => p.values[metric]!);
    const shown = opts.smoothing > 0 ? smooth(raw, opts.smoothing) : raw;
    const at = (vs: readonly number[]) => aligned.map((p, j) => ({ x: p.x, values: { v: vs[j]! } }));
    lines.push({ id: key, points: at(shown) });
    if (opts.envelopeWindow > 0 && raw.length > 0) {
      const env = envelope(raw, opts.envelopeWindow);
      lines.push({ id: `${key}_lo`, points: at(env.map((e) => e.min)) });
      lines.push({ id: `${key}_hi`, points: at(env.map((e) => e.max)) });
    }
    series.push({ key, runId: run.id, points: raw.length });
  });
  return { rows: mergeRuns(lines, 'v'), series };
}

/** The envelope window that goes with a smoothing weight: about the EMA's memory (1 / (1 − w)) points. */
export const envelopeWindowFor = (smoothing: number) => Math.max(2, Math.round(1 / (1 - smoothing)));

export interface RunMarker {
  runIndex: number;
  x: number;
  label: string;
  kind: RunEvent['kind'];
}

/**
 * Each run's events on this axis: settings changed mid-run and resumptions. Records without events
 * (older or hand-made files) get 'resume' markers where their history restarts instead.
 */
export function runMarkers(runs: readonly RunRecord[], axis: RunAxis): RunMarker[] {
  return runs.flatMap((run, runIndex) =>
    run.events
      ? run.events.map((e) => ({ runIndex, x: axisValue(e, axis), label: describeEvent(e), kind: e.kind }))
      : findResumePoints(run.metrics).map((i) => ({
          runIndex,
          x: axisValue(run.metrics[i]!, axis),
          label: 'resumed',
          kind: 'resume' as const,
        })),
  );
}

// ---- Summary ----

export interface SummaryRow {
  id: string;
  name: string;
  method: TrainConfig['method'];
  /** The generators in effect at the start (the method composes them and their switches are on). */
  generators: GeneratorId[];
  seed: number;
  steps: number;
  totalSteps: number;
  loss: number | null;
  linearTop1: number | null;
  knnTop1: number | null;
  flipRate: number | null;
  wallMs: number | null;
  /** Settings changed mid-run, "step s: change", oldest first (the row's switches are the starting ones). */
  midRunChanges: string[];
  /** Fine-tuning top-1 by finetuneKey(fraction, fromRandomInit); only the points the run has. */
  finetune: Record<string, number>;
}

/** The summary's key of a fine-tuning top-1: 'finetune@0.01' (trained), 'finetuneRandom@0.01' (random init). */
export const finetuneKey = (fraction: FinetuneFraction, fromRandomInit: boolean) =>
  `finetune${fromRandomInit ? 'Random' : ''}@${fraction}`;

/** The label fractions at which any of these rows has a fine-tuning point, smallest first. */
export function finetuneFractionsIn(rows: readonly SummaryRow[]): FinetuneFraction[] {
  return FINETUNE_FRACTIONS.filter((f) =>
    rows.some((r) => finetuneKey(f, false) in r.finetune || finetuneKey(f, true) in r.finetune),
  );
}

const settingsEvents = (run: RunRecord) => (run.events ?? []).filter((e) => e.kind === 'settings');

const lastValue = (run: RunRecord, key: string): number | null => {
  for (let i = run.metrics.length - 1; i >= 0; i--) {
    const v = run.metrics[i]!.values[key];
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  return null;
};

export function summaryRow(run: RunRecord): SummaryRow {
  const lastEval = run.evals.at(-1);
  return {
    id: run.id,
    name: run.name,
    method: run.config.method,
    generators: activeGenerators(run.config).map((g) => g.id),
    seed: run.config.seed,
    steps: run.step,
    totalSteps: run.totalSteps,
    loss: lastValue(run, 'loss'),
    linearTop1: lastEval?.linearTop1 ?? null,
    knnTop1: lastEval?.knnTop1 ?? null,
    flipRate: lastValue(run, 'flip_rate'),
    wallMs: run.metrics.at(-1)?.elapsedMs ?? null,
    midRunChanges: settingsEvents(run).map((e) => `step ${e.step}: ${describeEvent(e)}`),
    finetune: Object.fromEntries(
      (run.finetunes ?? []).map((p) => [finetuneKey(p.fraction, p.fromRandomInit), p.top1]),
    ),
  };
}

export interface SeedGroupRow {
  rows: SummaryRow[];
  seeds: number[];
  /** loss, linearTop1, knnTop1, flipRate, wallMs, and the fine-tuning keys (finetuneKey) the runs have. */
  stats: Record<SummaryStat, MeanStd | undefined> & Record<string, MeanStd | undefined>;
}
type SummaryStat = 'loss' | 'linearTop1' | 'knnTop1' | 'flipRate' | 'wallMs';

/** Runs whose configs differ only by the seed, two or more per group: mean ± std of their final metrics. */
export function seedGroups(runs: readonly RunRecord[]): SeedGroupRow[] {
  const items = runs.map((run) => {
    const row = summaryRow(run);
    const final: Record<string, number | undefined> = {
      loss: row.loss ?? undefined,
      linearTop1: row.linearTop1 ?? undefined,
      knnTop1: row.knnTop1 ?? undefined,
      flipRate: row.flipRate ?? undefined,
      wallMs: row.wallMs ?? undefined,
      ...row.finetune,
    };
    // Runs whose settings changed mid-run (differently) are not the same experiment: the changes and
    // their steps are part of the key that must match, like the rest of the config.
    const midRun = settingsEvents(run).map((e) => ({ step: e.step, changes: e.changes }));
    return { config: { ...run.config, midRun }, final, row };
  });
  return groupBySeed(items)
    .filter((g) => g.runs.length > 1)
    .map((g) => ({
      // In seed order, whatever order the runs were picked in ('1, 2', not '2, 1').
      rows: g.runs.map((r) => r.row).sort((a, b) => a.seed - b.seed),
      seeds: g.runs.map((r) => r.row.seed).sort((a, b) => a - b),
      stats: {
        ...g.stats,
        loss: g.stats.loss,
        linearTop1: g.stats.linearTop1,
        knnTop1: g.stats.knnTop1,
        flipRate: g.stats.flipRate,
        wallMs: g.stats.wallMs,
      },
    }));
}

/**
 * 'mean ± std' with `unit` after it ('61.2 ± 3.1 %'), or a bare '–' when no run of the group has the
 * metric (not '– %').
 */
export function formatMeanStd(s: MeanStd | undefined, f: (x: number) => string, unit = ''): string {
  if (!s || s.n === 0) return '–';
  return `${f(s.mean)} ± ${f(s.std)}${unit ? ` ${unit}` : ''}`;
}

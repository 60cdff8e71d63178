// A run's fine-tuning points (tf-free: the worker stores them, the page shows and compares them).
// One point per label fraction and init (trained network or random init): a repeat replaces the older.
import type { FinetuneFraction, FinetunePoint } from '../trainingTypes';
import { FINETUNE_FRACTIONS } from '../trainingTypes';

/** `list` with `point` in it: the older point at the same fraction and init is replaced; sorted by fraction, trained first. */
export function mergeFinetune(list: readonly FinetunePoint[], point: FinetunePoint): FinetunePoint[] {
  const kept = list.filter(
    (p) => !(p.fraction === point.fraction && p.fromRandomInit === point.fromRandomInit),
  );
  return [...kept, point].sort(
    (a, b) => a.fraction - b.fraction || Number(a.fromRandomInit) - Number(b.fromRandomInit),
  );
}

/** A fraction as the UI writes it: 0.01 → "1 %". */
export const fractionLabel = (f: number) => `${Math.round(f * 100)} %`;

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;

/** The trained and random-init points of one fraction (either may be missing). */
export interface FinetunePair {
  fraction: FinetuneFraction;
  trained: FinetunePoint | null;
  randomInit: FinetunePoint | null;
}

/** The run's points paired by fraction, smallest fraction first; fractions with no point left out. */
export function finetunePairs(list: readonly FinetunePoint[]): FinetunePair[] {
  return FINETUNE_FRACTIONS.map((fraction) => ({
    fraction,
    trained: list.find((p) => p.fraction === fraction && !p.fromRandomInit) ?? null,
    randomInit: list.find((p) => p.fraction === fraction && p.fromRandomInit) ?? null,
  })).filter((p) => p.trained || p.randomInit);
}

/**
 * The run card's line for a fraction: "Fine-tuned on 1 % of labels (32 images): top-1 91.2 % (random
 * init 80.1 %, +11.1); top-5 99.0 % (random init 97.0 %, +2.0)".
 */
export function describeFinetunePair(p: FinetunePair): string {
  const any = (p.trained ?? p.randomInit)!;
  const head = `Fine-tuned on ${fractionLabel(p.fraction)} of labels (${any.trainCount.toLocaleString('en-US')} images)`;
  const part = (name: string, t: number | undefined, r: number | undefined) => {
    if (t === undefined && r === undefined) return null;
    if (t === undefined) return `${name}: random init ${pct(r!)} (trained network not fine-tuned)`;
    if (r === undefined) return `${name} ${pct(t)}`;
    return `${name} ${pct(t)} (random init ${pct(r)}, ${signed(t - r)})`;
  };
  const parts = [
    part('top-1', p.trained?.top1, p.randomInit?.top1),
    part('top-5', p.trained?.top5, p.randomInit?.top5),
  ].filter((x): x is string => x !== null);
  return `${head}: ${parts.join('; ')}`;
}

/** One bar group of the fine-tuning chart: a label fraction's top-1, in percent (null: not measured). */
export interface FinetuneChartRow {
  fraction: FinetuneFraction;
  label: string; // "1 %"
  trained: number | null;
  randomInit: number | null;
}

/** The chart's rows: top-1 (%) of the trained network and of its random init at each fraction measured. */
export function finetuneChartRows(list: readonly FinetunePoint[]): FinetuneChartRow[] {
  return finetunePairs(list).map((p) => ({
    fraction: p.fraction,
    label: fractionLabel(p.fraction),
    trained: p.trained ? 100 * p.trained.top1 : null,
    randomInit: p.randomInit ? 100 * p.randomInit.top1 : null,
  }));
}

/** The bars the chart draws (values measured), for tests and the chart's data-points. */
export const finetuneChartPoints = (rows: readonly FinetuneChartRow[]): number =>
  rows.reduce((n, r) => n + Number(r.trained !== null) + Number(r.randomInit !== null), 0);

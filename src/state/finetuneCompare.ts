// The comparison's fine-tuning chart data: for each label fraction measured, each entry's fine-tuned
// top-1 (%) and its random init's — an entry is a seed group (runs that differ only by the seed: mean
// and std over them) or a run in no such group (its own value, std 0).
import type { FinetuneFraction } from '../shared/trainingTypes';
import { fractionLabel } from '../shared/evaluation/finetunePoints';
import type { MeanStd } from '../shared/evaluation/runMath';
import { finetuneFractionsIn, finetuneKey, type SeedGroupRow, type SummaryRow } from './compareData';

export interface FinetuneCompareEntry {
  key: string; // the run id (a group: its first run's)
  label: string;
  n: number; // runs in it
  colourIndex: number; // the first run's place in the comparison (its colour)
}

/** One fraction: `${key}` / `${key}_std` (trained) and `${key}_r` / `${key}_r_std` (random init), in %. */
export type FinetuneCompareRow = { fraction: FinetuneFraction; label: string } & Record<
  string,
  number | string
>;

export function finetuneCompare(
  rows: readonly SummaryRow[],
  groups: readonly SeedGroupRow[],
  labelOf: (r: SummaryRow) => string,
): { entries: FinetuneCompareEntry[]; rows: FinetuneCompareRow[]; points: number } {
  const fractions = finetuneFractionsIn(rows);
  const grouped = new Set(groups.flatMap((g) => g.rows.map((r) => r.id)));
  const index = new Map(rows.map((r, i) => [r.id, i]));
  type Source = { entry: FinetuneCompareEntry; stat: (k: string) => MeanStd | undefined };
  const sources: Source[] = [
    ...groups.map((g) => ({
      entry: {
        key: g.rows[0]!.id,
        label: `${labelOf(g.rows[0]!)}, seeds ${g.seeds.join(', ')}`,
        n: g.rows.length,
        colourIndex: Math.min(...g.rows.map((r) => index.get(r.id)!)),
      },
      stat: (k: string) => g.stats[k],
    })),
    ...rows
      .filter((r) => !grouped.has(r.id))
      .map((r) => ({
        entry: { key: r.id, label: labelOf(r), n: 1, colourIndex: index.get(r.id)! },
        stat: (k: string) => (k in r.finetune ? { mean: r.finetune[k]!, std: 0, n: 1 } : undefined),
      })),
  ].filter((s) => fractions.some((f) => s.stat(finetuneKey(f, false)) || s.stat(finetuneKey(f, true))));
  let points = 0;
  const out = fractions.map((fraction) => {
    const row: FinetuneCompareRow = { fraction, label: fractionLabel(fraction) };
    for (const s of sources)
      for (const [suffix, random] of [
        ['', false],
        ['_r', true],
      ] as const) {
        const st = s.stat(finetuneKey(fraction, random));
        if (!st || st.n === 0) continue;
        row[`${s.entry.key}${suffix}`] = 100 * st.mean;
        row[`${s.entry.key}${suffix}_std`] = 100 * st.std;
        points++;
      }
    return row;
  });
  return { entries: sources.map((s) => s.entry), rows: out, points };
}

// Final metrics per compared run, and mean ± std over seeds for runs that differ only by the seed.
import { useMemo } from 'react';
import { GENERATOR_IDS, GENERATOR_INFO, methodInfo } from '../../shared/catalog';
import {
  finetuneFractionsIn,
  finetuneKey,
  formatMeanStd as pm,
  seedGroups,
  summaryRow,
} from '../../state/compareData';
import { fractionLabel } from '../../shared/evaluation/finetunePoints';
import { runColor } from './CompareCharts';
import type { RunRecord } from '../../shared/records';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);
const num = (x: number | null) => (x === null ? '–' : x.toFixed(3));
const secs = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

export function CompareSummary({ runs, baselineId }: { runs: RunRecord[]; baselineId: string | null }) {
  const rows = useMemo(() => runs.map(summaryRow), [runs]);
  const groups = useMemo(() => seedGroups(runs), [runs]);
  const fractions = useMemo(() => finetuneFractionsIn(rows), [rows]);
  const ftPct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)} %`);
  return (
    <table className="summary" data-testid="summary-table">
      <thead>
        <tr>
          <th>run</th>
          <th>method</th>
          <th>seed</th>
          <th>steps</th>
          <th>last loss</th>
          <th>linear top-1</th>
          <th>kNN top-1</th>
          <th>flip rate</th>
          <th>training time</th>
          {fractions.map((f) => (
            <th
              key={f}
              title="Fine-tuned top-1 on held-out images (in brackets: the same network from random init)"
            >
              fine-tuned top-1, {fractionLabel(f)} labels (random init)
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr
            key={r.id}
            data-testid="summary-row"
            data-id={r.id}
            data-method={r.method}
            {...Object.fromEntries(GENERATOR_IDS.map((g) => [`data-${g}`, String(r.generators.includes(g))]))}
            data-seed={r.seed}
            data-baseline={String(r.id === baselineId)}
          >
            <td>
              <span className="swatch" style={{ background: runColor(i) }} />{' '}
              {r.id === baselineId ? '★ ' : ''}
              {r.name}
              {r.midRunChanges.length > 0 && (
                <span
                  className="muted"
                  data-testid="summary-midrun"
                  title={`Settings changed mid-run (the switches shown are the starting ones):\n${r.midRunChanges.join('\n')}`}
                >
                  {' '}
                  ⚑ changed mid-run
                </span>
              )}
            </td>
            <td>
              {methodInfo(r.method).label}
              {methodInfo(r.method).generators.length > 0 &&
                ` (${r.generators.map((g) => GENERATOR_INFO[g].short).join('+') || 'no hard examples'})`}
            </td>
            <td>{r.seed}</td>
            <td>
              {r.steps}/{r.totalSteps}
            </td>
            <td>{num(r.loss)}</td>
            <td>{pct(r.linearTop1)}</td>
            <td>{pct(r.knnTop1)}</td>
            <td>{pct(r.flipRate)}</td>
            <td>{secs(r.wallMs)}</td>
            {fractions.map((f) => (
              <td key={f} data-testid="summary-finetune" data-fraction={f}>
                {ftPct(r.finetune[finetuneKey(f, false)])} ({ftPct(r.finetune[finetuneKey(f, true)])})
              </td>
            ))}
          </tr>
        ))}
        {groups.map((g) => {
          const first = g.rows[0]!;
          return (
            <tr key={first.id} className="seed-group" data-testid="summary-seed-group" data-n={g.rows.length}>
              <td>
                mean ± std over seeds {g.seeds.join(', ')} (n = {g.rows.length})
              </td>
              <td>{methodInfo(first.method).label}</td>
              <td>–</td>
              <td>–</td>
              <td>{pm(g.stats.loss, (x) => x.toFixed(3))}</td>
              <td>{pm(g.stats.linearTop1, (x) => (100 * x).toFixed(1), '%')}</td>
              <td>{pm(g.stats.knnTop1, (x) => (100 * x).toFixed(1), '%')}</td>
              <td data-testid="summary-group-flip">
                {pm(g.stats.flipRate, (x) => (100 * x).toFixed(1), '%')}
              </td>
              <td>{pm(g.stats.wallMs, (x) => (x / 1000).toFixed(1), 's')}</td>
              {fractions.map((f) => (
                <td key={f} data-testid="summary-group-finetune" data-fraction={f}>
                  {pm(g.stats[finetuneKey(f, false)], (x) => (100 * x).toFixed(1), '%')} (
                  {pm(g.stats[finetuneKey(f, true)], (x) => (100 * x).toFixed(1), '%')})
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

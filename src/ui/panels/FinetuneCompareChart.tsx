// The comparison's fine-tuning chart: top-1 on the held-out images against the label fraction, for
// each compared run (or seed group: mean, with a ± 1 std bar), its trained network's bar beside its
// random init's (paler). Nothing is drawn when no compared run was fine-tuned.
import { useMemo, useRef } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ErrorBar,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { seedGroups, summaryRow } from '../../state/compareData';
import { finetuneCompare } from '../../state/finetuneCompare';
import type { RunRecord } from '../../shared/records';
import { ChartExport } from './charts';
import { runColor } from './CompareCharts';

const pct = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} %` : '–');

export function FinetuneCompareChart({ runs }: { runs: RunRecord[] }) {
  const data = useMemo(() => {
    const rows = runs.map(summaryRow);
    return finetuneCompare(rows, seedGroups(runs), (r) => r.name);
  }, [runs]);
  const box = useRef<HTMLDivElement>(null);
  if (data.points === 0) return null;
  return (
    <div
      ref={box}
      className="chart"
      data-testid="compare-finetune-chart"
      data-points={data.points}
      data-series={data.entries.length}
    >
      <h3 className="chart-title">Fine-tuned top-1 (mean ± std over seeds; pale: from random init)</h3>
      <ChartExport box={box} name="compare-finetune-chart" />
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data.rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" label={{ value: 'labels', position: 'insideBottomRight', offset: -2 }} />
          <YAxis domain={[0, 100]} unit=" %" width={56} />
          <Tooltip formatter={pct} />
          <Legend />
          {data.entries.flatMap((e) =>
            (['', '_r'] as const).map((suffix) => (
              <Bar
                key={`${e.key}${suffix}`}
                dataKey={`${e.key}${suffix}`}
                name={suffix ? `${e.label} (random init)` : e.label}
                fill={runColor(e.colourIndex)}
                fillOpacity={suffix ? 0.35 : 1}
                isAnimationActive={false}
              >
                {e.n > 1 && <ErrorBar dataKey={`${e.key}${suffix}_std`} width={4} stroke="#333" />}
              </Bar>
            )),
          )}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

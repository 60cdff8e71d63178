// A run's fine-tuning as a chart: top-1 on the held-out images against the label fraction (1 %, 10 %,
// 100 %), the trained network's bar beside its random init's (same seed, same labelled images), so
// the gain pre-training gives is the gap between the two bars.
import { useRef } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { FinetunePoint } from '../../shared/trainingTypes';
import { finetuneChartPoints, finetuneChartRows } from '../../shared/evaluation/finetunePoints';
import { ChartExport } from './charts';

const TRAINED = '#1f77b4';
const RANDOM = '#aaaaaa';
const pct = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} %` : '–');

export function FinetuneChart({ points }: { points: readonly FinetunePoint[] }) {
  const rows = finetuneChartRows(points);
  const box = useRef<HTMLDivElement>(null);
  if (rows.length === 0) return null;
  return (
    <div
      ref={box}
      className="chart finetune-chart"
      data-testid="finetune-chart"
      data-points={finetuneChartPoints(rows)}
      data-fractions={rows.map((r) => r.fraction).join(',')}
    >
      <h3 className="chart-title">Fine-tuned top-1 on the held-out images</h3>
      <ChartExport box={box} name="finetune-chart" />
      <ResponsiveContainer width="100%" height={180}>
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" label={{ value: 'labels', position: 'insideBottomRight', offset: -2 }} />
          <YAxis domain={[0, 100]} unit=" %" width={56} />
          <Tooltip formatter={pct} />
          <Legend />
          <Bar dataKey="trained" name="trained network" fill={TRAINED} isAnimationActive={false} />
          <Bar dataKey="randomInit" name="random init" fill={RANDOM} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

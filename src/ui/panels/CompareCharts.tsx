// Overlaid charts of several saved runs: one chart per metric, one line per run (the baseline dashed
// and thicker), an optional min/max band, and markers where a run's settings changed mid-run or it resumed from a checkpoint.
import { useMemo, useRef } from 'react';
import { markersInRange } from '../chartMarkers';
import { ChartExport, markerLine } from './charts';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  compareChartData,
  envelopeWindowFor,
  runMarkers,
  type ChartOptions,
  type CompareMetric,
  type RunAxis,
} from '../../state/compareData';
import type { RunRecord } from '../../shared/records';

export const RUN_COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
export const runColor = (i: number) => RUN_COLORS[i % RUN_COLORS.length]!;

export const AXIS_LABEL: Record<RunAxis, string> = {
  step: 'step',
  epoch: 'epoch',
  time: 'training time (s)',
};

const band = (key: string) => (row: Record<string, number>) => {
  const lo = row[`${key}_lo`];
  const hi = row[`${key}_hi`];
  return lo === undefined || hi === undefined ? null : [lo, hi];
};

export function CompareChart(props: {
  metric: CompareMetric;
  label: string;
  accuracy: boolean;
  runs: RunRecord[];
  baselineId: string | null;
  axis: RunAxis;
  smoothing: number;
  showEnvelope: boolean;
}) {
  const { runs, metric, axis, smoothing, showEnvelope } = props;
  const data = useMemo(() => {
    const opts: ChartOptions = {
      axis,
      smoothing,
      envelopeWindow: showEnvelope ? envelopeWindowFor(smoothing) : 0,
    };
    return compareChartData(runs, metric, opts);
  }, [runs, metric, axis, smoothing, showEnvelope]);
  // Only the markers inside the span shown (none on a chart whose points all lie at one x).
  const markers = useMemo(
    () =>
      markersInRange(
        runMarkers(runs, axis),
        data.rows.map((r) => r.x ?? NaN),
      ),
    [runs, axis, data],
  );
  const drawn = data.series.filter((s) => s.points > 0);
  const index = new Map(runs.map((r, i) => [r.id, i]));
  const box = useRef<HTMLDivElement>(null);
  return (
    <div
      ref={box}
      className="chart"
      data-testid={`compare-chart-${metric}`}
      data-series={drawn.length}
      data-points={data.rows.length}
      data-markers={markers.length}
      data-axis={axis}
    >
      <h3 className="chart-title">{props.label}</h3>
      {drawn.length > 0 && <ChartExport box={box} name={`compare-chart-${metric}`} />}
      {drawn.length === 0 ? (
        <p className="muted">None of these runs has this metric.</p>
      ) : (
        <ResponsiveContainer width="100%" height={200}>
          <ComposedChart data={data.rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type="number"
              domain={['dataMin', 'dataMax']}
              label={{ value: AXIS_LABEL[axis], position: 'insideBottomRight', offset: -2 }}
            />
            <YAxis domain={props.accuracy ? [0, 1] : ['auto', 'auto']} />
            <Tooltip />
            <Legend />
            {showEnvelope &&
              drawn.map((s) => (
                <Area
                  key={`${s.key}-band`}
                  dataKey={band(s.key)}
                  stroke="none"
                  fill={runColor(index.get(s.runId)!)}
                  fillOpacity={0.15}
                  isAnimationActive={false}
                  connectNulls
                  legendType="none"
                  activeDot={false}
                />
              ))}
            {drawn.map((s) => {
              const i = index.get(s.runId)!;
              const base = s.runId === props.baselineId;
              return (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  name={`${base ? '★ ' : ''}${runs[i]!.name}`}
                  stroke={runColor(i)}
                  strokeWidth={base ? 3 : 1.5}
                  strokeDasharray={base ? '6 3' : undefined}
                  dot={data.rows.length < 30}
                  isAnimationActive={false}
                  connectNulls
                />
              );
            })}
            {markers.map((m, j) => markerLine(m, runColor(m.runIndex), j))}
          </ComposedChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}

// A light line chart in plain SVG for the live charts, which redraw at every read-back while training:
// a recharts chart costs 50–500 ms of main-thread work per update on a slow machine (its store, selectors
// and layout effects), this one a few milliseconds (a path per series). Two y-axes, event markers,
// dots when there are few points, and a <title> per dot for the value.
import { memo, useMemo } from 'react';
import type { ChartMarker } from '../chartMarkers';
import {
  chartScales,
  linePath,
  type ChartRow,
  type ChartSeries,
  type HorizontalLine,
} from '../lineChartMath';

const W = 640; // viewBox units; the SVG scales to its box
const H = 220;
const BOX = { x0: 52, x1: W - 52, y0: H - 28, y1: 10 }; // the plot area: x0 → x1, y0 (bottom) → y1 (top)
const MARKER_COLOUR = { settings: '#8c564b', resume: '#7f7f7f' } as const;

export interface SvgLineChartProps {
  data: readonly ChartRow[];
  series: readonly ChartSeries[];
  leftLabel: string;
  rightLabel?: string;
  yDomain?: [number, number];
  markers: readonly ChartMarker[];
  /** Horizontal reference lines (baselines) on the left axis. */
  lines?: readonly HorizontalLine[];
}

const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.01) ? v.toExponential(1) : String(+v.toFixed(3));

export const SvgLineChart = memo(function SvgLineChart(props: SvgLineChartProps) {
  const { data, series, leftLabel, rightLabel, yDomain, markers, lines = [] } = props;
  const box = BOX;
  const s = useMemo(() => chartScales(data, series, BOX, yDomain), [data, series, yDomain]);
  const dots = data.length < 30;
  return (
    <div className="svg-chart">
      <svg
        className="chart-surface"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${leftLabel} against step`}
      >
        <g className="chart-grid" stroke="#e3e3e3" strokeDasharray="3 3">
          {s.left.ticks.map((t) => (
            <line key={`g${t}`} x1={box.x0} x2={box.x1} y1={s.left.y(t)} y2={s.left.y(t)} />
          ))}
        </g>
        <g className="chart-axis" fontSize={11} fill="#555">
          <line x1={box.x0} x2={box.x1} y1={box.y0} y2={box.y0} stroke="#999" />
          {s.xTicks.map((t) => (
            <text key={`x${t}`} x={s.x(t)} y={box.y0 + 14} textAnchor="middle">
              {fmt(t)}
            </text>
          ))}
          <text x={box.x1} y={H - 2} textAnchor="end">
            step
          </text>
          {s.left.ticks.map((t) => (
            <text key={`l${t}`} x={box.x0 - 4} y={s.left.y(t) + 4} textAnchor="end">
              {fmt(t)}
            </text>
          ))}
          <text transform={`translate(12 ${(box.y0 + box.y1) / 2}) rotate(-90)`} textAnchor="middle">
            {leftLabel}
          </text>
          {rightLabel && s.right && (
            <>
              {s.right.ticks.map((t) => (
                <text key={`r${t}`} x={box.x1 + 4} y={s.right!.y(t) + 4} textAnchor="start">
                  {fmt(t)}
                </text>
              ))}
              <text transform={`translate(${W - 8} ${(box.y0 + box.y1) / 2}) rotate(90)`} textAnchor="middle">
                {rightLabel}
              </text>
            </>
          )}
        </g>
        {series.map((ser) => {
          const axis = ser.axis === 'right' && s.right ? s.right : s.left;
          const pts = s.points[ser.key] ?? [];
          return (
            <g key={ser.key} className="chart-line" data-series={ser.key}>
              <path d={linePath(pts, s.x, axis.y)} fill="none" stroke={ser.color} strokeWidth={1.5} />
              {(s.errors[ser.key] ?? []).map(([x, lo, hi]) => (
                <g key={`e${x}`} className="chart-error-bar" stroke={ser.color} strokeWidth={1}>
                  <line x1={s.x(x)} x2={s.x(x)} y1={axis.y(lo)} y2={axis.y(hi)} />
                  <line x1={s.x(x) - 3} x2={s.x(x) + 3} y1={axis.y(lo)} y2={axis.y(lo)} />
                  <line x1={s.x(x) - 3} x2={s.x(x) + 3} y1={axis.y(hi)} y2={axis.y(hi)} />
                </g>
              ))}
              {dots &&
                pts.map(([x, y]) => (
                  <circle key={x} cx={s.x(x)} cy={axis.y(y)} r={2.5} fill={ser.color}>
                    <title>{`${ser.label} at step ${x}: ${fmt(y)}`}</title>
                  </circle>
                ))}
            </g>
          );
        })}
        {lines.map((l) => (
          <g key={l.label} className="chart-reference">
            <line
              x1={box.x0}
              x2={box.x1}
              y1={s.left.y(l.y)}
              y2={s.left.y(l.y)}
              stroke={l.color}
              strokeDasharray={l.dash}
            />
            <text x={box.x0 + 3} y={s.left.y(l.y) - 3} fontSize={10} fill={l.color}>
              {l.label}
            </text>
          </g>
        ))}
        {markers.map((m, i) => (
          <g key={`m${i}`} className="chart-marker">
            <line
              x1={s.x(m.x)}
              x2={s.x(m.x)}
              y1={box.y0}
              y2={box.y1}
              stroke={MARKER_COLOUR[m.kind]}
              strokeDasharray={m.kind === 'settings' ? '6 3' : '2 4'}
            />
            <text x={s.x(m.x) + 3} y={box.y1 + 10} fontSize={10} fill={MARKER_COLOUR[m.kind]}>
              {m.label}
            </text>
          </g>
        ))}
      </svg>
      <ul className="chart-legend">
        {series.map((ser) => (
          <li key={ser.key}>
            <span className="swatch" style={{ background: ser.color }} /> {ser.label}
          </li>
        ))}
      </ul>
    </div>
  );
});

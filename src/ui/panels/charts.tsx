// Line charts over training steps (recharts). Each chart exposes its point count for tests, and marks
// the run's events (settings changed mid-run, resumptions) with labelled vertical lines.
import { useMemo, useRef, type RefObject } from 'react';
import {
  CartesianGrid,
  ErrorBar,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { exportChart } from '../../download';
import { describeEvent } from '../../engine/training/runEvents';
import { useRunStore } from '../../state/runStore';

export interface ChartMarker {
  x: number;
  label: string;
  kind: 'settings' | 'resume';
}

/** The live run's events as markers at their step. */
export function useRunMarkers(): ChartMarker[] {
  const events = useRunStore((s) => s.events);
  return useMemo(() => events.map((e) => ({ x: e.step, label: describeEvent(e), kind: e.kind })), [events]);
}

/**
 * "Save as SVG / PNG" for the recharts chart inside `box`; the files are named `name`.svg/.png and the
 * buttons have test ids `name`-svg and `name`-png.
 */
export function ChartExport(props: { box: RefObject<HTMLDivElement | null>; name: string }) {
  const save = (format: 'svg' | 'png') => {
    const svg = props.box.current?.querySelector<SVGSVGElement>('.recharts-wrapper > svg.recharts-surface'); // not a legend icon
    if (svg) void exportChart(svg, props.name, format);
  };
  return (
    <div className="chart-export">
      Save as{' '}
      <button className="link" onClick={() => save('svg')} data-testid={`${props.name}-svg`}>
        SVG
      </button>{' '}
      <button className="link" onClick={() => save('png')} data-testid={`${props.name}-png`}>
        PNG
      </button>
    </div>
  );
}

export const MARKER_COLOUR = { settings: '#8c564b', resume: '#7f7f7f' } as const;

/**
 * The vertical line of one event, labelled with what happened: dashed for a settings change, dotted
 * for a resumption. Called inside a recharts chart's children (recharts needs the element itself).
 */
export function markerLine(m: ChartMarker, colour: string, key: number, yAxisId?: string) {
  return (
    <ReferenceLine
      key={`m${key}`}
      {...(yAxisId ? { yAxisId } : {})}
      x={m.x}
      stroke={colour}
      strokeDasharray={m.kind === 'settings' ? '6 3' : '2 4'}
      label={{ value: m.label, position: 'insideTopLeft', fontSize: 10, fill: colour }}
    />
  );
}

export interface Series {
  key: string;
  label: string;
  color: string;
  axis?: 'left' | 'right';
  /** Row key of this series' [below, above] distances to its interval ends, drawn as error bars. */
  errorKey?: string;
}

/** A labelled horizontal reference line (a baseline) on the left axis. */
export interface HorizontalLine {
  y: number;
  label: string;
  color: string;
  dash: string;
}

export function StepChart(props: {
  testId: string;
  data: Record<string, number | number[]>[];
  series: Series[];
  leftLabel: string;
  rightLabel?: string;
  yDomain?: [number, number];
  markers?: ChartMarker[];
  lines?: HorizontalLine[];
}) {
  const points = props.data.length;
  const markers = props.markers ?? [];
  const lines = props.lines ?? [];
  const box = useRef<HTMLDivElement>(null);
  return (
    <div
      className="chart"
      data-testid={props.testId}
      data-points={points}
      data-markers={markers.length}
      data-lines={lines.length}
      title={markers.map((m) => `step ${m.x}: ${m.label}`).join('\n') || undefined}
      ref={box}
    >
      {points > 0 && <ChartExport box={box} name={props.testId} />}
      {points === 0 ? (
        <p className="muted">No points yet: they appear as training runs.</p>
      ) : (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={props.data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="step"
              type="number"
              domain={['dataMin', 'dataMax']}
              label={{ value: 'step', position: 'insideBottomRight', offset: -2 }}
            />
            <YAxis
              yAxisId="left"
              domain={props.yDomain ?? ['auto', 'auto']}
              label={{ value: props.leftLabel, angle: -90, position: 'insideLeft' }}
            />
            {props.rightLabel && (
              <YAxis
                yAxisId="right"
                orientation="right"
                label={{ value: props.rightLabel, angle: 90, position: 'insideRight' }}
              />
            )}
            <Tooltip />
            <Legend />
            {props.series.map((s) => (
              <Line
                key={s.key}
                yAxisId={s.axis ?? 'left'}
                dataKey={s.key}
                name={s.label}
                stroke={s.color}
                dot={points < 30}
                isAnimationActive={false}
                connectNulls
              >
                {s.errorKey && (
                  <ErrorBar dataKey={s.errorKey} width={4} strokeWidth={1} stroke={s.color} direction="y" />
                )}
              </Line>
            ))}
            {lines.map((l) => (
              <ReferenceLine
                key={l.label}
                yAxisId="left"
                y={l.y}
                stroke={l.color}
                strokeDasharray={l.dash}
                label={{ value: l.label, position: 'insideBottomLeft', fontSize: 10, fill: l.color }}
              />
            ))}
            {markers.map((m, i) => markerLine(m, MARKER_COLOUR[m.kind], i, 'left'))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}

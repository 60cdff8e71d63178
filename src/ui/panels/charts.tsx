// Line charts over training steps (the live ones drawn by SvgLineChart; markerLine serves the recharts
// comparison charts). Each chart exposes its point count for tests, and marks the run's events (settings
// changed mid-run, resumptions) with labelled vertical lines.
import { useMemo, useRef, type RefObject } from 'react';
import { ReferenceLine } from 'recharts';
import { exportChart } from '../../download';
import { describeEvent } from '../../shared/runEvents';
import { useLiveRun } from '../../state/liveRunStore';
import { markersInRange, type ChartMarker } from '../chartMarkers';
import { SvgLineChart } from '../components/SvgLineChart';
import type { ChartRow, ChartSeries, HorizontalLine } from '../lineChartMath';
import { useThrottled } from '../useThrottled';

const CHART_REFRESH_MS = 500;
const startsOrShrinks = (next: readonly unknown[], shown: readonly unknown[]) =>
  shown.length === 0 || next.length < shown.length;

export type { ChartMarker } from '../chartMarkers';

/** The live run's events as markers at their step. */
export function useRunMarkers(): ChartMarker[] {
  const events = useLiveRun((s) => s.events);
  return useMemo(() => events.map((e) => ({ x: e.step, label: describeEvent(e), kind: e.kind })), [events]);
}

/**
 * "Save as SVG / PNG" for the recharts chart inside `box`; the files are named `name`.svg/.png and the
 * buttons have test ids `name`-svg and `name`-png.
 */
export function ChartExport(props: { box: RefObject<HTMLDivElement | null>; name: string }) {
  const save = (format: 'svg' | 'png') => {
    // The chart's own surface (not a legend icon): SvgLineChart's, or a recharts chart's.
    const svg = props.box.current?.querySelector<SVGSVGElement>(
      'svg.chart-surface, .recharts-wrapper > svg.recharts-surface',
    );
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

export type Series = ChartSeries;
export type { HorizontalLine };

/**
 * A live chart against the step (loss, probe, hard-example statistics): drawn by SvgLineChart, which
 * redraws in a few milliseconds at each read-back, where a recharts chart took tens to hundreds.
 */
export function StepChart(props: {
  testId: string;
  data: ChartRow[];
  series: Series[];
  leftLabel: string;
  rightLabel?: string;
  yDomain?: [number, number];
  markers?: ChartMarker[];
  lines?: HorizontalLine[];
}) {
  // Redrawn at most twice a second, however fast the read-backs come.
  // A chart that was empty, or a history replaced by a shorter one (a resumption), shows at once.
  const data = useThrottled(props.data, CHART_REFRESH_MS, startsOrShrinks);
  const all = props.markers;
  const points = data.length;
  // Only the markers inside the steps shown (none on a chart whose points are all at one step).
  const markers = useMemo(
    () =>
      markersInRange(
        all ?? [],
        data.map((d) => (typeof d.step === 'number' ? d.step : NaN)),
      ),
    [all, data],
  );
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
        <SvgLineChart
          data={data}
          series={props.series}
          leftLabel={props.leftLabel}
          {...(props.rightLabel ? { rightLabel: props.rightLabel } : {})}
          {...(props.yDomain ? { yDomain: props.yDomain } : {})}
          markers={markers}
          lines={lines}
        />
      )}
    </div>
  );
}

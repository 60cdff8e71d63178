// Scales, ticks and paths of the live line charts (components/SvgLineChart.tsx): pure, so tested in Node.

export interface ChartSeries {
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

/** A chart row: 'step', series values, and [below, above] error distances under a series' errorKey. */
export type ChartRow = Record<string, number | number[]>;

export interface PlotBox {
  x0: number; // left edge
  x1: number; // right edge
  y0: number; // bottom edge (SVG y grows downwards)
  y1: number; // top edge
}

export interface YScale {
  y: (v: number) => number;
  ticks: number[];
  domain: [number, number];
}

export interface ChartScales {
  x: (v: number) => number;
  xTicks: number[];
  left: YScale;
  right: YScale | null; // null when no series is on the right axis
  points: Record<string, [number, number][]>; // per series: [step, value] with a finite value, by step
  errors: Record<string, [number, number, number][]>; // per series with errorKey: [step, low, high]
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** [min, max] of the finite values, widened when they are equal (a flat line sits mid-height). */
function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (hi > lo) {
    const pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  const pad = Math.abs(lo) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

function yScale(values: number[], box: PlotBox, fixed?: [number, number]): YScale {
  const domain = fixed ?? extent(values);
  return { y: linear(domain[0], domain[1], box.y0, box.y1), ticks: niceTicks(domain[0], domain[1]), domain };
}

/** The scales of a chart of rows keyed by 'step'; `yDomain` fixes the left axis (e.g. [0, 1]). */
export function chartScales(
  data: readonly ChartRow[],
  series: readonly ChartSeries[],
  box: PlotBox,
  yDomain?: [number, number],
): ChartScales {
  const points: Record<string, [number, number][]> = {};
  const errors: Record<string, [number, number, number][]> = {};
  const leftValues: number[] = [];
  const rightValues: number[] = [];
  let xLo = Infinity;
  let xHi = -Infinity;
  for (const row of data) {
    const x = row.step;
    if (typeof x !== 'number' || !Number.isFinite(x)) continue;
    if (x < xLo) xLo = x;
    if (x > xHi) xHi = x;
  }
  for (const s of series) {
    const pts: [number, number][] = [];
    const bars: [number, number, number][] = [];
    for (const row of data) {
      const x = row.step;
      const v = row[s.key];
      if (typeof x !== 'number' || typeof v !== 'number' || !Number.isFinite(x) || !Number.isFinite(v))
        continue;
      pts.push([x, v]);
      (s.axis === 'right' ? rightValues : leftValues).push(v);
      const e = s.errorKey ? row[s.errorKey] : undefined;
      if (Array.isArray(e) && e.length === 2 && e.every(Number.isFinite))
        bars.push([x, v - e[0]!, v + e[1]!]);
    }
    pts.sort((a, b) => a[0] - b[0]);
    points[s.key] = pts;
    if (s.errorKey) errors[s.key] = bars;
  }
  if (xLo === Infinity) [xLo, xHi] = [0, 1];
  else if (xHi === xLo) [xLo, xHi] = [xLo - 1, xHi + 1];
  const onRight = series.some((s) => s.axis === 'right');
  return {
    x: linear(xLo, xHi, box.x0, box.x1),
    xTicks: niceTicks(xLo, xHi, 6),
    left: yScale(leftValues, box, yDomain),
    right: onRight ? yScale(rightValues, box) : null,
    points,
    errors,
  };
}

/** An SVG path through the points in order ('' for none); one point is drawn as a dot, not a path. */
export function linePath(
  pts: readonly [number, number][],
  x: (v: number) => number,
  y: (v: number) => number,
): string {
  return pts.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join('');
}

// Which event markers a chart can place: only those inside the steps it shows. A chart whose points are
// all at one step (a probe chart with only its step-0 evaluation) has no room for "resumed at step 4":
// drawn there, recharts would put it at step 0, which says something false.
import type { RunEvent } from '../shared/runEvents';

export interface ChartMarker {
  x: number;
  label: string;
  kind: RunEvent['kind'];
}

/** The markers with min(xs) ≤ x ≤ max(xs), none when the chart spans a single x (or has no points). */
export function markersInRange<M extends { x: number }>(markers: readonly M[], xs: readonly number[]): M[] {
  if (xs.length === 0 || markers.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(hi > lo)) return [];
  return markers.filter((m) => m.x >= lo && m.x <= hi);
}

import { describe, expect, it } from 'vitest';
import { markersInRange, type ChartMarker } from './chartMarkers';

const resumed: ChartMarker = { x: 4, label: 'resumed at step 4', kind: 'resume' };
const changed: ChartMarker = { x: 10, label: 'ε 4 → 8', kind: 'settings' };

describe('markersInRange', () => {
  it('a chart with only a step-0 point draws no marker (not "resumed at step 4" at step 0)', () => {
    expect(markersInRange([resumed], [0])).toEqual([]);
    expect(markersInRange([resumed], [])).toEqual([]);
    expect(markersInRange([resumed], [4, 4])).toEqual([]);
  });

  it('keeps the markers inside the steps shown, ends included', () => {
    expect(markersInRange([resumed, changed], [0, 2, 4, 6, 8])).toEqual([resumed]);
    expect(markersInRange([resumed, changed], [4, 10])).toEqual([resumed, changed]);
    expect(markersInRange([resumed, changed], [0, 12])).toEqual([resumed, changed]);
  });
});

import { describe, expect, it } from 'vitest';
import { chartScales, linePath, niceTicks } from './lineChartMath';

const BOX = { x0: 0, x1: 100, y0: 100, y1: 0 };

describe('niceTicks', () => {
  it('steps of 1, 2 or 5 × 10^k covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 36, 6)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(2.05, 2.95)).toEqual([2.2, 2.4, 2.6, 2.8]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('chartScales', () => {
  const series = [
    { key: 'loss', label: 'loss', color: '#000' },
    { key: 'std', label: 'std', color: '#111', axis: 'right' as const },
  ];

  it('maps steps across the box and each axis over its own series, skipping missing values', () => {
    const data: Record<string, number>[] = [
      { step: 2, loss: 3, std: 0.1 },
      { step: 4, loss: 1 },
      { step: 6, loss: 2, std: 0.3 },
    ];
    const s = chartScales(data, series, BOX);
    expect(s.x(2)).toBe(0);
    expect(s.x(6)).toBe(100);
    expect(s.points.loss).toEqual([
      [2, 3],
      [4, 1],
      [6, 2],
    ]);
    expect(s.points.std).toEqual([
      [2, 0.1],
      [6, 0.3],
    ]);
    // Left: [1, 3] padded by 5 % → [0.9, 3.1]; value 2 sits mid-height.
    expect(s.left.domain[0]).toBeCloseTo(0.9);
    expect(s.left.domain[1]).toBeCloseTo(3.1);
    expect(s.left.y(2)).toBeCloseTo(50);
    expect(s.right!.y(0.2)).toBeCloseTo(50);
    expect(linePath(s.points.std!, s.x, s.right!.y)).toMatch(/^M0\.0,\d+\.\dL100\.0,\d+\.\d$/);
  });

  it('a fixed left domain, a single step and no data all give usable scales', () => {
    const one = chartScales([{ step: 0, loss: 0.5 }], [series[0]!], BOX, [0, 1]);
    expect(one.left.y(0)).toBe(100);
    expect(one.left.y(1)).toBe(0);
    expect(one.x(0)).toBe(50); // a lone step sits in the middle
    expect(one.right).toBeNull();
    const none = chartScales([], series, BOX);
    expect(Number.isFinite(none.x(0))).toBe(true);
    expect(linePath([], none.x, none.left.y)).toBe('');
  });
});

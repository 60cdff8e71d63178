import { describe, expect, it } from 'vitest';
import { gainText } from './gain';
import { wilsonInterval } from './interval';

describe('wilsonInterval', () => {
  it('matches hand-computed Wilson 95 % intervals', () => {
    // 50 of 100: centre 0.5, half-width 1.96/1.0384·√(0.0025 + 0.000096) = 0.09617
    const half = wilsonInterval(0.5, 100);
    expect(half.low).toBeCloseTo(0.40383, 4);
    expect(half.high).toBeCloseTo(0.59617, 4);
    // 0 of 10: [0, 0.2775] (never below 0, unlike the normal approximation's [0, 0])
    const none = wilsonInterval(0, 10);
    expect(none.low).toBeCloseTo(0, 6);
    expect(none.high).toBeCloseTo(0.27753, 4);
    // 10 of 10: mirror image
    const all = wilsonInterval(1, 10);
    expect(all.low).toBeCloseTo(0.72247, 4);
    expect(all.high).toBeCloseTo(1, 6);
  });

  it('narrows with more held-out images: about ±3 points at 1,000, ±12 at 64', () => {
    const big = wilsonInterval(0.7, 1000);
    const small = wilsonInterval(0.7, 64);
    expect(big.high - big.low).toBeGreaterThan(0.05);
    expect(big.high - big.low).toBeLessThan(0.06);
    expect(small.high - small.low).toBeGreaterThan(0.2);
  });

  it('gives the whole range when nothing was measured', () => {
    expect(wilsonInterval(0.5, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('gainText', () => {
  it('states the gain over random init and the gap to pixels in points', () => {
    expect(gainText(0.733, 0.613, 0.885)).toBe('+12.0 points over random init; 15.2 below pixels');
    expect(gainText(0.9, 0.95, 0.85)).toBe('−5.0 points over random init; 5.0 above pixels');
    expect(gainText(0.85, 0.6, 0.85)).toBe('+25.0 points over random init; level with pixels');
  });
});

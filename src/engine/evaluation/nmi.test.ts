import { describe, expect, it } from 'vitest';
import { nmi } from './nmi';

const i32 = (a: number[]) => Int32Array.from(a);

describe('nmi', () => {
  it('is 1 for the same partition under any renaming of labels', () => {
    expect(nmi(i32([0, 0, 1, 1, 2]), i32([0, 0, 1, 1, 2]))).toBeCloseTo(1, 12);
    expect(nmi(i32([0, 0, 1, 1, 2]), i32([7, 7, -3, -3, 4]))).toBeCloseTo(1, 12);
  });

  it('is 0 for independent labelings', () => {
    // Every (a, b) pair occurs once: p(a, b) = p(a)·p(b).
    expect(nmi(i32([0, 0, 1, 1]), i32([0, 1, 0, 1]))).toBeCloseTo(0, 12);
  });

  it('matches hand-computed values', () => {
    // a = [0,0,0,1], b = [0,0,1,1]: H(a) = −(¾ln¾ + ¼ln¼) = 0.5623351446, H(b) = ln 2 = 0.6931471806,
    // I = ½ln(4/3) + ¼ln(2/3) + ¼ln 2 = 0.2157615543; NMI = I / ((H(a) + H(b)) / 2) = 0.3437110185.
    expect(nmi(i32([0, 0, 0, 1]), i32([0, 0, 1, 1]))).toBeCloseTo(0.3437110185, 9);
    // b merges two of a's three equal classes: I = H(b) = ln3 − ⅔ln2 = 0.6365141683, H(a) = ln 3;
    // NMI = 2·H(b) / (H(a) + H(b)) = 0.7336804367.
    expect(nmi(i32([0, 0, 1, 1, 2, 2]), i32([0, 0, 1, 1, 1, 1]))).toBeCloseTo(0.7336804367, 9);
  });

  it('is symmetric', () => {
    const a = i32([0, 1, 1, 2, 2, 2, 0, 1]);
    const b = i32([1, 1, 0, 0, 2, 2, 1, 0]);
    expect(nmi(a, b)).toBeCloseTo(nmi(b, a), 12);
  });

  it('handles constant labelings and rejects mismatched lengths', () => {
    expect(nmi(i32([3, 3, 3]), i32([5, 5, 5]))).toBe(1);
    expect(nmi(i32([3, 3, 3]), i32([0, 1, 2]))).toBe(0);
    expect(() => nmi(i32([0, 1]), i32([0]))).toThrow(/length/);
  });
});

import { describe, expect, it } from 'vitest';
import { reductionBlock } from './software';

describe('reductionBlock (the software Mean kernel takes x as [outer, R, inner])', () => {
  it('views a contiguous block of axes as one reduced dimension', () => {
    expect(reductionBlock([32, 4, 4, 32], [1, 2])).toEqual([32, 16, 32]); // global average pool
    expect(reductionBlock([32, 4, 4, 32], [2, 1])).toEqual([32, 16, 32]); // order does not matter
    expect(reductionBlock([301], [0])).toEqual([1, 301, 1]);
    expect(reductionBlock([6, 5], [-1])).toEqual([6, 5, 1]); // negative axes
    expect(reductionBlock([2, 3, 4], [0, 1])).toEqual([1, 6, 4]);
    expect(reductionBlock([2, 3, 4], [1, 1])).toEqual([2, 3, 4]); // repeated axis
  });

  it('declines axes that are not one block (tfjs reduces those)', () => {
    expect(reductionBlock([3, 4, 5], [0, 2])).toBeNull();
    expect(reductionBlock([3, 4, 5, 6], [0, 1, 3])).toBeNull();
    expect(reductionBlock([3, 4], [])).toBeNull();
  });
});

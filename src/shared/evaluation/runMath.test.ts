import { describe, expect, it } from 'vitest';
import {
  alignByAxis,
  envelope,
  groupBySeed,
  meanStd,
  mergeRuns,
  metricsCsvRows,
  metricsToCsv,
  smooth,
  toCsv,
  type MetricsRow,
} from './runMath';

const close = (got: number[], want: number[], digits = 10) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, digits));
};

describe('smooth (TensorBoard debiased EMA)', () => {
  it('debiases the first values', () => {
    // w = 0.5:
    // t=1: last = 0·0.5 + 0.5·1 = 0.5;     debias 1 − 0.5¹ = 0.5   → 0.5 / 0.5 = 1
    // t=2: last = 0.5·0.5 + 0.5·2 = 1.25;  debias 1 − 0.5² = 0.75  → 1.25 / 0.75 = 5/3
    // t=3: last = 1.25·0.5 + 0.5·3 = 2.125; debias 1 − 0.5³ = 0.875 → 2.125 / 0.875 = 17/7
    close(smooth([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7]);
    // w = 0.9: the first smoothed value is the first value: 0.1·v / (1 − 0.9) = v.
    // t=2 with v = [10, 0]: last = 0.9·1 + 0.1·0 = 0.9; debias 1 − 0.81 = 0.19 → 0.9 / 0.19 = 90/19
    close(smooth([10, 0], 0.9), [10, 90 / 19]);
  });

  it('weight 0 is the identity; constant series and non-finite values pass through', () => {
    expect(smooth([3, -1, 7], 0)).toEqual([3, -1, 7]);
    expect(smooth([2, 2, 2], 0.6)).toEqual([2, 2, 2]);
    // NaN does not advance the average: [1, NaN, 3] with w = 0.5
    // t=1: 1 (as above); NaN → NaN; t=2 with v=3: last = 0.25 + 1.5 = 1.75; /0.75 = 7/3
    const s = smooth([1, NaN, 3], 0.5);
    expect(s[1]).toBeNaN();
    close([s[0]!, s[2]!], [1, 7 / 3]);
    expect(smooth([], 0.5)).toEqual([]);
    expect(() => smooth([1], 1)).toThrow(RangeError);
    expect(() => smooth([1], -0.1)).toThrow(RangeError);
  });
});

describe('envelope', () => {
  it('gives min/max over the trailing window', () => {
    // window 3 over [3, 1, 4, 1, 5, 9, 2]:
    // [3]→3,3  [3,1]→1,3  [3,1,4]→1,4  [1,4,1]→1,4  [4,1,5]→1,5  [1,5,9]→1,9  [5,9,2]→2,9
    expect(envelope([3, 1, 4, 1, 5, 9, 2], 3)).toEqual([
      { min: 3, max: 3 },
      { min: 1, max: 3 },
      { min: 1, max: 4 },
      { min: 1, max: 4 },
      { min: 1, max: 5 },
      { min: 1, max: 9 },
      { min: 2, max: 9 },
    ]);
    expect(envelope([5, 6], 1)).toEqual([
      { min: 5, max: 5 },
      { min: 6, max: 6 },
    ]);
  });

  it('skips non-finite values and rejects bad windows', () => {
    // window 2 over [NaN, 2, NaN, NaN]: [NaN]→none  [NaN,2]→2,2  [2,NaN]→2,2  [NaN,NaN]→none
    const e = envelope([NaN, 2, NaN, NaN], 2);
    expect(e[0]!.min).toBeNaN();
    expect(e.slice(1, 3)).toEqual([
      { min: 2, max: 2 },
      { min: 2, max: 2 },
    ]);
    expect(e[3]!.max).toBeNaN();
    expect(() => envelope([1], 0)).toThrow(RangeError);
    expect(() => envelope([1], 1.5)).toThrow(RangeError);
  });
});

describe('meanStd', () => {
  it('uses the sample std (n − 1)', () => {
    // mean = 10/4 = 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5/3 = 1.6667; √ = 1.2910
    const r = meanStd([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.std).toBeCloseTo(1.291, 4);
    expect(r.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(r.n).toBe(4);
    expect(meanStd([7])).toEqual({ mean: 7, std: 0, n: 1 });
    const empty = meanStd([]);
    expect(empty.n).toBe(0);
    expect(empty.mean).toBeNaN();
  });
});

describe('groupBySeed', () => {
  it('groups configs that differ only by seed, regardless of key order', () => {
    const runs = [
      { id: 'a', config: { method: 'moco-v2', lr: 0.1, seed: 1 }, final: { top1: 1, knn: 10 } },
      { id: 'b', config: { lr: 0.2, method: 'moco-v2', seed: 1 }, final: { top1: 9 } },
      { id: 'c', config: { lr: 0.1, method: 'moco-v2', seed: 2 }, final: { top1: 2, knn: 20 } },
      { id: 'd', config: { method: 'moco-v2', seed: 3, lr: 0.1 }, final: { top1: 3 } },
      { id: 'e', config: { method: 'moco-v2', lr: 0.1, seed: 4 }, final: { top1: 4, knn: NaN } },
    ];
    const groups = groupBySeed(runs);
    expect(groups).toHaveLength(2);
    const [g1, g2] = groups;
    expect(g1!.runs.map((r) => r.id)).toEqual(['a', 'c', 'd', 'e']);
    expect(g1!.seeds).toEqual([1, 2, 3, 4]);
    expect(g1!.config).toEqual({ method: 'moco-v2', lr: 0.1 });
    expect(g1!.key).toBe('{"lr":0.1,"method":"moco-v2"}');
    // top1 over [1, 2, 3, 4]: 2.5 ± 1.2910 (see meanStd)
    expect(g1!.stats.top1!.mean).toBe(2.5);
    expect(g1!.stats.top1!.std).toBeCloseTo(1.291, 4);
    // knn: finite values [10, 20] only: mean 15; deviations ±5 → 50/1 → √50 = 7.0711
    expect(g1!.stats.knn).toEqual({ mean: 15, std: Math.sqrt(50), n: 2 });
    expect(g2!.runs.map((r) => r.id)).toEqual(['b']);
    expect(g2!.stats.top1).toEqual({ mean: 9, std: 0, n: 1 });
  });

  it('compares nested values and accepts another seed field', () => {
    const runs = [
      { config: { aug: { crop: 0.2, flip: true }, s: 1 }, final: { top1: 0.5 } },
      { config: { aug: { flip: true, crop: 0.2 }, s: 2 }, final: { top1: 0.7 } },
      { config: { aug: { flip: false, crop: 0.2 }, s: 3 }, final: { top1: 0.1 } },
    ];
    const groups = groupBySeed(runs, 's');
    expect(groups.map((g) => g.seeds)).toEqual([[1, 2], [3]]);
    // [0.5, 0.7]: mean 0.6; deviations ±0.1 → 0.02/1 → √0.02 = 0.14142
    expect(groups[0]!.stats.top1!.mean).toBeCloseTo(0.6, 12);
    expect(groups[0]!.stats.top1!.std).toBeCloseTo(0.141421, 6);
  });
});

const pt = (step: number, values: Record<string, number>, over: Partial<MetricsRow> = {}): MetricsRow => ({
  step,
  epoch: step / 4,
  elapsedMs: step * 250,
  imagesPerSec: 100,
  lr: 0.03,
  values,
  ...over,
});

describe('CSV', () => {
  it('writes the header, sorted value keys, empty missing values and RFC 4180 quoting', () => {
    const points = [
      pt(2, { loss: 1.5, 'a,b': 2 }),
      pt(4, { loss: 0.25, 'say "hi"\nnow': -3 }, { lr: 0.0125, imagesPerSec: 812.5 }),
    ];
    // keys sorted: 'a,b' (a=97) < 'loss' (l=108) < 'say "hi"\nnow' (s=115)
    expect(metricsToCsv(points)).toBe(
      'step,epoch,elapsedMs,imagesPerSec,lr,"a,b",loss,"say ""hi""\nnow"\r\n' +
        '2,0.5,500,100,0.03,2,1.5,\r\n' +
        '4,1,1000,812.5,0.0125,,0.25,-3\r\n',
    );
    expect(metricsToCsv([])).toBe('step,epoch,elapsedMs,imagesPerSec,lr\r\n');
  });

  it('metricsCsvRows gives the same header and fields as the text, for callers that add columns', () => {
    const points = [pt(1, { loss: 1 / 3, 'q"uote': 0.1 + 0.2 }), pt(2, {})];
    const rows = metricsCsvRows(points);
    expect(rows).toEqual([
      ['step', 'epoch', 'elapsedMs', 'imagesPerSec', 'lr', 'loss', 'q"uote'],
      ['1', '0.25', '250', '100', '0.03', String(1 / 3), String(0.1 + 0.2)],
      ['2', '0.5', '500', '100', '0.03', '', ''],
    ]);
    expect(toCsv(rows)).toBe(metricsToCsv(points));
  });
});

describe('alignByAxis / mergeRuns', () => {
  const points = [pt(8, { loss: 1 }), pt(4, { loss: 2 }, { elapsedMs: 3000 })];

  it('places points on step, epoch or time (seconds) and sorts by x', () => {
    // steps 8, 4 → sorted [4, 8]; epochs 8/4 = 2, 4/4 = 1; times 8·250 ms = 2 s, 3000 ms = 3 s
    expect(alignByAxis(points, 'step').map((p) => p.x)).toEqual([4, 8]);
    expect(alignByAxis(points, 'epoch')).toEqual([
      { x: 1, values: { loss: 2 } },
      { x: 2, values: { loss: 1 } },
    ]);
    expect(alignByAxis(points, 'time')).toEqual([
      { x: 2, values: { loss: 1 } },
      { x: 3, values: { loss: 2 } },
    ]);
  });

  it('merges runs into chart rows over the union of x values', () => {
    const a = { id: 'runA', points: alignByAxis([pt(1, { loss: 3 }), pt(2, { loss: 2 })], 'step') };
    const b = { id: 'runB', points: alignByAxis([pt(2, { loss: 5 }), pt(3, { acc: 1 })], 'step') };
    expect(mergeRuns([a, b], 'loss')).toEqual([
      { x: 1, runA: 3 },
      { x: 2, runA: 2, runB: 5 },
    ]);
  });
});

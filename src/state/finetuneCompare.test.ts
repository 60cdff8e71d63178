// The comparison's fine-tuning chart data (finetuneCompare.ts): seed groups as mean ± std, other runs alone.
import { describe, expect, it } from 'vitest';
import { seedGroups, summaryRow } from './compareData';
import { finetuneCompare } from './finetuneCompare';
import type { FinetunePoint } from '../shared/trainingTypes';
import { cfg, run } from './testRuns';

const ft = (fraction: FinetunePoint['fraction'], fromRandomInit: boolean, top1: number): FinetunePoint => ({
  fraction,
  top1,
  fromRandomInit,
  trainCount: 32,
  testCount: 100,
  step: fromRandomInit ? 0 : 4,
  seed: 1,
});

describe('finetuneCompare', () => {
  it('a seed group gives mean ± std (%), a lone run its own values, fractions smallest first', () => {
    const runs = [
      run('a', { config: { ...cfg, seed: 1 }, finetunes: [ft(0.01, false, 0.8), ft(0.01, true, 0.5)] }),
      run('b', { config: { ...cfg, seed: 2 }, finetunes: [ft(0.01, false, 0.6), ft(0.01, true, 0.5)] }),
      run('c', { config: { ...cfg, seed: 3, lr: 0.01 }, finetunes: [ft(0.1, false, 0.9)] }),
      run('d', { config: { ...cfg, seed: 4, lr: 0.02 } }), // never fine-tuned: no entry
    ];
    const rows = runs.map(summaryRow);
    const out = finetuneCompare(rows, seedGroups(runs), (r) => r.name);
    expect(out.entries.map((e) => [e.key, e.n, e.colourIndex])).toEqual([
      ['a', 2, 0],
      ['c', 1, 2],
    ]);
    expect(out.entries[0]!.label).toMatch(/, seeds 1, 2$/);
    expect(out.rows.map((r) => r.label)).toEqual(['1 %', '10 %']);
    const [one, ten] = out.rows;
    expect(one!.a).toBeCloseTo(70, 10);
    expect(one!.a_std).toBeCloseTo(100 * Math.sqrt(0.02), 10);
    expect(one!.a_r).toBeCloseTo(50, 10);
    expect(one!.a_r_std).toBe(0);
    expect(one!.c).toBeUndefined();
    expect(ten!.c).toBeCloseTo(90, 10);
    expect(ten!.c_r).toBeUndefined(); // its random init was not fine-tuned
    expect(out.points).toBe(3);
  });
});

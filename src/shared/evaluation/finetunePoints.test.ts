import { describe, expect, it } from 'vitest';
import type { FinetunePoint } from '../trainingTypes';
import {
  describeFinetunePair,
  finetuneChartPoints,
  finetuneChartRows,
  finetunePairs,
  mergeFinetune,
} from './finetunePoints';

const pt = (
  fraction: FinetunePoint['fraction'],
  fromRandomInit: boolean,
  top1: number,
  top5?: number,
): FinetunePoint => ({
  fraction,
  top1,
  ...(top5 === undefined ? {} : { top5 }),
  fromRandomInit,
  trainCount: 32,
  testCount: 100,
  step: fromRandomInit ? 0 : 200,
  seed: 1,
});

describe('fine-tuning points', () => {
  it('a repeat at the same fraction and init replaces the older point; others are kept, sorted', () => {
    let list: FinetunePoint[] = [];
    list = mergeFinetune(list, pt(0.1, true, 0.5));
    list = mergeFinetune(list, pt(0.01, false, 0.6));
    list = mergeFinetune(list, pt(0.1, false, 0.7));
    list = mergeFinetune(list, pt(0.01, true, 0.4));
    list = mergeFinetune(list, pt(0.1, false, 0.75)); // replaces 0.7
    expect(list.map((p) => [p.fraction, p.fromRandomInit, p.top1])).toEqual([
      [0.01, false, 0.6],
      [0.01, true, 0.4],
      [0.1, false, 0.75],
      [0.1, true, 0.5],
    ]);
  });

  it('pairs by fraction and describes top-1 (and top-5) beside the random init with the gain', () => {
    const pairs = finetunePairs([pt(0.01, false, 0.912, 0.99), pt(0.01, true, 0.801, 0.97)]);
    expect(pairs).toHaveLength(1);
    expect(describeFinetunePair(pairs[0]!)).toBe(
      'Fine-tuned on 1 % of labels (32 images): top-1 91.2 % (random init 80.1 %, +11.1); top-5 99.0 % (random init 97.0 %, +2.0)',
    );
    const worse = finetunePairs([pt(1, false, 0.5), pt(1, true, 0.6)]);
    expect(describeFinetunePair(worse[0]!)).toBe(
      'Fine-tuned on 100 % of labels (32 images): top-1 50.0 % (random init 60.0 %, −10.0)',
    );
    const alone = finetunePairs([pt(0.1, false, 0.5)]);
    expect(describeFinetunePair(alone[0]!)).toBe('Fine-tuned on 10 % of labels (32 images): top-1 50.0 %');
  });
});

describe('fine-tuning chart rows', () => {
  it('top-1 in percent per fraction measured, trained beside random init, smallest fraction first', () => {
    const rows = finetuneChartRows([pt(1, false, 0.98), pt(0.01, true, 0.25), pt(0.01, false, 0.5)]);
    expect(rows).toEqual([
      { fraction: 0.01, label: '1 %', trained: 50, randomInit: 25 },
      { fraction: 1, label: '100 %', trained: 98, randomInit: null },
    ]);
    expect(finetuneChartPoints(rows)).toBe(3);
    expect(finetuneChartRows([])).toEqual([]);
  });
});

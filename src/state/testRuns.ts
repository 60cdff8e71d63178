// Fixtures of saved runs for the comparison tests (compareData.test.ts, compareStore.test.ts).
import { PRESETS } from '../shared/config';
import type { MetricsPoint } from '../shared/trainingTypes';
import type { RunRecord } from '../shared/records';

export const cfg = { ...PRESETS.tiny.config, method: 'moco-v2' as const, seed: 5 };

export function point(step: number, elapsedMs: number, values: Record<string, number>): MetricsPoint {
  return {
    step,
    epoch: step / 10,
    totalSteps: 20,
    lr: 0.1,
    values,
    imagesPerSec: 1,
    elapsedMs,
    numTensors: 0,
  };
}

export function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    name: id,
    createdAt: 0,
    updatedAt: 1,
    config: cfg,
    datasetId: 'mnist',
    status: 'done',
    step: 4,
    totalSteps: 4,
    metrics: [point(2, 1000, { loss: 3, probe_acc: 0.2 }), point(4, 2000, { loss: 2, probe_acc: 0.4 })],
    evals: [
      {
        step: 0,
        epoch: 0,
        linearTop1: 0.1,
        knnTop1: 0.1,
        perClass: [0, 0.2],
        confusion: [
          [1, 1],
          [2, 0],
        ],
      },
      {
        step: 4,
        epoch: 0.4,
        linearTop1: 0.5,
        knnTop1: 0.4,
        perClass: [0.5, 0.5],
        confusion: [
          [1, 1],
          [1, 1],
        ],
      },
    ],
    tags: [],
    ...over,
  };
}

// The stored run as both threads see it (tf-free): its settings, status and history.
import type { TrainConfig } from './config';
import type { RunEvent } from './runEvents';
import type { Baselines, EvalPoint, FinetunePoint, MetricsPoint } from './trainingTypes';

export type RunStatus = 'running' | 'paused' | 'done' | 'stopped' | 'interrupted';

export interface RunRecord {
  id: string;
  name: string;
  createdAt: number; // ms since epoch
  updatedAt: number;
  config: TrainConfig; // as the run started; `events` hold the settings changed since
  datasetId: string;
  status: RunStatus;
  step: number; // steps done as far as the store knows (the last metrics point, or the checkpoint)
  totalSteps: number;
  metrics: MetricsPoint[];
  evals: EvalPoint[];
  /** Settings changed mid-run and resumptions, oldest first (absent in records saved before them). */
  events?: RunEvent[];
  /** Random-init (BN on data) and raw-pixel probe scores (absent in records saved before them). */
  baselines?: Baselines;
  /**
   * Fine-tuning evaluations of the run's network and of its random init (one point per fraction and
   * init: a repeat replaces the older point, evaluation/finetunePoints.ts); absent before the first.
   */
  finetunes?: FinetunePoint[];
  tags: string[];
  notes?: string;
}

/** What the runs list shows of a run's histories: kept in its stored record, updated on every write. */
export interface RunLatest {
  loss: number | null; // the last read-back's loss
  linearTop1: number | null; // the last evaluation's scores
  knnTop1: number | null;
}

/**
 * A run as the `runs` object store keeps it, and as the runs list reads it: the record without its
 * histories (those lie one point per record in the `metrics` and `evals` stores, see engine/data/db.ts),
 * with the latest values of both for the list.
 */
export interface StoredRun extends Omit<RunRecord, 'metrics' | 'evals'> {
  latest: RunLatest;
}

/** What may change in a run after it is saved (its histories only grow, through appendMetrics). */
export type RunPatch = Partial<Omit<RunRecord, 'id' | 'createdAt' | 'metrics' | 'evals'>>;

// The stored run as both threads see it (tf-free): its settings, status and history.
import type { TrainConfig } from './config';
import type { RunEvent } from './runEvents';
import type { Baselines, EvalPoint, MetricsPoint } from './trainingTypes';

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
  tags: string[];
  notes?: string;
}

/** What may change in a run after it is saved. */
export type RunPatch = Partial<Omit<RunRecord, 'id' | 'createdAt'>>;

// What scripts/experiment.mjs and the experiment page exchange: the plan it hands to
// window.__experimentStart and the events the page sends back through window.__experimentEvent.
import type { TrainConfig } from '../src/shared/config';
import type {
  Baselines,
  ClusterStats,
  EvalPoint,
  FinetuneFraction,
  FinetunePoint,
  MetricsPoint,
} from '../src/shared/trainingTypes';
import type { BackendName, BackendReport } from '../src/shared/backendTypes';
import type { FractalParams } from '../src/shared/data/fractalParams';

export type DatasetSpec =
  { kind: 'builtin'; id: 'mnist' | 'fashion-mnist' } | { kind: 'fractals'; params: FractalParams };

export interface ExperimentPlan {
  backend: BackendName;
  dataset: DatasetSpec;
  /** One entry per run, in order; each config is complete and already validated by the runner. */
  runs: TrainConfig[];
  /** After each run: fine-tune its network and its random init at each of these label fractions. */
  finetune?: FinetuneFraction[];
}

export interface DatasetInfo {
  id: string;
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  classNames: string[] | null;
  /** Images held in memory (the first ones of each split): what the runs can use. */
  train: number;
  test: number;
  /** Images of each split in the whole dataset. */
  fullTrain: number;
  fullTest: number;
  loadMs: number;
}

export type ExperimentEvent =
  | { type: 'log'; message: string }
  | { type: 'backend'; report: BackendReport; tfjsVersion: string }
  | { type: 'dataset'; info: DatasetInfo }
  | { type: 'run-start'; run: number; totalSteps: number; stepsPerEpoch: number }
  | { type: 'metrics'; run: number; point: MetricsPoint }
  /** wallMs: since the run's Trainer was built (for comparisons at equal wall-clock time). */
  | { type: 'evaluation'; run: number; point: EvalPoint; wallMs: number }
  | { type: 'baselines'; run: number; baselines: Baselines }
  | { type: 'clusters'; run: number; step: number; stats: ClusterStats }
  /** One fine-tuning result (the trained network, then its random init, per fraction); wallMs: its own time. */
  | { type: 'finetune'; run: number; point: FinetunePoint; wallMs: number }
  | {
      type: 'run-end';
      run: number;
      wallMs: number; // from the Trainer's construction to the end of run(), evaluations included
      trainMs: number; // the Trainer's own training time (evaluations and pauses excluded)
      leakedTensors: number; // tf.memory().numTensors after dispose() minus before construction
    }
  | { type: 'done' }
  | { type: 'error'; message: string; run: number | null };

declare global {
  interface Window {
    __experimentStart?: (plan: ExperimentPlan) => void;
    __experimentEvent?: (e: ExperimentEvent) => Promise<void>;
  }
}

// The only types both threads import. Every request has a `type`; every reply has a `type`.
import type { TrainConfig } from './config';
import type { DatasetManifest } from './data/types';
import type { ImportOptions, ImportReport, ImportSource } from './data/importTypes';
// Gallery and embedding view
import type { RunEvent } from './runEvents';
import type { DamagedRecord } from './schema/run';
import type {
  Baselines,
  ClassThumbnails,
  ClusterSnapshot,
  EmbeddingSnapshot,
  EvalPoint,
  FinetuneFraction,
  FinetunePoint,
  FinetuneProgressInfo,
  MetricsPoint,
  NeighbourResult,
  PhaseProgress,
  PreviewImage,
  PreviewSet,
  TrainerPhase,
} from './trainingTypes';
import type { BackendName, BackendReport, ConformanceReport } from './backendTypes';
import type { BuiltinId } from './data/builtinCatalog';
import type { FractalParams } from './data/fractalParams';
import type { RunRecord, RunStatus } from './records';
import type { StorageErrorKind } from './data/storageError';

/** An outcome message's tone. */
export type NoticeTone = 'info' | 'error';
/** A run file import in the worker: checking it against the schema, then storing it. */
export type RunImportPhase = 'check' | 'store';
/** The GPU check (conformance) as it goes. */
export type CheckPhase = 'running' | 'done' | 'failed';

export type {
  ImportOptions,
  ImportReport,
  ImportSource,
  BuiltinId,
  FractalParams,
  ClassThumbnails,
  TrainConfig,
  DatasetManifest,
  BackendName,
  BackendReport,
  ConformanceReport,
  ClusterSnapshot,
  EvalPoint,
  MetricsPoint,
  PreviewSet,
  PreviewImage,
  NeighbourResult,
  EmbeddingSnapshot,
  RunEvent,
  DamagedRecord,
  Baselines,
  PhaseProgress,
  FinetuneFraction,
  FinetunePoint,
  FinetuneProgressInfo,
};

export type StorageErrorInfo = {
  kind: StorageErrorKind;
  message: string;
};

export type WorkerRequest =
  | { type: 'init'; backend: BackendName; dataBaseUrl: string }
  | { type: 'start'; config: TrainConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Changes the running run's live settings (liveSettings.ts) from its next step on. */
  | { type: 'change-settings'; config: TrainConfig }
  | { type: 'stop' }
  | { type: 'retry-dataset' }
  | { type: 'refresh-datasets' }
  | { type: 'dataset-thumbnails'; id: string }
  | { type: 'rename-dataset'; id: string; name: string }
  | { type: 'delete-dataset'; id: string }
  | { type: 'export-dataset'; id: string }
  | { type: 'install-builtin'; id: BuiltinId }
  | { type: 'generate-fractals'; params: FractalParams }
  | { type: 'import-dataset'; source: ImportSource; options: ImportOptions }
  /** Cancels the running dataset job (export, import, generation). */
  | { type: 'cancel-dataset-job' }
  | { type: 'list-runs' }
  | { type: 'resume-run'; id: string }
  | { type: 'run-action'; id: string; action: RunAction }
  /** Test hook: destroys the WebGPU device to produce a real device-lost event. */
  | { type: 'debug-lose-device' }
  /** Test hook: the worker fetches `url` and answers 'debug-fetch' (the CSP must refuse other origins). */
  | { type: 'debug-fetch'; url: string }
  /** Gallery: nearest held-out images of `image` in feature space (current or last run's model). */
  | { type: 'neighbours'; requestId: number; image: PreviewImage }
  /** The full records of these saved runs (for the comparison view); answered by 'run-details'. */
  | { type: 'get-runs'; ids: string[] }
  /** "Check this GPU": the conformance check (runtime/conformance.ts); answered by 'conformance'. */
  | { type: 'check-gpu' }
  /**
   * Fine-tune a saved run's network and, beside it, its random init (same seed, same labelled subset)
   * at `fraction` of the labels (engine/evaluation/finetune.ts). Replies: finetune-progress, then one
   * finetune-result per network, or finetune-error.
   */
  | { type: 'finetune'; runId: string; fraction: FinetuneFraction; seed: number }
  | { type: 'cancel-finetune' };

/** The page's view of a run: the trainer's phases, plus before any run and after a failure. */
export type RunPhase = 'idle' | TrainerPhase | 'failed';

export type WorkerReply =
  | { type: 'backend'; report: BackendReport }
  | { type: 'backend-error'; backend: BackendName; message: string }
  /** A long dataset job's progress; `name` is what the user calls the dataset ('MNIST', not 'mnist'). */
  | { type: 'dataset-progress'; datasetId: string; name: string; done: number; total: number; phase: string }
  /** Stored datasets; `damaged`: manifests that no longer parse (listed with the reason, deletable). */
  | {
      type: 'datasets';
      manifests: DatasetManifest[];
      damaged: DamagedRecord[];
      usage: { usage: number; quota: number } | null;
    }
  | { type: 'storage-error'; error: StorageErrorInfo }
  | { type: 'thumbnails'; id: string; groups: ClassThumbnails[] }
  | { type: 'dataset-export'; id: string; blob: Blob; filename: string }
  | { type: 'import-report'; report: ImportReport }
  /** The outcome of a library action, for the user to read. */
  | { type: 'dataset-notice'; tone: NoticeTone; message: string }
  /** progress: how far a long phase (evaluating, preparing) is; absent for the others. */
  | { type: 'status'; phase: RunPhase; message: string; progress?: PhaseProgress }
  /** Once per new run, before its first step: reference scores for the accuracy chart. */
  | { type: 'baselines'; baselines: Baselines }
  | { type: 'metrics'; point: MetricsPoint }
  | { type: 'preview'; preview: PreviewSet }
  | { type: 'evaluation'; point: EvalPoint }
  | { type: 'clusters'; snapshot: ClusterSnapshot }
  | { type: 'run-error'; message: string }
  | { type: 'device-lost'; message: string }
  /** Saved runs; `damaged`: records that no longer parse (listed with the reason, exportable raw, deletable). */
  | { type: 'runs'; runs: RunSummary[]; damaged: DamagedRecord[] }
  /** Progress of a run-file import ('check': parsing and checking it, 'store': saving it). */
  | { type: 'run-import-progress'; phase: RunImportPhase }
  /** The outcome of a run-file import, for the user to read. */
  | { type: 'run-import'; tone: NoticeTone; message: string }
  | { type: 'debug-fetch'; ok: boolean; message: string }
  /** A run started (or resumed from its checkpoint: then with the history kept and the steps lost). */
  | {
      type: 'run-started';
      runId: string;
      config: TrainConfig; // the settings it trains with (a resumed run's as at its checkpoint)
      resumed: { fromStep: number; lostSteps: number; run: RunRecord } | null;
    }
  | { type: 'run-export'; files: ExportFile[] }
  /** Settings of the running run changed (applied from the step after event.step). */
  | { type: 'run-event'; event: RunEvent }
  /** At every evaluation: the embedding view's projections. */
  | { type: 'embedding'; snapshot: EmbeddingSnapshot }
  /** Answer to a 'neighbours' request (error set, result null, when there is no model). */
  | { type: 'neighbours'; requestId: number; result: NeighbourResult | null; error: string | null }
  /** Full records of the requested runs, in the order asked; unknown ids are left out. */
  | { type: 'run-details'; runs: RunRecord[] }
  /** A request the worker has no handler for (it is answered, never dropped). */
  | { type: 'request-error'; request: string; message: string }
  | { type: 'finetune-progress'; runId: string; progress: FinetuneProgressInfo }
  | { type: 'finetune-result'; runId: string; point: FinetunePoint }
  | { type: 'finetune-error'; runId: string; message: string }
  /** The conformance check's progress (a line), its report when done, or why it could not run. */
  | {
      type: 'conformance';
      phase: CheckPhase;
      message: string;
      report: ConformanceReport | null;
    };

/**
 * For the `default:` of a switch over requests or replies: it compiles only when every member of the
 * union was handled above it (`msg` is then `never`), so a type added here and not handled fails the
 * build. At run time it does nothing (a reply from a newer worker is ignored by an older page).
 */
export function handledAll(msg: never): void {
  void msg;
}

export type RunAction =
  | { kind: 'rename'; name: string }
  | { kind: 'tags'; tags: string[] }
  | { kind: 'delete' }
  | { kind: 'export-metrics' }
  | { kind: 'export-weights' }
  /** The stored record as it is (for a damaged run that no longer parses). */
  | { kind: 'export-raw' }
  /** `id` is ignored: the file becomes a new saved run. */
  | { kind: 'import'; text: string };

export interface ExportFile {
  name: string;
  type: string;
  data: string | ArrayBuffer;
}

/** A saved run as the runs panel lists it (the full record stays in the worker). */
export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  step: number;
  totalSteps: number;
  method: TrainConfig['method'];
  datasetId: string;
  seed: number;
  config: TrainConfig; // for "duplicate with changes"
  tags: string[];
  createdAt: number;
  updatedAt: number;
  loss: number | null; // last read-back
  linearTop1: number | null; // last frozen-feature probe
  knnTop1: number | null;
  /** Its fine-tuning evaluations (trained and random init), as stored with it. */
  finetunes: FinetunePoint[];
  /** Settings changed mid-run and resumptions, described, oldest first. */
  events: { step: number; kind: RunEvent['kind']; label: string }[];
}
